# SPDX-License-Identifier: Apache-2.0
"""Push from Dovecot: a real Dovecot with its push_notification plugin and
mod_eas's Lua script (build/dovecot-push.lua) tells a private httpd's
notification endpoint (SetHandler eas-notify) of every change: an LMTP
delivery, an APPEND by an IMAP client, a flag change, an expunge, a
mailbox made, renamed and removed.  Each notification becomes an imap
drop in httpd's drop directory (the file the IMAP change source's reader
reads: notify_drop.h) and a debug line of the endpoint.  A notification
carries no content (a listener of the test's own sees the requests), one
per mailbox per transaction; a wrong secret is refused with 403 and
logged on both sides; a dead endpoint does not stop delivery; the
endpoint refuses malformed mailbox parameters."""

import base64
import http.client
import os
import socket
import threading
import time

import pytest

import conftest
import dovecot as dovecot_mod
import httpd

NOTIFY = "/eas-notify"
SECRET = "0123456789abcdef-imap-push"

NOTIFY_LOCATION = """<Location %s>
    SetHandler eas-notify
    EASNotifySecret %s
    Require ip 127.0.0.1
</Location>
""" % (NOTIFY, SECRET)

# One child: the endpoint says a refusal once a minute per child.
ONE_CHILD = ("ServerLimit 1\nThreadsPerChild 16\nMaxRequestWorkers 16\n"
             "MinSpareThreads 4\nMaxSpareThreads 16\n")

MESSAGE = (b"From: Very Secret Sender <sender-7f3a@example.org>\r\n"
           b"To: alice@example.org\r\n"
           b"Subject: subject-c0ffee-private\r\n"
           b"Message-ID: <m-1234-notify@example.org>\r\n\r\n"
           b"body-deadbeef-private\r\n")


class NotifyServer(httpd.Httpd):
    def __init__(self, cfg):
        super().__init__(cfg, modules=["authz_host"], locations={},
                         server_extra=NOTIFY_LOCATION + ONE_CHILD)

    def url(self):
        return "http://127.0.0.1:%d%s" % (self.port, NOTIFY)

    def drop_dir(self):
        return os.path.join(self.root, "mod_eas-notify")

    def drops(self):
        """The text of every drop file, as a set."""
        out = set()
        for name in os.listdir(self.drop_dir()):
            if name.startswith("."):
                continue
            with open(os.path.join(self.drop_dir(), name), "rb") as f:
                out.add(f.read().decode("utf-8"))
        return out


@pytest.fixture(scope="module")
def notify_server(request):
    yield from conftest.serve(NotifyServer(conftest._load_config()), request,
                              "imap notify")


@pytest.fixture(scope="module")
def dovecot(request, notify_server):
    yield from conftest.serve(
        dovecot_mod.Dovecot(push=(notify_server.url(), SECRET)), request,
        "dovecot")


@pytest.fixture
def log(notify_server):
    yield from conftest.watch_log(notify_server)


@pytest.fixture
def endpoint(notify_server):
    """The notification endpoint, under a short name (not conftest's
    session endpoint: no EAS location here)."""
    return notify_server


def post(endpoint, query, secret=SECRET):
    conn = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=10)
    hdrs = {"X-EAS-Notify-Secret": secret} if secret else {}
    conn.request("POST", NOTIFY + "?" + query, headers=hdrs)
    status = conn.getresponse().status
    conn.close()
    return status


def logged(user, mailbox):
    """The endpoint's line for (user, mailbox), as httpd's error log
    writes it (bytes past ASCII as \\xhh)."""
    name = "".join(c if c.isascii() else "".join(
        "\\x%02x" % b for b in c.encode()) for c in mailbox)
    return "change notification for %s at %s (imap)" % (user, name)


def notified(endpoint, log, user, mailbox, timeout=10.0):
    """The endpoint's line for (user, mailbox), once it came, and the
    drop file the reader reads."""
    line = logged(user, mailbox)
    found = log.wait_for(line, timeout)
    assert found, "no %r in:\n%s" % (line, log.text())
    drop = "imap\n%s\n%s\n" % (user, mailbox)
    assert drop in endpoint.drops(), endpoint.drops()
    return found


