# SPDX-License-Identifier: Apache-2.0
"""The IMAP client of the imap backend (backends/imap/imap_client.c)
against a private Dovecot, over plain TCP, implicit TLS and STARTTLS, and
against servers that fail: one that never answers, one that closes the
connection in the middle of a literal.

t/unit/imap_client_check (built by make check) does the IMAP work and
prints one line per result; this module starts the servers, delivers mail
while the client waits in IDLE, and checks the lines.
"""

import base64
import importlib.util
import os
import re
import socket
import subprocess
import threading

import pytest

import conftest
from dovecot import dovecot  # noqa: F401  (the fixture)
from dovecot import Dovecot, USERS
from procs import free_port

MESSAGE = (b"From: Sender <sender@example.org>\r\n"
           b"To: alice@example.org\r\n"
           b"Subject: delivered while idling\r\n\r\n"
           b"Hello.\r\n")


def program():
    spec = importlib.util.spec_from_file_location("eas_build_config",
                                                  conftest._config_path())
    cfg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cfg)
    path = os.path.join(cfg.TOP_BUILDDIR, "t", "unit", "imap_client_check")
    if not os.access(path, os.X_OK):
        pytest.fail("%s is missing: make check builds it" % path)
    return path


def run_check(script, port, user="alice", password=None, host="127.0.0.1",
              opts=(), on_line=None, timeout=120):
    """(stdout lines as {key: [rest...]}, stdout, stderr) of one run;
    on_line(line) is called for each line as it comes."""
    password = USERS[user] if password is None else password
    cmd = [program()] + list(opts) + [script, host, str(port), user,
                                      password]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    err = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()))
    reader.start()
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if on_line:
                on_line(line)
        proc.wait()
    finally:
        timer.cancel()
        reader.join()
    out = "\n".join(lines)
    assert proc.returncode == 0, out + "\n" + err[0]
    results = {}
    for line in lines:
        key, _, rest = line.partition(": ")
        results.setdefault(key, []).append(rest)
    return results, out, err[0]


def secret_forms(user, password):
    """The password as it could leak: itself, and the SASL PLAIN message
    in base64."""
    plain = b"\0" + user.encode() + b"\0" + password.encode()
    return [password, base64.b64encode(plain).decode()]


# ---------------------------------------------------------------- Dovecot

def test_full_script(dovecot):  # noqa: F811
    def on_line(line):
        if line.startswith("idle: started"):
            dovecot.deliver("alice", MESSAGE)

    r, out, err = run_check("full", dovecot.port, on_line=on_line)
    assert r["connect"] == ["ok"], out
    assert r["login"] == ["ok"], out
    caps = dict(x.split("=", 1) if x.count("=") == 1 else x.rsplit("=", 1)
                for x in r["caps"][0].split())
    for cap in ("IMAP4REV1", "LITERAL+", "UIDPLUS", "CONDSTORE", "QRESYNC",
                "MOVE", "SPECIAL-USE", "LIST-STATUS", "IDLE", "ENABLE"):
        assert caps[cap] == "1", (cap, out)
    assert caps["NO-SUCH-CAPABILITY"] == "0", out
    assert r["qresync"] == ["1"], out
    assert r["create"] == ["ok"], out
    assert r["append"] == ["ok uidvalidity=yes uid=1"], out
    assert r["append2"] == ["ok uidvalidity=yes uid=2"], out
    assert r["select"] == ["exists=2 uidvalidity=yes highestmodseq=yes"], out
    # the last message fetched: uid 2, with the date APPEND gave it and
    # the very bytes appended
    fetch = r["fetch"][0]
    assert fetch.startswith("count=2 lastuid=2 flags="), out
    assert "$Forwarded" in fetch and "date=837596665" in fetch, out
    assert "size=164 " in fetch and fetch.endswith("body=same"), out
    store = r["store"][0]
    assert store.startswith("ok uid=1 flags=") and "\\Flagged" in store, out
    assert store.endswith("modseq=higher"), out
    # QRESYNC enabled: expunges come as VANISHED
    assert r["expunge"] == ["vanished=2 expunges=0"], out
    assert r["changedsince"] == ["fetched=1 uid=1 vanished=2"], out
    assert r["move"] == ["ok copyuid_src=1 vanished=1"], out
    lists = r["list"]
    assert lists[-1] == "done", out
    for attr, name in (("\\Drafts", "Drafts"), ("\\Sent", "Sent"),
                       ("\\Trash", "Trash"), ("\\Junk", "Junk")):
        assert "%s attrs=%s" % (name, attr) in lists, out
    status = [x for x in r["list-status"] if x.startswith("INBOX MESSAGES")]
    assert re.match(r"INBOX MESSAGES=1 UIDNEXT=2 UIDVALIDITY=\d+ "
                    r"HIGHESTMODSEQ=\d+$", status[0]), out
    assert any(re.match(r"Test Box MESSAGES=0 UIDNEXT=3 ", x)
               for x in r["list-status"]), out
    assert r["status"] == ["guid_len=32"], out
    # an 8-bit name goes as a literal: refused as not mUTF-7 unless the
    # server takes UTF-8, and the connection goes on
    assert r["literal"][0] in ("create=NO utf8=0", "create=ok utf8=1"), out
    assert r["literal"][-1] == "then=ok", out
    assert r["idle"] == ["started", "exists=2 wait=ok fd=yes", "done=ok"], out
    assert r["logout"] == ["closed"], out
    assert "{164+}" in err, err        # LITERAL+ used for APPEND
    for secret in secret_forms("alice", USERS["alice"]):
        assert secret not in out + err
    assert "Hello from the IMAP client" not in err   # no bodies in logs


def test_wrong_password(dovecot):  # noqa: F811
    r, out, err = run_check("login", dovecot.port, password="wrong-pw")
    assert r["connect"] == ["ok"], out
    assert r["login"][0].startswith("NO login refused: "), out
    assert "wrong-pw" not in out + err


def test_nobody_listens():
    r, out, err = run_check("connect", free_port())
    assert r["connect"][0].startswith("EUNAVAIL cannot connect"), out
    assert "log 3: " in err, err
