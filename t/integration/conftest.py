# SPDX-License-Identifier: Apache-2.0
"""Fixtures: one private httpd with mod_eas for the whole session, with
a state database and a Maildir per user like a deployment
(httpd.LOCATIONS).

State is SQLite, or PostgreSQL with EAS_TEST_STATE=pgsql (statedb.py):
then one private PostgreSQL serves the session (pg.py) and each httpd
has a database of its own on it.  A test that holds on SQLite alone is
marked @conftest.sqlite_only(reason) and skipped on PostgreSQL, and
@conftest.pgsql_only(reason) the other way round.

Mail comes from the Maildir backend, or from the IMAP backend with
EAS_TEST_MAIL=imap (mailstore.py): then one private Dovecot serves the
session, on the very Maildirs the fixtures write.

t/config.py is written by configure into the BUILD directory.  It is found
through $EAS_BUILDDIR (set by "make check"), else in the current directory
(a VPATH build dir where pytest is started by hand), else next to these
tests (an in-tree build).
"""

import importlib.util
import os
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import eas  # noqa: E402
import httpd  # noqa: E402
import mailstore  # noqa: E402
import pg  # noqa: E402
import statedb  # noqa: E402
from pg import postgresql  # noqa: E402,F401  (the fixture, for every test)


def sqlite_only(reason):
    return pytest.mark.skipif(statedb.KIND != "sqlite",
                              reason="SQLite state only: " + reason)


def pgsql_only(reason):
    return pytest.mark.skipif(statedb.KIND != "pgsql",
                              reason="PostgreSQL state only: " + reason)


def pytest_report_header(config):
    return ["mod_eas state database: %s (EAS_TEST_STATE)" % statedb.KIND,
            "mod_eas mail backend: %s (EAS_TEST_MAIL)" % mailstore.KIND]


def pytest_sessionfinish(session, exitstatus):
    pg.stop_shared(keep=bool(session.testsfailed))
    mailstore.stop_shared(keep=bool(session.testsfailed))


def _config_path():
    candidates = []
    if os.environ.get("EAS_BUILDDIR"):
        candidates.append(os.environ["EAS_BUILDDIR"])
    candidates += [os.getcwd(), os.path.join(HERE, "..", "..")]
    for d in candidates:
        path = os.path.join(d, "t", "config.py")
        if os.path.exists(path):
            return path
    pytest.exit("t/config.py not found: run configure, then make check "
                "(or set EAS_BUILDDIR to the build directory)", returncode=2)


def _load_config():
    spec = importlib.util.spec_from_file_location("eas_build_config",
                                                  _config_path())
    cfg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cfg)
    if not cfg.HTTPD or not os.path.exists(cfg.MODULE):
        pytest.exit("httpd or the built module (%s) is missing: make mod_eas.la"
                    % cfg.MODULE, returncode=2)
    return cfg


def serve(srv, request, name):
    """Body of a server fixture: start srv, yield it, stop it; fail if it
    crashed; keep its directory when a test failed, else remove it."""
    srv.start()
    yield srv
    srv.stop()
    crashes = srv.crashes()
    if getattr(srv, "mail", None):
        crashes += ["dovecot: " + c for c in srv.mail.crashes()]
    if crashes:
        import httpd
        traces = (httpd.backtraces(srv.cfg.HTTPD, srv.root)
                  if hasattr(srv, "cfg") else [])
        pytest.fail("the %s httpd crashed (config and logs kept in %s):\n%s"
                    % (name, srv.root, "\n".join(crashes + traces)))
    if request.session.testsfailed:
        print("\n%s httpd config and logs kept in %s" % (name, srv.root))
    else:
        srv.cleanup()


def watch_log(srv):
    """Body of a per-test log fixture: the LogWatch of the test; afterwards
    httpd must still run and nothing may have crashed meanwhile."""
    log = LogWatch(srv)
    yield log
    assert srv.alive(), "httpd exited:\n" + srv.console_text()
    assert not srv.crashes(log.offset), srv.crashes(log.offset)


@pytest.fixture(scope="session")
def server(request):
    yield from serve(httpd.Httpd(_load_config(), state=True), request, "main")


class LogWatch:
    """The part of the error log written since a test began."""

    def __init__(self, server):
        self.server = server
        self.offset = server.log_size()

    def text(self):
        return self.server.log_since(self.offset)

    def lines(self, needle):
        return [line for line in self.text().splitlines() if needle in line]

    def wait_for(self, needle, timeout=3.0):
        """Lines holding needle; waits briefly since a child may still be
        writing when the response has arrived."""
        deadline = time.time() + timeout
        while True:
            found = self.lines(needle)
            if found or time.time() > deadline:
                return found
            time.sleep(0.05)

    def one(self, tag, *fragments):
        """Exactly one line with tag, and it contains every fragment."""
        found = self.wait_for(tag)
        assert len(found) == 1, "expected one %s line, got:\n%s" % (
            tag, self.text())
        for frag in fragments:
            assert frag in found[0], found[0]
        return found[0]


@pytest.fixture
def log(server):
    return LogWatch(server)


@pytest.fixture(autouse=True)
def stays_up(request):
    """After every test that used the server: it is still running, still
    answers OPTIONS, and no child crashed."""
    if "server" not in request.fixturenames:
        yield
        return
    srv = request.getfixturevalue("server")
    offset = srv.log_size()
    yield
    assert srv.alive(), "httpd exited:\n" + srv.console_text()
    c = eas.Client(srv.port)
    try:
        assert c.options().status == 200
    finally:
        c.close()
    assert not srv.crashes(offset), srv.crashes(offset)


@pytest.fixture
def client(server):
    c = eas.Client(server.port)
    yield c
    c.close()


@pytest.fixture
def client_for(server):
    """Clients for other users or paths: client_for(user=..., path=...)."""
    made = []

    def make(**kw):
        c = eas.Client(server.port, **kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()
