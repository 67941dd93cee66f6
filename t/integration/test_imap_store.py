# SPDX-License-Identifier: Apache-2.0
"""The IMAP backend's store through backend.h's interface against a
private Dovecot (t/unit/imap_store_check): mailbox search by UID SEARCH
(ESEARCH), which no EAS command reaches before the Search command, and
APPEND/flags/stat/move/remove/empty as the interface promises them."""

import os
import subprocess

import pytest

import conftest
from dovecot import Dovecot

ENOENT = "2"        # APR_ENOENT, as the check prints statuses


@pytest.fixture(scope="module")
def dove(request):
    yield from conftest.serve(Dovecot(), request, "dovecot")


def run_check(dove, user="alice"):
    cfg = conftest._load_config()
    prog = os.path.join(cfg.TOP_BUILDDIR, "t", "unit", "imap_store_check")
    if not os.path.exists(prog):
        pytest.fail("%s is missing: make check builds it" % prog)
    out = subprocess.run([prog, "127.0.0.1", str(dove.port), user,
                          dove.users[user]], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return dict(line.split(": ", 1) for line in out.stdout.splitlines())


def test_search_and_item_operations(dove):
    r = run_check(dove)
    assert r["folders"] == "inbox yes trash yes"
    rv, a = r["add quarterly"].split()
    rv2, b = r["add lunch"].split()
    assert (rv, rv2) == ("0", "0") and int(b) == int(a) + 1
    assert r["search folder budget"] == "0 %s" % a
    assert r["search all bread"] == "0 %s" % b
    assert r["search folder nowhere-to-be-found"] == "0"
    assert r["flags"] == "0 f3"             # \\Seen and \\Flagged
    assert r["stat"] == "0 flags 3"
    assert r["stat of a uid that is not there"] == ENOENT
    assert r["move"].split()[0] == "0" and r["move"].split()[1] != "-"
    assert r["inbox"].split() == [a]
    assert r["remove"] == "0"
    assert r["remove again"] == ENOENT
    assert r["empty trash"] == "0"
    assert r["trash now"] == "0"
    # Another client sees what the store did.
    m = dove.imap("alice")
    m.select("INBOX")
    typ, data = m.uid("SEARCH", "ALL")
    assert data[0].split() == []
    m.logout()
