# SPDX-License-Identifier: Apache-2.0
"""How long a change made by another CalDAV/CardDAV client takes to reach
a held Ping on a contacts folder: through Radicale's storage hook and the
eas-notify endpoint, and through polling alone (EASDAVPollInterval 5).
The median of 20 changes each, from the PUT's start to the Ping's answer.

    cd out && EAS_BUILDDIR=$PWD /usr/bin/python3 -m pytest \\
        -p no:cacheprovider -q -s ../bench/dav_push/latency.py

Not part of "make check": it takes about a minute and prints a table.
"""

import os
import platform
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "t", "integration"))

import eas  # noqa: E402
from test_pim_push import (INTERVAL, P, change, held_ping,  # noqa: E402
                           hook_url, log, phone_with, push_server,  # noqa
                           radicale)  # noqa: F401

CHANGES = 20


def measure(server, log_, dav, device):
    phone, fid, book = phone_with(server, dav, "alice", device, "contacts")
    out = []
    for _ in range(CHANGES):
        held = held_ping(phone, log_, fid, "contacts", heartbeat=25)
        held.mark()
        change(dav, "alice", book, "contacts")
        tree = held.result()
        assert eas.text_of(tree, P + "Status") == "2", tree
        out.append(held.latency())
        phone.sync_all(fid)
    return out


def row(name, xs):
    return "| %-28s | %7.3f | %7.3f | %7.3f |" % (
        name, statistics.median(xs), min(xs), max(xs))


def test_latency(push_server, log, radicale):
    polled = measure(push_server, log, radicale, "benchpoll")
    radicale.hook_on(hook_url(push_server))
    hooked = measure(push_server, log, radicale, "benchhook")
    radicale.hook_off()
    print("\n\nA change reaching a held Ping, seconds (%d changes each; "
          "%s, %d CPUs)" % (CHANGES, platform.platform(), os.cpu_count()))
    print("| %-28s | %7s | %7s | %7s |" % ("path", "median", "min", "max"))
    print("|%s|%s|%s|%s|" % ("-" * 30, "-" * 9, "-" * 9, "-" * 9))
    print(row("hook (eas-notify)", hooked))
    print(row("polling, interval %d s" % INTERVAL, polled))
    print("\ncd out && EAS_BUILDDIR=$PWD /usr/bin/python3 -m pytest "
          "-p no:cacheprovider -q -s ../bench/dav_push/latency.py")
