# SPDX-License-Identifier: Apache-2.0
"""Direct Push on the prefork and worker MPMs: a Ping wakes on new mail,
answers its heartbeat, is ended by a newer Ping of the device (on prefork
always held by another process) and answered at a graceful restart."""

import pytest

import conftest
from sync_httpd import mailbox  # noqa: F401
from test_ping import PingServer, log  # noqa: F401
# The same tests as on the event MPM, run here against this module's
# servers (pytest resolves their fixtures in this module).
from test_ping import (test_new_mail_wakes_ping,  # noqa: F401
                       test_heartbeat_expires_with_status_1,
                       test_newer_ping_ends_older,
                       test_graceful_restart_answers_held_ping)

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
    yield from conftest.serve(MpmServer(conftest._load_config(),
                                        request.param), request, request.param)
