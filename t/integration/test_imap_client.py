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
    password = USERS.get(user) if password is None else password
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
    assert r["big"] == ["ok body=same"], out
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


@pytest.fixture(scope="module")
def master_dovecot(request):
    """A Dovecot with a master user ("master", acting for any user)."""
    srv = Dovecot()
    masters = os.path.join(srv.root, "masters")
    with open(masters, "w") as f:
        f.write("master:{PLAIN}master-pw\n")
    srv.extra = ("auth_master_user_separator = *\n"
                 "passdb {\n  driver = passwd-file\n  master = yes\n"
                 "  args = scheme=PLAIN %s\n  pass = yes\n}\n" % masters)
    yield from conftest.serve(srv, request, "dovecot")


def test_master_user_as_authzid(master_dovecot):
    # AUTHENTICATE PLAIN as master acting for bob: bob's mailbox
    r, out, err = run_check("login", master_dovecot.port, user="master",
                            password="master-pw", opts=["--authzid", "bob"])
    assert r["login"] == ["ok"], out + err
    logins = [line for line in master_dovecot.log_text().splitlines()
              if "Login: user=<" in line]
    assert "user=<bob>" in logins[-1], logins
    r, out, err = run_check("login", master_dovecot.port, user="master",
                            password="wrong", opts=["--authzid", "bob"])
    assert r["login"][0].startswith("NO login refused"), out
    for secret in ("master-pw", base64.b64encode(b"bob\0master\0master-pw")
                   .decode()):
        assert secret not in out + err


# -------------------------------------------------------------------- TLS

def make_cert(directory, name, san):
    """(certificate, key): a self-signed certificate for san."""
    cert = os.path.join(directory, name + "-cert.pem")
    key = os.path.join(directory, name + "-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=" + name, "-addext",
                    "subjectAltName=" + san],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def tls_dovecot(tmp_path_factory, request):
    """A Dovecot requiring TLS, its certificate for imap.example.test and
    127.0.0.1 (not "localhost"), and another CA that did not sign it."""
    directory = str(tmp_path_factory.mktemp("imap-tls"))
    cert, key = make_cert(directory, "imap.example.test",
                          "DNS:imap.example.test,IP:127.0.0.1")
    other, _ = make_cert(directory, "other", "DNS:other.example.test")
    srv = Dovecot(tls=(cert, key))
    srv.ca, srv.other_ca = cert, other
    yield from conftest.serve(srv, request, "dovecot")


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
def test_tls(tls_dovecot, mode):
    port = tls_dovecot.imaps_port if mode == "implicit" else tls_dovecot.port
    r, out, err = run_check("login", port,
                            opts=["--tls", mode, "--ca", tls_dovecot.ca])
    assert r["connect"] == ["ok"], out + err
    assert r["login"] == ["ok"], out + err
    assert re.search(r"IMAP: TLSv1\.[23] with ", err), err
    logins = [line for line in tls_dovecot.log_text().splitlines()
              if "Login: user=<alice>" in line]
    assert logins and ", TLS," in logins[-1], logins


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
def test_tls_wrong_ca(tls_dovecot, mode):
    port = tls_dovecot.imaps_port if mode == "implicit" else tls_dovecot.port
    r, out, err = run_check("login", port,
                            opts=["--tls", mode, "--ca", tls_dovecot.other_ca])
    assert r["connect"][0].startswith("EUNAVAIL TLS: the server's "
                                      "certificate is not trusted"), out
    assert "login" not in r, out


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
def test_tls_wrong_name(tls_dovecot, mode):
    # localhost is 127.0.0.1, but the certificate does not name it
    port = tls_dovecot.imaps_port if mode == "implicit" else tls_dovecot.port
    r, out, err = run_check("login", port, host="localhost",
                            opts=["--tls", mode, "--ca", tls_dovecot.ca])
    assert r["connect"][0].startswith("EUNAVAIL TLS: the server's "
                                      "certificate is not trusted for "
                                      "localhost"), out
    assert "mismatch" in r["connect"][0], out


def test_plain_refused_by_tls_server(tls_dovecot):
    # TLS expected but the server speaks plain IMAP: the handshake fails
    r, out, err = run_check("connect", tls_dovecot.port,
                            opts=["--tls", "implicit", "--ca",
                                  tls_dovecot.ca, "--timeout", "3000"])
    assert r["connect"][0].startswith("EUNAVAIL "), out


# ---------------------------------------------------- servers that fail

class FakeImap:
    """A one-connection-at-a-time IMAP server on 127.0.0.1 for the failure
    tests: greets with greeting, then hands each command (tag, text, with
    its literals read; synchronising ones get a "+") to answer(self, tag,
    text), which writes with send() or closes."""

    def __init__(self, greeting, answer, literal_plus=False):
        self.greeting = greeting
        self.answer = answer
        self.literal_plus = literal_plus
        self.commands = []
        self.continuations = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self.conn = conn
                self.rfile = conn.makefile("rb")
                try:
                    self.session()
                except (OSError, ValueError):
                    pass

    def send(self, data):
        self.conn.sendall(data if isinstance(data, bytes) else data.encode())

    def read_command(self):
        """The next command as bytes with its literals inline, or None."""
        text = b""
        while True:
            line = self.rfile.readline()
            if not line:
                return None
            text += line
            m = re.search(rb"\{(\d+)(\+?)\}\r\n$", line)
            if not m:
                return text
            if not m.group(2):
                self.continuations += 1
                self.send("+ go ahead\r\n")
            text += self.rfile.read(int(m.group(1)))

    def session(self):
        if self.greeting is None:
            self.rfile.read()          # says nothing, reads until closed
            return
        self.send(self.greeting)
        while True:
            cmd = self.read_command()
            if cmd is None:
                return
            tag, _, text = cmd.partition(b" ")
            self.commands.append(text)
            if not self.answer(self, tag.decode(), text):
                self.conn.shutdown(socket.SHUT_RDWR)
                return

    def close(self):
        self.sock.close()


