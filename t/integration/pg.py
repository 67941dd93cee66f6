# SPDX-License-Identifier: Apache-2.0
"""A private PostgreSQL server for the tests.

One server serves the whole session; it starts on first use, through the
"postgresql" fixture or shared() (the httpd fixtures use shared() when the
suite runs on PostgreSQL state, see statedb.py):

    def test_something(postgresql):
        dsn = postgresql.create_database("mytest")   # empty, yours alone
        # dsn is libpq's form, as apr_dbd's pgsql driver and mod_dbd's
        # DBDParams take it: "host=127.0.0.1 port=N dbname=mytest user=eas"

A test that must stop the server makes its own PostgreSQL() instead, and
stop()s and run()s it again on the same port and data.

initdb and postgres come from Debian's PostgreSQL 15
(/usr/lib/postgresql/15/bin, or $EAS_PG_BINDIR).  The cluster lives in a
fresh temporary directory and listens on a free port of 127.0.0.1 only (no
Unix socket), with trust authentication for the superuser "eas".  Run as
root, the server runs as the "postgres" system account (setpriv), since
PostgreSQL refuses root.  At the end of the session (conftest.py calls
stop_shared()) it is stopped and its directory removed, unless a test
failed: then the directory (with postgres.log) is kept and named.
"""

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
from procs import end_process, free_port, read_text  # noqa: E402,F401

SUPERUSER = "eas"


def _bindir():
    if os.environ.get("EAS_PG_BINDIR"):
        return os.environ["EAS_PG_BINDIR"]
    preferred = "/usr/lib/postgresql/15/bin"
    if os.path.exists(os.path.join(preferred, "postgres")):
        return preferred
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if found:
        return os.path.dirname(found[-1])
    raise RuntimeError("PostgreSQL server binaries not found: run "
                       "build/install-deps.sh (package postgresql)")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgreSQL:
    def __init__(self, max_connections=200):
        self.max_connections = max_connections
        self.bindir = _bindir()
        self.root = tempfile.mkdtemp(prefix="mod_eas-pg-")
        self.data = os.path.join(self.root, "data")
        self.log = os.path.join(self.root, "postgres.log")
        self.port = _free_port()
        self.proc = None
        self._as = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._as = ["setpriv", "--reuid=%d" % pw.pw_uid,
                        "--regid=%d" % pw.pw_gid, "--init-groups", "--"]
        os.chmod(self.root, 0o700)

    def _bin(self, name):
        return os.path.join(self.bindir, name)

    def _run_as_server(self, args):
        subprocess.run(self._as + args, check=True, cwd=self.root,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def dsn(self, dbname="postgres"):
        return "host=127.0.0.1 port=%d dbname=%s user=%s" % (
            self.port, dbname, SUPERUSER)

    def start(self, timeout=60):
        """A new cluster, then run()."""
        self._run_as_server([self._bin("initdb"), "-D", self.data,
                             "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                             "--locale=C", "--no-sync"])
        self.run(timeout)

    def run(self, timeout=60):
        """Starts postgres on the cluster and waits until it accepts
        connections; again after stop() on the same port."""
        log = open(self.log, "a")
        self.proc = subprocess.Popen(
            self._as + [self._bin("postgres"), "-D", self.data,
                        "-p", str(self.port),
                        "-c", "listen_addresses=127.0.0.1",
                        "-c", "unix_socket_directories=",
                        "-c", "fsync=off",
                        # Each test httpd's children keep a few pooled
                        # connections (mod_dbd); prefork one per process.
                        "-c", "max_connections=%d" % self.max_connections],
            cwd=self.root, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("postgres exited with %s:\n%s"
                                   % (self.proc.returncode, self.log_text()))
            ready = subprocess.run(
                [self._bin("pg_isready"), "-q", "-h", "127.0.0.1",
                 "-p", str(self.port), "-U", SUPERUSER, "-d", "postgres"])
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("postgres did not accept connections on port %d:"
                           "\n%s" % (self.port, self.log_text()))

    def psql(self, sql, dbname="postgres"):
        """Runs sql (one statement) as the superuser; returns its output."""
        out = subprocess.run(
            [self._bin("psql"), "-X", "-q", "-A", "-t", "-v",
             "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
             "-U", SUPERUSER, "-d", dbname, "-c", sql],
            check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        return out.stdout

    def create_database(self, name):
        """A new empty database (dropped first if it exists); its DSN."""
        assert name.replace("_", "").isalnum(), name
        self.psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        self.psql('CREATE DATABASE "%s"' % name)
        return self.dsn(name)

    def log_text(self):
        return read_text(self.log)

    def stop(self):
        end_process(self.proc, signal.SIGINT, 30)   # fast shutdown

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


_shared = None


def shared():
    """The session's server, started on first use."""
    global _shared
    if _shared is None:
        srv = PostgreSQL()
        try:
            srv.start()
        except Exception:
            srv.stop()
            raise
        _shared = srv
    return _shared


def stop_shared(keep=False):
    """Stops the session's server if it was started; its directory is
    removed unless keep."""
    global _shared
    if _shared is None:
        return
    _shared.stop()
    if keep:
        print("\nPostgreSQL data and log kept in %s" % _shared.root)
    else:
        _shared.cleanup()
    _shared = None


@pytest.fixture(scope="session")
def postgresql():
    return shared()
