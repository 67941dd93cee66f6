# SPDX-License-Identifier: Apache-2.0
"""The state store's unit tests (t/unit/test_state) on PostgreSQL.

"make check" runs that program on SQLite; here it runs against a private
PostgreSQL server, so both apr_dbd drivers pass the same tests.
"""

import os
import re
import subprocess

import conftest


def _unit_binary():
    cfg = conftest._load_config()
    path = os.path.join(cfg.TOP_BUILDDIR, "t", "unit", "test_state")
    assert os.access(path, os.X_OK), \
        "%s is missing: make -C %s t/unit/test_state" % (path, cfg.TOP_BUILDDIR)
    return path


def test_state_store_on_postgresql(postgresql):
    dsn = postgresql.create_database("eas_state_unit")
    proc = subprocess.run([_unit_binary()],
                          env=dict(os.environ, EAS_TEST_PGSQL=dsn),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=600)
    out = proc.stdout
    assert "# driver pgsql" in out, out
    assert proc.returncode == 0, out
    assert "not ok" not in out, out
    m = re.search(r"^(\d+) passed, 0 failed$", out, re.M)
    assert m and int(m.group(1)) >= 100, out
    # The tests ran on PostgreSQL: its tables hold what they wrote.
    assert postgresql.psql("SELECT COUNT(*) FROM eas_device "
                           "WHERE username = 'counter'",
                           dbname="eas_state_unit").strip() == "1"
