# SPDX-License-Identifier: Apache-2.0
"""The suite's state database is the one it says (statedb.py): what the
shared httpd writes lands there, with the driver EAS_TEST_STATE names."""

import uuid

import eas
import statedb


def test_state_lands_in_the_suite_database(server, client):
    dev = "sdb" + uuid.uuid4().hex[:12]
    r = client.post(eas.plain_query("FolderSync", device_id=dev),
                    body=eas.folder_sync("0"))
    assert r.status == 200, (r.status, r.body)
    assert eas.status_of(r.tree()) == 1
    rows = server.db.rows("SELECT username, device_id FROM eas_device "
                          "WHERE device_id = ?", (dev,))
    assert rows == [{"username": "alice", "device_id": dev}]
    assert ("DBDriver %s" % ("pgsql" if statedb.KIND == "pgsql"
                             else "sqlite3")) in server.db.directives()
