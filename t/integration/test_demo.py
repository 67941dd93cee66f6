"""build/demo-server as a newcomer runs it, from a copy of the checkout
(the build directory copied as its out/, so that the demo's build has
nothing to do): it starts, answers, refuses TRACE and stops."""

import http.client
import os
import shutil
import subprocess
import tempfile

import pytest

import conftest
import eas
import httpd
from eas import EAS_PATH

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
            shutil.rmtree(os.path.realpath(run), ignore_errors=True)
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
