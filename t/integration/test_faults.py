# SPDX-License-Identifier: Apache-2.0
"""Faults through a real httpd, on either mail backend (mailstore.py; the
Maildir's own faults on the Maildir backend only): the user's Maildir gone
and back, a folder or a message unreadable, the state database down (PostgreSQL stopped,
SQLite held by another writer), broken messages in a Maildir.

Each test checks the answer (HTTP status or Sync Status), the error log
line naming the fault, that another user is served meanwhile when the
fault is the user's own, and that nothing is lost once the fault is
repaired: the device carries on with the same SyncKey chain and gets
exactly what it did not have.
"""

import os
import random
import shutil
import sqlite3

import pytest

import conftest
import eas
import mailstore
import pg
import statedb
import sync_httpd
from sync_httpd import Mailbox, message
from test_sync import (A, B, E, Collection, Device, eas_find_all, inbox,
                       subjects, sync_body, text)

# A SQLite writer in the way makes requests answer 503 after this wait.
SERVER_EXTRA = "EASStateBusyTimeout 1\n"


class FaultServer(sync_httpd.SyncServer):
    """The Sync tests' httpd with a short SQLite busy wait; db, when
    given, replaces the suite's state database (statedb.make)."""

    def __init__(self, cfg, db=None):
        super().__init__(cfg)
        self.server_extra += "\n" + SERVER_EXTRA
        if db is not None:
            self.db = db(self.root)


@pytest.fixture(scope="module")
def fault_server(request):
    yield from conftest.serve(FaultServer(conftest._load_config()), request, "fault")


@pytest.fixture
def fault_log(fault_server):
    yield from conftest.watch_log(fault_server)


@pytest.fixture
def box(fault_server):
    return Mailbox(fault_server, fault_server.next_user())


@pytest.fixture
def other(fault_server):
    return Mailbox(fault_server, fault_server.next_user())


# ---------------------------------------------------------------- helpers

def next_key(key):
    """The key that follows key in its chain ("{lineage}N")."""
    lineage, _, n = key.rpartition("}")
    return "%s}%d" % (lineage, int(n) + 1)


def synced(box, n, device="dev0001"):
    """A device of box's user that has synced the Inbox's n messages."""
    dev = Device(box.server, box.user, device=device)
    fid = inbox(dev)
    dev.prime(fid)
    res = dev.sync([dict(id=fid, key=dev.keys[fid])])
    assert res[fid].status == 1 and len(res[fid].adds) == n
    return dev, fid


def sync_status(dev, fid):
    """The response to a Sync of fid with the device's key, whatever its
    HTTP status (the device's keys unchanged)."""
    return dev.sync_raw(sync_body([dict(id=fid, key=dev.keys[fid])]))


def carries_on(dev, fid, subject, options=None):
    """The next Sync with the device's key is the next in its chain and
    brings exactly the message with subject, and nothing else."""
    key = dev.keys[fid]
    res = dev.sync([dict(id=fid, key=key, options=options)])
    c = res[fid]
    assert c.status == 1, c.node
    assert c.key == next_key(key)
    assert subjects(c) == [subject] and not c.ids("Delete")
    assert not c.ids("Change") and not c.more
    # Nothing more is pending.
    assert dev.sync([dict(id=fid, key=c.key, options=options)],
                    expect_empty=True) is None


def served(box, subject):
    """Another user's phone gets its new mail: the server works for it."""
    box.deliver(message(1, subject=subject))
    dev = Device(box.server, box.user, device="other01")
    try:
        fid = inbox(dev)
        dev.prime(fid)
        res = dev.sync([dict(id=fid, key=dev.keys[fid])])
        assert res[fid].status == 1 and subject in subjects(res[fid])
    finally:
        dev.close()


def options_answer(srv):
    c = eas.Client(srv.port)
    try:
        return c.options().status
    finally:
        c.close()


# ---------------------------------------------------------------- Maildir

@mailstore.maildir_only("the store's own directory removed under it; an "
                        "IMAP server makes a user's mailbox anew at login")