def mutf7(name):
    """An IMAP mailbox name in modified UTF-7 (RFC 3501 section 5.1.3),
    quoted."""
    out, run = [], []

    def flush():
        if run:
            b64 = base64.b64encode("".join(run).encode("utf-16-be"))
            out.append("&" + b64.decode().rstrip("=").replace("/", ",")
                       + "-")
            del run[:]

    for ch in name:
        if " " <= ch <= "~":
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return '"%s"' % "".join(out)


# ---------------------------------------------------------------- changes

def test_lmtp_delivery_notifies_inbox(endpoint, dovecot, log):
    dovecot.deliver("alice", MESSAGE)
    notified(endpoint, log, "alice", "INBOX")


def test_append_by_an_imap_client_notifies(endpoint, dovecot, log):
    c = dovecot.imap("alice")
    try:
        assert c.create("Archive")[0] == "OK"
        start = endpoint.log_size()
        assert c.append("Archive", None, None, MESSAGE)[0] == "OK"
    finally:
        c.logout()
    assert log_between(endpoint, start, "alice", "Archive")


def test_flag_change_and_expunge_notify(endpoint, dovecot, log):
    dovecot.deliver("bob", MESSAGE)
    notified(endpoint, log, "bob", "INBOX")
    c = dovecot.imap("bob")
    try:
        c.select("INBOX")
        start = endpoint.log_size()
        c.store("1", "+FLAGS", "\\Flagged")
        assert log_between(endpoint, start, "bob", "INBOX")
        start = endpoint.log_size()
        c.store("1", "+FLAGS", "\\Deleted")
        c.expunge()
        assert log_between(endpoint, start, "bob", "INBOX")
    finally:
        c.logout()


def log_between(endpoint, start, user, mailbox, timeout=10.0):
    """The endpoint's lines for (user, mailbox) written since start."""
    line = logged(user, mailbox)
    deadline = time.time() + timeout
    while True:
        found = [x for x in endpoint.log_since(start).splitlines()
                 if line in x]
        if found or time.time() > deadline:
            return found
        time.sleep(0.05)


def test_mailbox_create_rename_delete_notify(endpoint, dovecot, log):
    made, renamed = "Projekte/Büro", "Projekte/Ablage 2024"
    c = dovecot.imap("alice")
    try:
        start = endpoint.log_size()
        assert c.create(mutf7(made))[0] == "OK"
        assert log_between(endpoint, start, "alice", made)
        start = endpoint.log_size()
        assert c.rename(mutf7(made), mutf7(renamed))[0] == "OK"
        assert log_between(endpoint, start, "alice", made)
        assert log_between(endpoint, start, "alice", renamed)
        start = endpoint.log_size()
        assert c.delete(mutf7(renamed))[0] == "OK"
        assert log_between(endpoint, start, "alice", renamed)
    finally:
        c.logout()
    drops = endpoint.drops()
    assert "imap\nalice\nProjekte/Ablage 2024\n" in drops, drops
    assert "imap\nalice\nProjekte/Büro\n" in drops, drops


# ------------------------------------------------- what a request carries

class Listener:
    """A small HTTP listener of the test's own: keeps each request's bytes
    (head and whatever body its Content-Length says) and answers
    status."""

    def __init__(self, status=204):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.status = status
        self.requests = []
        threading.Thread(target=self.serve, daemon=True).start()

    def url(self):
        return "http://127.0.0.1:%d/notify" % self.port

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self.one(conn)

    def one(self, conn):
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            body += conn.recv(65536)
        self.requests.append((head, body))
        conn.sendall(b"HTTP/1.1 %d X\r\nContent-Length: 0\r\n"
                     b"Connection: close\r\n\r\n" % self.status)

    def wait(self, n, timeout=10.0):
        deadline = time.time() + timeout
        while len(self.requests) < n and time.time() < deadline:
            time.sleep(0.05)
        return self.requests

    def close(self):
        self.sock.close()


@pytest.fixture
def listener():
    lis = Listener()
    yield lis
    lis.close()


def private_dovecot(push):
    d = dovecot_mod.Dovecot(push=push)
    d.start()
    return d


def stop(d):
    d.stop()
    crashes = d.crashes()
    d.cleanup()
    assert not crashes, crashes


