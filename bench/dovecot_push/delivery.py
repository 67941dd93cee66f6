# SPDX-License-Identifier: Apache-2.0
"""What mod_eas's Dovecot push script (build/dovecot-push.lua) costs an
LMTP delivery: the time of one delivery (LMTP session, one recipient, a
small message) with the push_notification plugin telling a live mod_eas
endpoint, a dead one (nothing listens: connection refused) and a hung
one (accepts, never answers: each delivery waits for the script's
timeout, push_lua_timeout_msecs, default 500 ms, since Dovecot loads
the script afresh for each delivery and so forgets its backoff); the
reference in the same run: the same Dovecot without the plugin.
Median, p90 and max.

    cd out && EAS_BUILDDIR=$PWD /usr/bin/python3 -m pytest \\
        -p no:cacheprovider -q -s ../bench/dovecot_push/delivery.py

Not part of "make check": it takes about half a minute and prints a
table.
"""

import math
import os
import platform
import socket
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "t", "integration"))

import dovecot as dovecot_mod  # noqa: E402
from test_imap_notify import (MESSAGE, SECRET, endpoint,  # noqa: E402,F401
                              notify_server)  # noqa: F401

FAST = 50
HUNG = 10


def rank(xs, q):
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def deliveries(push, n):
    d = dovecot_mod.Dovecot(push=push)
    d.start()
    try:
        d.deliver("alice", MESSAGE)     # the first makes the Maildir
        out = []
        for _ in range(n):
            t0 = time.monotonic()
            d.deliver("alice", MESSAGE)
            out.append(time.monotonic() - t0)
        return out
    finally:
        d.stop()
        d.cleanup()


def dead_url():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "http://127.0.0.1:%d/eas-notify" % port


def hung_listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    held = []

    def accept():
        while True:
            try:
                held.append(s.accept()[0])
            except OSError:
                return
    threading.Thread(target=accept, daemon=True).start()
    return s, "http://127.0.0.1:%d/eas-notify" % s.getsockname()[1]


def test_delivery_cost(endpoint):  # noqa: F811
    hung, hung_url = hung_listener()
    rows = [
        ("no push plugin (reference)", deliveries(None, FAST)),
        ("mod_eas endpoint up", deliveries((endpoint.url(), SECRET), FAST)),
        ("endpoint dead (refused)", deliveries((dead_url(), SECRET), FAST)),
        ("endpoint hung (timeout 500 ms)",
         deliveries((hung_url, SECRET), HUNG)),
    ]
    hung.close()
    print("\n\nLMTP delivery time, one message, %s, %d CPUs, %s"
          % (platform.node(), os.cpu_count(), platform.platform()))
    print("%-34s %5s %9s %9s %9s" % ("case", "n", "median", "p90", "max"))
    for name, xs in rows:
        print("%-34s %5d %7.1fms %7.1fms %7.1fms"
              % (name, len(xs), 1000 * statistics.median(xs),
                 1000 * rank(xs, 0.9), 1000 * max(xs)))
    print("\ncd out && EAS_BUILDDIR=$PWD /usr/bin/python3 -m pytest "
          "-p no:cacheprovider -q -s ../bench/dovecot_push/delivery.py")