def test_maildir_vanishes_and_comes_back(fault_server, fault_log, box, other):
    for i in range(3):
        box.deliver(message(i))
    dev, fid = synced(box, 3)
    backup = box.root + ".backup"
    shutil.copytree(box.root, backup, symlinks=True)
    shutil.rmtree(box.root)

    # Server error for the collection (MS-ASCMD Sync Status 5: try
    # again later), the key unchanged.
    key = dev.keys[fid]
    res = dev.sync([dict(id=fid, key=key)])
    assert res[fid].status == 5 and res[fid].key == key
    fault_log.one("EAS01361", box.user, box.root, "dev0001")
    # No empty Maildir in its place, which would have the phone delete
    # every message it holds.
    assert not os.path.exists(box.root)
    # A FolderSync from scratch gets a server error (Status 6) and
    # changes nothing: the Maildir is still not made anew.
    r = dev.post("FolderSync", eas.folder_sync("0"))
    assert r.status == 200 and eas.status_of(r.tree()) == 6
    res = dev.sync([dict(id=fid, key=key)])
    assert res[fid].status == 5 and not os.path.exists(box.root)
    served(other, "meanwhile for another user")

    # Back (restored from the copy), with a message that arrived since.
    shutil.copytree(backup, box.root, symlinks=True)
    shutil.rmtree(backup)
    sync_httpd.give(box.root)
    box.deliver(message(9, subject="after the restore"))
    carries_on(dev, fid, "after the restore")
    dev.close()


def projects_synced(box):
    """A device that has synced the Inbox (1 message) and a folder
    Projects (2 messages)."""
    box.make_folder("Projects")
    for i in range(2):
        box.deliver(message(i, subject="project %d" % i), folder="Projects")
    box.deliver(message(5, subject="inbox 5"))
    dev = Device(box.server, box.user)
    fid = inbox(dev)
    pid = dev.folder_id(name="Projects")
    status, dev.hierarchy_key, _ = folder_sync(dev, "0")
    assert status == 1
    for f in (fid, pid):
        dev.prime(f)
    res = dev.sync([dict(id=fid, key=dev.keys[fid]),
                    dict(id=pid, key=dev.keys[pid])])
    assert len(res[fid].adds) == 1 and len(res[pid].adds) == 2
    return dev, fid, pid


def folder_sync(dev, key):
    """FolderSync with key: (Status, new key, [change element names])."""
    r = dev.post("FolderSync", eas.folder_sync(key))
    assert r.status == 200, (r.status, r.body)
    tree = r.tree()
    changes = [c for c in tree[1] if c[0] == "FolderHierarchy:Changes"]
    names = [n for n, _ in changes[0][1]] if changes else []
    return (eas.status_of(tree), text(tree, "FolderHierarchy:SyncKey"),
            [n for n in names if n != "FolderHierarchy:Count"])


# httpd's children run as an unprivileged user (httpd.run_user), for whom
# mode 000 is a wall even when the tests run as root.

def test_folder_messages_unreadable(fault_server, fault_log, box, other):
    dev, fid, pid = projects_synced(box)
    cur = os.path.join(box.folder_dir("Projects"), "cur")
    os.chmod(cur, 0)
    try:
        box.deliver(message(6, subject="inbox 6"))
        pkey = dev.keys[pid]
        res = dev.sync([dict(id=fid, key=dev.keys[fid]),
                        dict(id=pid, key=pkey)])
        # Server error for that folder alone (MS-ASCMD Sync Status 5),
        # its key unchanged; the Inbox syncs in the same request.
        assert res[pid].status == 5 and res[pid].key == pkey
        assert res[fid].status == 1 and subjects(res[fid]) == ["inbox 6"]
        fault_log.one("EAS01102", "folder %s of %s" % (pid, box.user))
        # The Maildir backend names the error; Dovecot keeps it to its log.
        assert mailstore.KIND != "maildir" or \
            fault_log.wait_for("Permission denied")
        served(other, "other user, folder fault")
    finally:
        os.chmod(cur, 0o700)
    box.deliver(message(7, subject="project 7"), folder="Projects")
    dev.keys[pid] = pkey
    carries_on(dev, pid, "project 7")
    dev.close()


@mailstore.maildir_only("folder ids in the Maildir backend's eas-folderid "
                        "files; the IMAP backend's are in the state database")