def standard_answer(extra):
    """An answer function: LOGIN, AUTHENTICATE, CAPABILITY, SELECT, NOOP,
    LOGOUT as a server would; others through extra(srv, tag, text), which
    returns False to close the connection."""
    def answer(srv, tag, text):
        verb = text.split(b" ", 1)[0].strip().upper()
        if verb in (b"LOGIN", b"AUTHENTICATE", b"CAPABILITY", b"SELECT",
                    b"NOOP", b"LOGOUT", b"ENABLE", b"ID"):
            if verb == b"LOGOUT":
                srv.send("* BYE bye\r\n")
            if verb == b"SELECT":
                srv.send("* 1 EXISTS\r\n")
            srv.send("%s OK done\r\n" % tag)
            return verb != b"LOGOUT"
        return extra(srv, tag, text)
    return answer


@pytest.fixture
def fake():
    servers = []

    def make(*args, **kwargs):
        servers.append(FakeImap(*args, **kwargs))
        return servers[-1]
    yield make
    for s in servers:
        s.close()


def test_server_never_answers(fake):
    srv = fake(None, None)
    r, out, err = run_check("connect", srv.port, opts=["--timeout", "1000"])
    assert r["connect"] == ["EUNAVAIL timeout waiting for the server"], out
    assert "log 3: " in err, err


def test_bye_greeting(fake):
    srv = fake("* BYE [UNAVAILABLE] Too many connections\r\n", None)
    r, out, err = run_check("connect", srv.port)
    assert r["connect"] == ["EUNAVAIL the server refused the connection: "
                            "Too many connections"], out


def test_closed_mid_literal(fake):
    def fetch(srv, tag, text):
        srv.send("* 1 FETCH (UID 1 BODY[] {100}\r\nFrom: a\r\n")
        return False

    srv = fake("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n",
               standard_answer(fetch))
    r, out, err = run_check("fetch", srv.port)
    assert r["login"] == ["ok"], out
    assert r["fetch"] == ["EUNAVAIL broken=1 fd=yes fetched=0 bytes=0",
                          "then=EUNAVAIL"], out
    assert "the server closed the connection" in err, err


def test_bye_during_a_command(fake):
    def fetch(srv, tag, text):
        srv.send("* BYE [UNAVAILABLE] Shutting down\r\n")
        return False

    srv = fake("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n",
               standard_answer(fetch))
    r, out, err = run_check("fetch", srv.port)
    assert r["fetch"] == ["EUNAVAIL broken=1 fd=yes fetched=0 bytes=0",
                          "then=EUNAVAIL"], out
    assert "the server said BYE: Shutting down" in err, err


def test_stalls_mid_literal(fake):
    def fetch(srv, tag, text):
        srv.send("* 1 FETCH (UID 1 BODY[] {100}\r\nFrom: a\r\n")
        srv.rfile.read()               # nothing more until the client goes
        return False

    srv = fake("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n",
               standard_answer(fetch))
    r, out, err = run_check("fetch", srv.port, opts=["--timeout", "1000"])
    assert r["fetch"] == ["EUNAVAIL broken=1 fd=yes fetched=0 bytes=0",
                          "then=EUNAVAIL"], out
    assert "timeout waiting for the server" in err, err


@pytest.mark.parametrize("caps,plus", [("IMAP4rev1", b""),
                                       ("IMAP4rev1 LITERAL-", b"+")])
def test_literal_login(fake, caps, plus):
    # no AUTH=PLAIN: LOGIN, the 8-bit password as a literal: without
    # LITERAL+ a synchronising one, sent after the server's "+"; with
    # LITERAL- (and short) a non-synchronising one
    password = "p\u00e4ss \"w\"\\"

    def never(srv, tag, text):
        return False

    srv = fake("* OK [CAPABILITY %s] hi\r\n" % caps, standard_answer(never),
               literal_plus=bool(plus))
    r, out, err = run_check("login", srv.port, password=password)
    assert r["login"] == ["ok"], out + err
    raw = password.encode()
    assert srv.commands[0] == (b"LOGIN alice {%d%s}\r\n%s\r\n"
                               % (len(raw), plus, raw)), srv.commands
    assert srv.continuations == (0 if plus else 1)
    assert srv.commands[1] == b"CAPABILITY\r\n", srv.commands
    assert password not in out + err


def test_authenticate_without_sasl_ir(fake):
    def never(srv, tag, text):
        return False

    srv = fake("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n",
               standard_answer(never))
    plain = standard_answer(never)

    def answer(srv, tag, text):
        if text.startswith(b"AUTHENTICATE"):
            srv.send("+ \r\n")
            srv.commands.append(srv.rfile.readline())
            srv.send("%s OK [CAPABILITY IMAP4rev1 IDLE] in\r\n" % tag)
            return True
        return plain(srv, tag, text)
    srv.answer = answer
    r, out, err = run_check("login", srv.port, password="pw \"quoted\"")
    assert r["login"] == ["ok"], out + err
    assert srv.commands[0] == b"AUTHENTICATE PLAIN\r\n", srv.commands
    assert base64.b64decode(srv.commands[1]) == \
        b"\0alice\0pw \"quoted\"", srv.commands
    # the capabilities came with the OK: no CAPABILITY command after it
    assert not any(c.startswith(b"CAPABILITY") for c in srv.commands[2:])
    for secret in secret_forms("alice", "pw \"quoted\""):
        assert secret not in out + err
