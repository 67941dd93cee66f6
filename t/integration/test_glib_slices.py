# SPDX-License-Identifier: Apache-2.0
"""At start, mod_eas warns (EAS01411) when GLib would keep a cache of freed
slices in each of many worker threads (GLib before 2.76, G_SLICE not
always-malloc in httpd's environment, more than 64 threads per child);
not when the environment sets G_SLICE=always-malloc, nor with few
threads.  The servers are started and stopped here, one per case."""

import ctypes
import time

import pytest

import conftest
from test_ping import PingServer
from test_ping_mpm import THREADED


def glib_version():
    lib = ctypes.CDLL("libglib-2.0.so.0")
    return tuple(ctypes.c_uint.in_dll(lib, "glib_%s_version" % part).value
                 for part in ("major", "minor"))


pytestmark = pytest.mark.skipif(glib_version() >= (2, 76),
                                reason="GLib 2.76 and later have no slices")


class SlicesServer(PingServer):
    def __init__(self, cfg, threads, g_slice):
        super().__init__(cfg)
        self.threads = threads
        self.env["G_SLICE"] = g_slice

    def config_text(self, extra=""):
        text = super().config_text(extra)
        assert THREADED in text
        return text.replace(THREADED, (
            "ThreadStackSize 262144\nStartServers 1\nServerLimit 2\n"
            "ThreadLimit %d\nThreadsPerChild %d\n")
            % (self.threads, self.threads))


def configured_log(srv, timeout=15):
    """The error log once httpd is past its second configuration pass
    (its port already listens after the first): AH00489 says so."""
    deadline = time.time() + timeout
    while True:
        with open(srv.error_log) as f:
            text = f.read()
        if "AH00489" in text or time.time() > deadline:
            return text
        time.sleep(0.05)


def started_log(threads, g_slice):
    srv = SlicesServer(conftest._load_config(), threads, g_slice)
    srv.start()
    try:
        text = configured_log(srv)
        assert "AH00489" in text, text
        assert srv.alive()
    finally:
        srv.stop()
    assert not srv.crashes(), srv.crashes()
    srv.cleanup()
    return [line for line in text.splitlines() if "EAS01411" in line]


def test_warns_without_g_slice_and_many_threads():
    lines = started_log(100, None)
    assert len(lines) == 1, lines
    assert "G_SLICE=always-malloc" in lines[0]
    assert "100 threads per child" in lines[0]
    assert "/etc/apache2/envvars" in lines[0]


def test_quiet_with_g_slice_always_malloc():
    assert started_log(100, "always-malloc") == []


def test_quiet_with_few_threads():
    assert started_log(16, None) == []
