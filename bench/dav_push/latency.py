# SPDX-License-Identifier: Apache-2.0
"""How long a change made by another CalDAV/CardDAV client takes to reach
a held Ping on a contacts folder: through Radicale's storage hook and the
eas-notify endpoint (100 changes), and through polling alone
(EASDAVPollInterval 5; 20 changes), from the PUT's start to the Ping's
answer: median, p90, p99 (nearest rank) and max.  The reference in the
same run: the PUT alone, Radicale's write and its hook, which no push can
beat; and, per change, the time from the PUT's answer (the change is on
the server) to the Ping's.  Targets: p99 at most 0.1 s from the change
on the server through the hook, at most the interval plus 0.1 s through
polling.

    cd out && EAS_BUILDDIR=$PWD /usr/bin/python3 -m pytest \\
        -p no:cacheprovider -q -s ../bench/dav_push/latency.py

Not part of "make check": it takes about a minute and prints a table.
"""

import math
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "t", "integration"))

import eas  # noqa: E402
from test_pim_push import (INTERVAL, P, change, held_ping,  # noqa: E402
                           hook_url, log, phone_with, push_server,  # noqa
                           radicale)  # noqa: F401

HOOKED = 100
POLLED = 20
TARGET_HOOK = 0.1


def measure(server, log_, dav, device, changes):
    """Latencies of changes, and the PUTs' own durations."""
    phone, fid, book = phone_with(server, dav, "alice", device, "contacts")
    out, puts = [], []
    for _ in range(changes):
        held = held_ping(phone, log_, fid, "contacts", heartbeat=25)
        held.mark()
        t0 = time.monotonic()
        change(dav, "alice", book, "contacts")
        puts.append(time.monotonic() - t0)
        tree = held.result()
        assert eas.text_of(tree, P + "Status") == "2", tree
        out.append(held.latency())
        phone.sync_all(fid)
    return out, puts


def rank(xs, q):
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def row(name, xs, target=None):
    p99 = rank(xs, 0.99)
    return "| %-30s | %7.3f | %7.3f | %7.3f | %7.3f | %s |" % (
        name, statistics.median(xs), rank(xs, 0.9), p99, max(xs),
        "" if target is None else "%.1f: %s" % (
            target, "met" if p99 <= target else "MISSED"))


def test_latency(push_server, log, radicale):
    polled, _ = measure(push_server, log, radicale, "benchpoll", POLLED)
    radicale.hook_on(hook_url(push_server))
    hooked, puts = measure(push_server, log, radicale, "benchhook", HOOKED)
    radicale.hook_off()
    print("\n\nA change reaching a held Ping, seconds (%s, %d CPUs)"
          % (platform.platform(), os.cpu_count()))
    print("| %-30s | %7s | %7s | %7s | %7s | %s |" % (
        "path", "median", "p90", "p99", "max", "p99 target"))
    print("|%s|%s|%s|%s|%s|%s|" % ("-" * 32, "-" * 9, "-" * 9, "-" * 9,
                                   "-" * 9, "-" * 12))
    print(row("hook (eas-notify), %d" % HOOKED, hooked))
    print(row("  from the PUT's answer", [h - p for h, p in zip(hooked, puts)],
              TARGET_HOOK))
    print(row("polling every %d s, %d" % (INTERVAL, POLLED), polled,
              INTERVAL + 0.1))
    print(row("reference: the PUT alone", puts))
    print("\ncd out && EAS_BUILDDIR=$PWD /usr/bin/python3 -m pytest "
          "-p no:cacheprovider -q -s ../bench/dav_push/latency.py")