@pytest.mark.parametrize("what", ["directory", "id file"])
def test_folder_unreadable(fault_server, fault_log, box, other, what):
    dev, fid, pid = projects_synced(box)
    folder = box.folder_dir("Projects")
    target = folder if what == "directory" else os.path.join(
        folder, "eas-folderid")
    assert os.path.exists(os.path.join(folder, "eas-folderid"))
    os.chmod(target, 0)
    try:
        box.deliver(message(6, subject="inbox 6"))
        keys = dict(dev.keys)
        res = dev.sync([dict(id=fid, key=keys[fid]),
                        dict(id=pid, key=keys[pid])])
        # Without the folder's id the user's folder list is unknown: every
        # collection gets a server error, keys unchanged, rather than a
        # folder list without Projects (the phone would delete it) or
        # Projects under a new id.
        for f in (fid, pid):
            assert res[f].status == 5 and res[f].key == keys[f]
        lines = fault_log.wait_for("EAS00601")
        assert lines and all("cannot read the folder id of %s: Permission "
                             "denied" % folder in x for x in lines), lines
        served(other, "other user, folder id fault")
    finally:
        os.chmod(target, 0o700 if what == "directory" else 0o600)
    # Back: the folder list as the device knows it (no change to tell),
    # and both chains carry on.
    status, _, changes = folder_sync(dev, dev.hierarchy_key)
    assert status == 1 and changes == []
    dev.keys = keys
    carries_on(dev, fid, "inbox 6")
    box.deliver(message(7, subject="project 7"), folder="Projects")
    carries_on(dev, pid, "project 7")
    dev.close()


def test_message_unreadable_then_readable(fault_server, fault_log, box,
                                          other):
    for i in range(2):
        box.deliver(message(i, subject="readable %d" % i), age_days=1)
    path = box.deliver(message(5, subject="unreadable for a while"))
    os.chmod(path, 0)
    dev = Device(fault_server, box.user)
    fid = inbox(dev)
    dev.prime(fid)
    try:
        res = dev.sync([dict(id=fid, key=dev.keys[fid])])
        # Skipped with a line naming it; the others arrive.
        assert res[fid].status == 1
        assert subjects(res[fid]) == ["readable 0", "readable 1"]
        fault_log.one("EAS01140", box.user)
        served(other, "other user, unreadable message")
    finally:
        os.chmod(path, 0o600)
    carries_on(dev, fid, "unreadable for a while")
    dev.close()


# ---------------------------------------------------------------- broken MIME

def broken_messages():
    junk = random.Random(1234)
    return {
        "empty": b"",
        "truncated headers": b"From: Ana <ana@example.org>\r\nSubject: tru",
        "unclosed multipart": (
            b"From: ana@example.org\r\nSubject: unclosed\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            b"--b1\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n"
            b"--b1\r\nContent-Type: application/pdf\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK"),
        "binary junk": bytes(junk.randrange(256) for _ in range(6000)),
        "8-bit headers": (b"From: \xe9\xff\x00 <x@example.org>\r\n"
                          b"Subject: bin\xc3\x28\x00ary\r\n"
                          b"Content-Type: text/plain; charset=nonesuch\r\n\r\n"
                          + bytes(range(256)) * 4),
        "bad encodings": (b"From: a@example.org\r\nSubject: =?utf-8?B?!!!?=\r\n"
                          b"Content-Type: text/html\r\n"
                          b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                          b"<p>=ZZ=\r\n=E9t=C3</p"),
    }


@pytest.mark.parametrize("body_type", ["1", "2", "4"])
def test_broken_messages_sync(fault_server, fault_log, box, other, body_type):
    box.deliver(message(1, subject="good before"), age_days=1)
    for raw in broken_messages().values():
        box.deliver(raw, age_days=0.5)
    box.deliver(message(2, subject="good after"))
    dev = Device(fault_server, box.user)
    fid = inbox(dev)
    opts = [(B + "BodyPreference", [(B + "Type", body_type),
                                    (B + "TruncationSize", "2000")])]
    dev.prime(fid, options=opts)
    r = dev.sync_raw(sync_body([dict(id=fid, key=dev.keys[fid],
                                     window=50, options=opts)]))
    # Never an error for the whole Sync; the response decodes (valid
    # WBXML and UTF-8).
    assert r.status == 200, (r.status, r.body[:300])
    (c,) = [Collection(n) for n in eas_find_all(r.tree(), A + "Collection")]
    assert c.status == 1 and not c.more
    subs = [text(c.data(s), E + "Subject") for s in c.adds]
    assert "good before" in subs and "good after" in subs
    # Each broken message arrives as what can be read of it, or is
    # skipped with a line saying which.
    skipped = fault_log.lines("EAS01140")
    assert len(c.adds) + len(skipped) == 2 + len(broken_messages())
    assert len(c.adds) >= 2
    for sid in c.adds:
        data = c.data(sid)
        assert text(data, E + "MessageClass") == "IPM.Note"
    # What could be read of the headers is there.
    assert {"tru", "unclosed"} <= set(subs), subs
    # The chain goes on: a message after the broken ones arrives alone.
    dev.keys[fid] = c.key
    box.deliver(message(3, subject="good later"))
    carries_on(dev, fid, "good later", opts)
    served(other, "other user, broken mail")
    dev.close()