def test_a_notification_carries_no_content(listener):
    d = private_dovecot((listener.url(), SECRET))
    try:
        d.deliver("alice", MESSAGE)
        reqs = listener.wait(1)
    finally:
        stop(d)
    assert reqs, "no notification reached the listener"
    for head, body in reqs:
        assert body == b""
        text = head.decode("latin-1")
        first = text.split("\r\n")[0]
        assert first.startswith("POST /notify?user=alice&mailbox="), first
        assert "Content-Length: 0" in text
        assert "X-EAS-Notify-Secret: %s" % SECRET in text
        for secret in (b"subject-c0ffee", b"sender-7f3a", b"Very Secret",
                       b"body-deadbeef", b"m-1234-notify"):
            assert secret not in head


def test_a_secret_read_from_a_file_loses_its_line_end(listener):
    # push_lua_secret = </path, the file written as echo writes it: the
    # header carries the secret alone (a line break in it would make
    # Dovecot's HTTP client stop the delivering process).
    d = dovecot_mod.Dovecot()
    path = os.path.join(d.root, "eas-notify-secret")
    with open(path, "w") as f:
        f.write(SECRET + "\n")
    d.push = (listener.url(), "<" + path)
    d.start()
    try:
        d.deliver("alice", MESSAGE)
        reqs = listener.wait(1)
    finally:
        stop(d)
    assert reqs, "no notification reached the listener"
    head = reqs[0][0].decode("latin-1")
    assert "X-EAS-Notify-Secret: %s" % SECRET in head.split("\r\n"), head


def test_one_notification_per_mailbox_per_transaction(listener):
    d = private_dovecot((listener.url(), SECRET))
    try:
        for _ in range(3):
            d.deliver("alice", MESSAGE)
        listener.wait(3)
        before = len(listener.requests)
        c = d.imap("alice")
        try:
            c.select("INBOX")
            assert c.store("1:3", "+FLAGS", "(\\Seen \\Flagged)")[0] == "OK"
            c.noop()
        finally:
            c.logout()
        reqs = listener.wait(before + 1)
        time.sleep(1)           # no second one comes
        reqs = listener.requests[before:]
    finally:
        stop(d)
    assert len(reqs) == 1, reqs
    assert reqs[0][0].startswith(b"POST /notify?user=alice&mailbox=INBOX ")


# ---------------------------------------------------------------- refusals

def test_wrong_secret_is_refused_and_logged(endpoint, log):
    d = private_dovecot((endpoint.url(), "not-the-secret-0123456789"))
    try:
        d.deliver("alice", MESSAGE)
        line = log.one("EAS01640", "403", "X-EAS-Notify-Secret")
        assert "change notification for" not in log.text(), line
        deadline = time.time() + 10
        while "answered 403" not in d.log_text() and time.time() < deadline:
            time.sleep(0.05)
        assert "mod_eas push:" in d.log_text()
        assert "answered 403" in d.log_text()
    finally:
        stop(d)


def test_dead_endpoint_does_not_stop_delivery():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()                # nothing listens there now
    d = private_dovecot(("http://127.0.0.1:%d/x" % port, SECRET))
    try:
        d.deliver("alice", MESSAGE)
        c = d.imap("alice")
        try:
            typ, data = c.select("INBOX")
            assert typ == "OK" and data[0] == b"1"
        finally:
            c.logout()
        assert "mod_eas push:" in d.log_text()
        assert "Connection refused" in d.log_text()
    finally:
        stop(d)


@pytest.mark.parametrize("query", [
    "user=alice&mailbox=INBOX&href=%2Falice%2F",
    "user=alice&mailbox=a%0Ab",
    "user=alice&mailbox=%FF%FE",
    "user=alice&mailbox=" + "m" * 1025,
    "mailbox=INBOX",
])
def test_malformed_mailbox_is_400(endpoint, log, query):
    before = endpoint.drops()
    assert post(endpoint, query) == 400
    assert endpoint.drops() == before


def test_mailbox_parameter_makes_an_imap_drop(endpoint, log):
    assert post(endpoint, "user=carol&mailbox=Sent%20Items%2F2024") == 204
    notified(endpoint, log, "carol", "Sent Items/2024")
    assert post(endpoint, "user=carol&mailbox=") == 204
    assert "imap\ncarol\n\n" in endpoint.drops()
    assert post(endpoint, "user=carol&mailbox=INBOX", secret=None) == 403
