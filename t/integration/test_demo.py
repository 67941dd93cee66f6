# SPDX-License-Identifier: Apache-2.0
"""build/demo-server as a newcomer runs it, from a copy of the checkout
(the build directory copied as its out/, so that the demo's build has
nothing to do): it starts, answers, refuses TRACE and stops, in a
directory anyone may enter and, as root, in one www-data cannot enter;
a start that fails says why and exits 1."""

import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import pytest

import conftest
import eas
import httpd
from eas import EAS_PATH
from prov_httpd import provision

CFG = conftest._load_config()
pytestmark = [
    pytest.mark.skipif(bool(CFG.SAN_PRELOAD), reason="the demo's httpd does "
                       "not preload the sanitizer runtimes"),
    pytest.mark.skipif(os.path.realpath(CFG.TOP_BUILDDIR)
                       == os.path.realpath(CFG.TOP_SRCDIR),
                       reason="the demo builds in out/, not in the tree"),
]
IGNORE = shutil.ignore_patterns(".git", "out", "out-*", "demo-run",
                                "fuzz-run", "__pycache__", ".pytest_cache")


def make_checkout(parent):
    """A copy of the checkout in parent/mod_eas, built."""
    top = os.path.join(parent, "mod_eas")
    shutil.copytree(CFG.TOP_SRCDIR, top, symlinks=True, ignore=IGNORE)
    shutil.copytree(CFG.TOP_BUILDDIR, os.path.join(top, "out"),
                    symlinks=True)
    return top


def demo_server(top, port, *args):
    env = dict(os.environ, EAS_DEMO_LISTEN="127.0.0.1:%d" % port)
    return subprocess.run([os.path.join(top, "build", "demo-server")]
                          + list(args), capture_output=True, text=True,
                          env=env, timeout=600)


class Demo:
    def __init__(self, parent):
        self.parent = parent
        self.top = make_checkout(parent)
        self.port = httpd.free_port()
        self.started = None

    def start(self):
        self.started = demo_server(self.top, self.port)
        return self.started

    def stop(self):
        return demo_server(self.top, self.port, "stop")

    def client(self):
        return eas.Client(self.port, user="demo", password="demo")

    def remove(self):
        run = os.path.join(self.top, "demo-run")
        if os.path.islink(run):
            real = os.path.realpath(run)
            shutil.rmtree(real, ignore_errors=True)
            try:
                os.rmdir(os.path.dirname(real))     # if no other is left
            except OSError:
                pass
        shutil.rmtree(self.parent, ignore_errors=True)


def open_demo(parent):
    """A started demo in a checkout under parent (stopped and removed by
    the caller)."""
    demo = Demo(parent)
    res = demo.start()
    assert res.returncode == 0, res.stdout + res.stderr
    return demo


@pytest.fixture(scope="module")
def demo():
    parent = tempfile.mkdtemp(prefix="mod_eas-demo-")
    os.chmod(parent, 0o755)
    d = open_demo(parent)
    yield d
    d.stop()
    d.remove()


def answers(demo):
    """OPTIONS, and a FolderSync that needs the state database (the demo
    asks for provisioning: Status 142)."""
    c = demo.client()
    try:
        assert c.options().status == 200
        r = c.post(eas.plain_query("FolderSync", user="demo"),
                   body=eas.folder_sync())
        assert r.status == 200, (r.status, r.body)
        assert eas.status_of(r.tree()) == 142
    finally:
        c.close()


def test_demo_answers(demo):
    assert "mod_eas answers at http://127.0.0.1:%d%s" % (
        demo.port, EAS_PATH) in demo.started.stdout
    answers(demo)


def test_demo_refuses_trace(demo):
    # TRACE would echo the Authorization header back.
    conn = http.client.HTTPConnection("127.0.0.1", demo.port, timeout=30)
    try:
        auth = eas.basic_auth("demo", "demo")
        conn.request("TRACE", EAS_PATH, headers={"Authorization": auth})
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    assert r.status == 405
    assert auth.split()[1].encode() not in body


def test_demo_from_a_directory_www_data_cannot_enter():
    # A checkout in /root or a directory made by mktemp -d: httpd's
    # children (www-data) cannot enter it, so demo-run lives elsewhere.
    if os.geteuid() != 0:
        pytest.skip("as another user the children are that user")
    parent = tempfile.mkdtemp(prefix="mod_eas-demo-")   # mode 0700
    demo = Demo(parent)
    try:
        res = demo.start()
        assert res.returncode == 0, res.stdout + res.stderr
        run = os.path.join(demo.top, "demo-run")
        real = os.path.realpath(run)
        assert os.path.islink(run) and real.startswith(
            "/var/lib/mod_eas-demo/"), res.stdout
        assert "www-data cannot enter %s" % demo.top in res.stdout
        answers(demo)
        sends_mail(demo, real)
        # Started again, it keeps the same place.
        res = demo.start()
        assert res.returncode == 0, res.stdout + res.stderr
        assert os.path.realpath(run) == real
        answers(demo)
        res = demo.stop()
        assert res.returncode == 0 and "stopped" in res.stdout, res.stdout
        assert not os.path.exists(os.path.join(real, "httpd.pid"))
    finally:
        demo.stop()
        demo.remove()


def sends_mail(demo, real):
    """A provisioned phone's SendMail reaches the demo user's Maildir: the
    children run the demo's sendmail and write there."""
    c = demo.client()
    try:
        _, key = provision(c, device_id="demophone1")
        subject = "demo %s" % uuid.uuid4().hex
        mime = ("From: demo@demo.example\r\nTo: demo@demo.example\r\n"
                "Subject: %s\r\n\r\nHello.\r\n" % subject).encode()
        r = c.post(eas.plain_query("SendMail", user="demo",
                                   device_id="demophone1"),
                   body=eas.encode(("ComposeMail:SendMail", [
                       ("ComposeMail:ClientId", uuid.uuid4().hex),
                       ("ComposeMail:Mime", mime)])),
                   headers={"X-MS-PolicyKey": str(key)})
        assert r.status == 200 and r.body == b"", (r.status, r.body)
    finally:
        c.close()
    new = os.path.join(real, "mail", "demo", "Maildir", "new")
    for _ in range(50):
        for name in os.listdir(new):
            with open(os.path.join(new, name), "rb") as f:
                if subject.encode() in f.read():
                    return
        time.sleep(0.1)
    raise AssertionError("the message did not arrive in " + new)


def test_failed_start_says_why(demo):
    # The port is taken: httpd cannot listen, and the demo says so.
    parent = tempfile.mkdtemp(prefix="mod_eas-demo-")
    os.chmod(parent, 0o755)
    other = Demo(parent)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        other.port = s.getsockname()[1]
        try:
            res = other.start()
        finally:
            other.stop()
            other.remove()
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "demo-server: httpd did not start" in res.stderr, out
    assert "Address already in use" in out, out
    assert "mod_eas answers" not in out, out
