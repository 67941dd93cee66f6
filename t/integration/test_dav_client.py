# SPDX-License-Identifier: Apache-2.0
"""The CalDAV/CardDAV client library (backends/dav) against a real Radicale.

t/unit/test_dav_client (built by make check) does the work; this starts a
private Radicale, a small HTTP server that answers nonsense, and names a
port nobody listens on, then runs the program with their URLs and the
users' credentials in the environment and fails when it does.
"""

import http.server
import importlib.util
import os
import ssl
import subprocess
import threading
import time

import pytest

import conftest
import radicale as rad
from radicale import radicale  # noqa: F401  (the fixture)

MULTISTATUS = ('<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">%s'
               '</d:multistatus>')
RESPONSE = ('<d:response><d:href>%s</d:href><d:propstat><d:prop>'
            '<d:getetag>"%s"</d:getetag></d:prop>'
            '<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>')

PRINCIPAL = ('<d:response><d:href>/dav/</d:href><d:propstat><d:prop>'
             '<d:current-user-principal><d:href>p/</d:href>'
             '</d:current-user-principal></d:prop>'
             '<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>')
HOMES = ('<d:response xmlns:c="urn:ietf:params:xml:ns:caldav" '
         'xmlns:cr="urn:ietf:params:xml:ns:carddav"><d:href>/dav/p/</d:href>'
         '<d:propstat><d:prop><c:calendar-home-set><d:href>cal/</d:href>'
         '<d:href>http://127.0.0.2/x/</d:href></c:calendar-home-set>'
         '<cr:addressbook-home-set><d:href>/dav/p/card</d:href>'
         '</cr:addressbook-home-set></d:prop>'
         '<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>')

CALENDAR = ('<d:response><d:href>%s</d:href><d:propstat><d:prop>'
            '<d:resourcetype><d:collection/>'
            '<c:calendar xmlns:c="urn:ietf:params:xml:ns:caldav"/>'
            '</d:resourcetype></d:prop>'
            '<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>')


class Nonsense(http.server.BaseHTTPRequestHandler):
    """Answers for the client's failure tests, by path.  HTTP/1.1 with
    keep-alive: /u/count/ tells in its ETag how many connections the
    server has accepted so far, so the client can see its connections
    being reused."""

    protocol_version = "HTTP/1.1"
    connections = 0
    lock = threading.Lock()

    def setup(self):
        super().setup()
        with Nonsense.lock:
            Nonsense.connections += 1

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass                # the client gave up (over its size limit)

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        path = self.path
        if path.startswith("/.well-known/"):
            return self.reply(404)
        if path == "/dav/":
            return self.reply(207, MULTISTATUS % PRINCIPAL)
        if path == "/u/":
            return self.reply(207, MULTISTATUS % "".join(
                CALENDAR % h for h in ("/u/cal/", "/v/cal/",
                                       "http://127.0.0.2/u/x/")))
        if path == "/dav/p/":
            return self.reply(207, MULTISTATUS % HOMES)
        if path.startswith("/u/big/"):
            return self.reply(207, MULTISTATUS % ("<!-- %s -->" % ("x" * 200000)))
        if path.startswith("/u/away/"):
            return self.reply(301, headers=[("Location",
                                             "http://127.0.0.2:9/u/away/")])
        if path.startswith("/u/here/"):
            return self.reply(307, headers=[("Location", "/u/there/")])
        if path.startswith("/u/there/"):
            return self.reply(207, MULTISTATUS % (RESPONSE % ("1.ics", "t1")))
        if path.startswith("/u/count/"):
            return self.reply(207, MULTISTATUS % (
                RESPONSE % ("1.ics", Nonsense.connections)))
        if path.startswith("/u/slow/"):
            time.sleep(3)
            return self.reply(207, MULTISTATUS % "")
        if path.startswith("/u/down/"):
            return self.reply(503, "try later")
        if path.startswith("/u/foreign/"):
            return self.reply(207, MULTISTATUS % (
                RESPONSE % ("/u/foreign/mine.ics", "m")
                + RESPONSE % ("/other/theirs.ics", "o")
                + RESPONSE % ("http://127.0.0.2/u/foreign/x.ics", "x")))
        if path.startswith("/u/trunc/"):
            return self.reply(207, MULTISTATUS % (
                RESPONSE % ("a.ics", "a")
                + '<d:response><d:href>/u/trunc/</d:href><d:status>'
                'HTTP/1.1 507 Insufficient Storage</d:status></d:response>'
                '<d:sync-token>t1</d:sync-token>'))
        if path.startswith("/u/noetag/") and self.command == "PUT":
            return self.reply(201)
        if path.startswith("/u/noetag/") and self.command == "PROPFIND":
            return self.reply(207, MULTISTATUS % (RESPONSE % (path,
                                                              "fetched")))
        return self.reply(207, "this is <<< not XML at all")

    do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = answer
    do_PROPPATCH = do_MKCOL = do_MKCALENDAR = answer


def serve_nonsense(tls=None):
    """The nonsense server in a thread (over TLS with tls=(cert, key));
    yields its URL."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Nonsense)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield "%s://127.0.0.1:%d/" % ("https" if tls else "http",
                                  srv.server_address[1])
    srv.shutdown()
    srv.server_close()
    t.join()


@pytest.fixture
def nonsense():
    yield from serve_nonsense()


@pytest.fixture
def tls_nonsense(tmp_path):
    """(URL, CA file): the nonsense server over TLS with a self-signed
    certificate for 127.0.0.1."""
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    for url in serve_nonsense((cert, key)):
        yield url, cert


def program():
    spec = importlib.util.spec_from_file_location("eas_build_config",
                                                  conftest._config_path())
    cfg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cfg)
    path = os.path.join(cfg.TOP_BUILDDIR, "t", "unit", "test_dav_client")
    if not os.access(path, os.X_OK):
        pytest.fail("%s is missing: make check builds it" % path)
    return path


def test_dav_client(radicale, nonsense, tls_nonsense):  # noqa: F811
    # A calendar seeded over plain HTTP, for the library to find.
    seeded = radicale.mkcalendar("alice", "Seeded", color="#FF0000FF")
    for uid in ("seed-1", "seed-2"):
        radicale.put("alice", seeded + uid + ".ics", rad.event(uid))
    env = dict(os.environ, DAV_TEST_SEEDED=seeded,
               DAV_TEST_URL=radicale.url + "/",
               DAV_TEST_USER="alice", DAV_TEST_PASSWORD=rad.USERS["alice"],
               DAV_TEST_USER2="bob", DAV_TEST_PASSWORD2=rad.USERS["bob"],
               DAV_TEST_GARBAGE_URL=nonsense,
               DAV_TEST_TLS_URL=tls_nonsense[0],
               DAV_TEST_TLS_CA=tls_nonsense[1],
               DAV_TEST_DOWN_URL="http://127.0.0.1:%d/" % rad.free_port())
    res = subprocess.run([program()], env=env, capture_output=True,
                         text=True, timeout=300)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "not ok" not in out, out
    assert " 0 failed" in out, out
    assert "server tests skipped" not in out, out
