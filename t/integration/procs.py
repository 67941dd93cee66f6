# SPDX-License-Identifier: Apache-2.0
"""What the private servers of the tests (httpd, slapd, PostgreSQL,
Radicale, Dovecot) share: a free port, stopping a process, reading a log."""

import signal
import socket
import subprocess


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
