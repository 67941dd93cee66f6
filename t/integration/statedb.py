# SPDX-License-Identifier: Apache-2.0
"""Where a test httpd keeps its state database: SQLite or PostgreSQL.

The suite runs on SQLite state unless $EAS_TEST_STATE says "pgsql"; then
every httpd the tests start keeps its state in a database of its own on
the session's PostgreSQL server (pg.shared()), so tests stay as
independent as with one SQLite file per httpd.

    db = statedb.make(root)      # before the httpd starts
    db.prepare(give)             # the file's directory, or the database
    db.directives()              # DBDriver and DBDParams lines
    db.rows(sql, params)         # what an administrator's tool would read
    db.execute(sql, params)      # ... or change

sql uses "?" placeholders on both.
"""

import json
import os
import re
import sqlite3

import pg

KIND = os.environ.get("EAS_TEST_STATE", "sqlite")
if KIND not in ("sqlite", "pgsql"):
    raise RuntimeError("EAS_TEST_STATE is %r: sqlite or pgsql" % KIND)


class SQLiteState:
    kind = "sqlite"

    def __init__(self, root):
        self.dir = os.path.join(root, "state")
        self.path = os.path.join(self.dir, "state.db")
        self._give = None

    def prepare(self, give=None):
        """The directory for the file (and SQLite's -wal, -shm), httpd's
        user's; give(path) hands a path to that user."""
        os.makedirs(self.dir, exist_ok=True)
        self._give = give
        if give:
            give(self.dir)

    def directives(self):
        return 'DBDriver sqlite3\nDBDParams "%s"' % self.path

    def connect(self, timeout=10):
        return sqlite3.connect(self.path, timeout=timeout)

    def _give_back(self):
        """Files this (maybe root) process made beside the database go to
        httpd's user, which must keep writing them."""
        if self._give:
            for name in os.listdir(self.dir):
                self._give(os.path.join(self.dir, name))

    def rows(self, sql, params=()):
        con = self.connect()
        try:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute(sql, params).fetchall()]
        finally:
            con.close()
            self._give_back()

    def execute(self, sql, params=()):
        con = self.connect()
        try:
            with con:
                con.execute(sql, params)
        finally:
            con.close()
            self._give_back()


def _literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def _bind(sql, params):
    """sql with each "?" replaced by the next parameter as a literal."""
    it = iter(params)
    out = re.sub(r"\?", lambda m: _literal(next(it)), sql)
    assert next(it, StopIteration) is StopIteration, "too many parameters"
    return out


class PgState:
    kind = "pgsql"

    def __init__(self, root):
        base = os.path.basename(root.rstrip("/"))
        self.name = "eas_" + re.sub(r"[^a-z0-9]", "_", base.lower())
        self.server = None
        self.dsn = None

    def prepare(self, give=None):
        self.server = pg.shared()
        self.dsn = self.server.create_database(self.name)

    def directives(self):
        return 'DBDriver pgsql\nDBDParams "%s"' % self.dsn

    def rows(self, sql, params=()):
        """As JSON, so numbers come back as numbers (sql: a SELECT)."""
        out = self.server.psql("SELECT COALESCE(json_agg(r), '[]') FROM (%s) r"
                               % _bind(sql, params), dbname=self.name)
        return json.loads(out)

    def execute(self, sql, params=()):
        self.server.psql(_bind(sql, params), dbname=self.name)


def make(root):
    """The state database of the httpd living in root."""
    return PgState(root) if KIND == "pgsql" else SQLiteState(root)
