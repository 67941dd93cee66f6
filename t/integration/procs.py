# SPDX-License-Identifier: Apache-2.0
"""What the private servers of the tests (httpd, slapd, PostgreSQL,
Radicale, Dovecot) share: a free port, stopping a process, reading a log."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def end_process(proc, sig=signal.SIGTERM, timeout=20):
    """Stop proc with sig, and with SIGKILL after timeout seconds; nothing
    when it is not running."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def read_text(path):
    """A log file's text, "" when there is none."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


class Server:
    """A private server process of a test module: its temporary directory
    (root), its process (proc) and its log file (log).  Subclasses start it
    and say what a crash looks like in the log (CRASH_MARKS)."""

    CRASH_MARKS = ()

    def __init__(self, prefix, log_name):
        self.root = tempfile.mkdtemp(prefix=prefix)
        self.log = os.path.join(self.root, log_name)
        self.proc = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        end_process(self.proc)

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def log_text(self):
        return read_text(self.log)

    def log_size(self):
        return len(self.log_text())

    def crashes(self, offset=0):
        return [line for line in self.log_text()[offset:].splitlines()
                if any(m in line for m in self.CRASH_MARKS)]