# ---------------------------------------------------------------- state database

@conftest.sqlite_only("another process holding SQLite's write lock")
def test_sqlite_held_by_another_writer(fault_server, fault_log, box):
    box.deliver(message(1))
    dev, fid = synced(box, 1)
    db = fault_server.db
    key = dev.keys[fid]
    # New mail: the next Sync must write the state of a new key.
    box.deliver(message(4, subject="after the lock"))
    con = sqlite3.connect(db.path, timeout=5, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        r = sync_status(dev, fid)
        # Once EASStateBusyTimeout (1 s here) has passed: HTTP 503, or a
        # server error for the collection (Sync Status 5) with its key
        # unchanged, and a line with SQLite's own word for it.
        if r.status == 200:
            (c,) = [Collection(n) for n in eas_find_all(r.tree(),
                                                        A + "Collection")]
            assert c.status == 5 and c.key == key and not c.commands
            tag = "EAS01105"        # the new key's state not stored
        else:
            assert r.status == 503, (r.status, r.body)
            tag = "EAS0060"         # the device's state not read or saved
        lines = fault_log.wait_for("database is locked")
        assert any(tag in x for x in lines), fault_log.text()
        # httpd itself still answers meanwhile.
        assert options_answer(fault_server) == 200
    finally:
        con.execute("ROLLBACK")
        con.close()
        db._give_back()
    carries_on(dev, fid, "after the lock")
    dev.close()


class PrivatePgState(statedb.PgState):
    """A database on a PostgreSQL of the test's own, which it stops."""

    def __init__(self, root, server):
        super().__init__(root)
        self.own = server

    def prepare(self, give=None):
        self.server = self.own
        self.dsn = self.server.create_database(self.name)


@pytest.fixture
def private_pg(request):
    srv = pg.PostgreSQL()
    try:
        srv.start()
    except Exception:
        srv.stop()
        raise
    yield srv
    srv.stop()
    if request.session.testsfailed:
        print("\nprivate PostgreSQL kept in %s" % srv.root)
    else:
        srv.cleanup()


@pytest.fixture
def pg_fault_server(request, private_pg):
    srv = FaultServer(conftest._load_config(),
                      db=lambda root: PrivatePgState(root, private_pg))
    yield from conftest.serve(srv, request, "PostgreSQL fault")


@conftest.pgsql_only("PostgreSQL stopped and started again")
def test_postgresql_stopped_mid_session(private_pg, pg_fault_server):
    srv = pg_fault_server
    box, other = (Mailbox(srv, srv.next_user()) for _ in range(2))
    box.deliver(message(1))
    dev, fid = synced(box, 1)
    pid = srv.proc.pid

    # Restarted between two requests: the connection mod_dbd kept lost its
    # server (and the statements prepared on it); the next request is
    # served all the same, on a connection taken anew.
    log = conftest.LogWatch(srv)
    private_pg.stop()
    private_pg.run()
    box.deliver(message(2, subject="after a restart"))
    carries_on(dev, fid, "after a restart")
    assert len(log.lines("EAS01360")) <= 1
    assert not log.lines("EAS00602") and not log.lines("EAS00603")

    # Down: 503, with mod_dbd's reason and ours in the log; httpd itself
    # answers meanwhile.
    log = conftest.LogWatch(srv)
    private_pg.stop()
    for _ in range(2):
        r = sync_status(dev, fid)
        assert r.status == 503, (r.status, r.body)
    assert log.wait_for("EAS00702")
    assert options_answer(srv) == 200

    # Back: served again, the same SyncKey chain, without a restart.
    private_pg.run()
    box.deliver(message(3, subject="after the outage"))
    carries_on(dev, fid, "after the outage")
    served(other, "other user after the outage")
    assert srv.alive() and srv.proc.pid == pid
    assert not log.lines("resuming normal operations")
    assert not srv.crashes(log.offset)
    dev.close()
