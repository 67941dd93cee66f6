"""Direct Push on the prefork and worker MPMs: a Ping wakes on new mail,
answers its heartbeat, is ended by a newer Ping of the device (on prefork
always held by another process) and answered at a graceful restart."""

import os
import signal
import time

import pytest

import conftest
from sync_httpd import mailbox, message  # noqa: F401
from test_ping import (PingServer, Held, ping, second, synced,  # noqa: F401
                       waiting, log)

THREADED = ("ThreadStackSize 262144\n"
            "StartServers 1\nServerLimit 2\nThreadsPerChild 16\n")


class MpmServer(PingServer):
    def __init__(self, cfg, mpm):
        super().__init__(cfg)
        self.mpm = mpm

    def config_text(self, extra=""):
        text = super().config_text(extra)
        assert "mod_mpm_event.so" in text and THREADED in text
        text = text.replace("mpm_event", "mpm_" + self.mpm)
        if self.mpm == "prefork":
            text = text.replace(THREADED, "StartServers 4\nServerLimit 32\n")
        return text


@pytest.fixture(scope="module", params=["prefork", "worker"])
def sync_server(request):
    srv = MpmServer(conftest._load_config(), request.param)
    srv.start()
    yield srv
    srv.stop()
    crashes = srv.crashes()
    if crashes:
        pytest.fail("the %s httpd crashed (kept in %s):\n%s"
                    % (srv.mpm, srv.root, "\n".join(crashes)))
    if request.session.testsfailed:
        print("\n%s httpd config and logs kept in %s" % (srv.mpm, srv.root))
    else:
        srv.cleanup()


def test_new_mail_wakes_ping(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    held = Held(second(dev), 60, [inbox])
    waiting(log, 1)
    mailbox.deliver(message(1), new=True)
    a = held.result()
    assert (a.status, a.folders) == (2, [inbox])


def test_heartbeat_expires(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    assert ping(dev, 1, [inbox]).status == 1


def test_newer_ping_ends_older(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    first = Held(second(dev), 100, [inbox])
    waiting(log, 1)
    start = time.time()
    newer = Held(second(dev), 100, [inbox])
    assert first.result(timeout=30).status == 1
    assert time.time() - start < 50
    log.wait_for("woken by a newer wait of the device")
    mailbox.deliver(message(1), new=True)
    assert newer.result().status == 2


def test_graceful_restart_answers_held_ping(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    held = Held(second(dev), 100, [inbox])
    waiting(log, 1)
    os.kill(sync_server.proc.pid, signal.SIGUSR1)
    assert held.result(timeout=30).status == 1
    log.wait_for("woken by httpd stopping")
    deadline = time.time() + 15
    while True:
        try:
            assert ping(second(dev), 1, [inbox]).status == 1
            break
        except (ConnectionError, OSError):
            assert time.time() < deadline
            time.sleep(0.2)
