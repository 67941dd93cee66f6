# SPDX-License-Identifier: Apache-2.0
"""The imap backend against a private Dovecot: a phone's first FolderSync
and Sync of mail delivered by LMTP, a flag change seen by another IMAP
client, a move with the new UID from COPYUID, changes made by another
client seen by the next Sync, and a mailbox renamed by another client
keeping its folder id (X-GUID)."""

import email.message
import os
import subprocess
import threading
import time

import pytest

import conftest
import eas
import httpd
from dovecot import Dovecot, mail_owner

A = "AirSync:"
F = "FolderHierarchy:"
PATH = "/eas-imap"
USER = "alice"


NOTIFY = "/eas-notify"
SECRET = "0123456789abcdef-imap-backend"
NOTIFY_LOCATION = """<Location %s>
    SetHandler eas-notify
    EASNotifySecret %s
    Require ip 127.0.0.1
</Location>
""" % (NOTIFY, SECRET)


@pytest.fixture(scope="module")
def server(request):
    """httpd with the imap backend, and a Dovecot whose push plugin calls
    httpd's notification endpoint (server.dove).  The safety-net check is
    an hour: only a notification can wake a Ping in time."""
    s = httpd.Httpd(conftest._load_config(), modules=["authz_host"],
                    locations={}, server_extra=NOTIFY_LOCATION
                    + "EASPingHeartbeat 1 120\n", dbd=True)
    s.dove = Dovecot(users={"alice": eas.USERS["alice"],
                            "bob": "bob-imap-only"},
                     push=("http://127.0.0.1:%d%s" % (s.port, NOTIFY),
                           SECRET))
    s.dove.start()
    s.locations = {PATH: "    EASBackend imap\n"
                         "    EASIMAPServer imap://127.0.0.1:%d\n"
                         "    EASIMAPLogin %%l\n"
                         "    EASIMAPCheckInterval 3600\n"
                         "    EASProvisioning Off\n" % s.dove.port}
    try:
        yield from conftest.serve(s, request, "IMAP")
    finally:
        s.dove.stop()


@pytest.fixture(scope="module")
def dove(server):
    return server.dove


def message(subject, body="hello\r\n"):
    m = email.message.EmailMessage()
    m["From"] = "carol@example.org"
    m["To"] = "alice@example.org"
    m["Subject"] = subject
    m["Message-ID"] = "<%s.%f@example.org>" % (subject.replace(" ", "."),
                                                time.time())
    m.set_content(body)
    return bytes(m)


def client(server):
    return eas.Client(server.port, user=USER, path=PATH)


def folder_sync(c):
    r = c.post(eas.plain_query("FolderSync", user=USER, device_id="imap01"),
               eas.folder_sync("0"))
    assert r.status == 200, r.body
    t = r.tree()
    assert eas.text_of(t, F + "Status") == "1"
    out = {}
    for add in eas.find_all(t, F + "Add"):
        out[eas.child_text(add, F + "DisplayName")] = (
            eas.child_text(add, F + "ServerId"),
            eas.child_text(add, F + "Type"),
            eas.child_text(add, F + "ParentId"))
    return out


def sync(c, coll, key="0", extra=None):
    body = [A + "Sync", [[A + "Collections", [[A + "Collection", [
        [A + "SyncKey", key], [A + "CollectionId", coll]]
        + ([[A + "GetChanges", None], [A + "WindowSize", "100"]]
           if key != "0" else []) + (extra or [])]]]]]
    r = c.post(eas.plain_query("Sync", user=USER, device_id="imap01"),
               eas.encode(body))
    assert r.status == 200, r.body
    return r.tree()


def test_folders_items_flags_and_moves(server, dove):
    for i in range(3):
        dove.deliver("alice", message("imap %d" % i))
    c = client(server)
    folders = folder_sync(c)
    assert folders["Inbox"][1] == "2"
    assert folders["Sent"][1] == "5"
    assert folders["Drafts"][1] == "3"
    assert folders["Trash"][1] == "4"
    inbox = folders["Inbox"][0]
    t = sync(c, inbox)
    key = eas.text_of(t, A + "SyncKey")
    t = sync(c, inbox, key)
    adds = eas.find_all(t, A + "Add")
    assert len(adds) == 3
    subjects = sorted(eas.text_of(a, "Email:Subject") for a in adds)
    assert subjects == ["imap 0", "imap 1", "imap 2"]
    ids = [eas.child_text(a, A + "ServerId") for a in adds]
    key = eas.text_of(t, A + "SyncKey")
    # The phone marks the first read: another IMAP client sees \Seen.
    t = sync(c, inbox, key, [[A + "Commands", [[A + "Change", [
        [A + "ServerId", ids[0]], [A + "ApplicationData", [
            ["Email:Read", "1"]]]]]]]])
    key = eas.text_of(t, A + "SyncKey")
    m = dove.imap("alice")
    m.select("INBOX")
    uid = ids[0].split(":")[1]
    typ, data = m.uid("FETCH", uid, "(FLAGS)")
    assert b"\\Seen" in data[0]
    # Another client flags the second and expunges the third.
    m.uid("STORE", ids[1].split(":")[1], "+FLAGS", "(\\Flagged)")
    m.uid("STORE", ids[2].split(":")[1], "+FLAGS", "(\\Deleted)")
    m.expunge()
    t = sync(c, inbox, key)
    key = eas.text_of(t, A + "SyncKey")
    assert [eas.child_text(x, A + "ServerId")
            for x in eas.find_all(t, A + "Delete")] == [ids[2]]
    assert [eas.child_text(x, A + "ServerId")
            for x in eas.find_all(t, A + "Change")] == [ids[1]]
    # MoveItems to Trash: the new id is the UID Dovecot gave.
    r = c.post(eas.plain_query("MoveItems", user=USER, device_id="imap01"),
               eas.encode(["Move:MoveItems", [["Move:Move", [
                   ["Move:SrcMsgId", ids[0]],
                   ["Move:SrcFldId", inbox],
                   ["Move:DstFldId", folders["Trash"][0]]]]]]))
    assert r.status == 200
    dst = eas.text_of(r.tree(), "Move:DstMsgId")
    m.select("Trash")
    typ, data = m.uid("SEARCH", "ALL")
    assert data[0].split() == [dst.split(":")[1].encode()]
    m.logout()


def test_rename_by_another_client_keeps_the_id(server, dove):
    m = dove.imap("alice")
    m.create("Projects")
    c = client(server)
    before = folder_sync(c)
    assert "Projects" in before
    m.rename("Projects", "Archive2026")
    m.logout()
    after = folder_sync(c)
    assert after["Archive2026"][0] == before["Projects"][0]


def test_wrong_imap_password_is_refused_not_crashed(server, dove):
    # bob's httpd password is not his IMAP password.
    c = eas.Client(server.port, user="bob@example.org", path=PATH)
    r = c.post(eas.plain_query("FolderSync", user="bob@example.org",
                               device_id="imap02"),
               eas.folder_sync("0"))
    assert r.status in (200, 403, 503), r.status
    if r.status == 200:
        assert eas.text_of(r.tree(), F + "Status") not in ("1", None)
    log = server.log_since(0)
    assert "imap: imap://127.0.0.1:%d as bob" % dove.port in log
    assert "bob-pw-2" not in log


def ping(c, folder, heartbeat="60"):
    body = ["Ping:Ping", [["Ping:HeartbeatInterval", heartbeat],
                          ["Ping:Folders", [["Ping:Folder", [
                              ["Ping:Id", folder], ["Ping:Class", "Email"]]]]]]]
    r = c.post(eas.plain_query("Ping", user=USER, device_id="imap01"),
               eas.encode(body))
    assert r.status == 200
    return r.tree()


def test_a_delivery_wakes_a_ping_through_the_dovecot_plugin(server, dove):
    c = client(server)
    inbox = folder_sync(c)["Inbox"][0]
    key = eas.text_of(sync(c, inbox), A + "SyncKey")
    while True:
        t = sync(c, inbox, key)
        key = eas.text_of(t, A + "SyncKey")
        if not eas.find_all(t, A + "MoreAvailable"):
            break
    out = {}

    def waiter():
        out["tree"] = ping(client(server), inbox)
    th = threading.Thread(target=waiter)
    th.start()
    time.sleep(1.0)     # the Ping is waiting (its heartbeat is 60 s)
    dove.deliver("alice", message("pushed"))
    th.join(70)
    assert not th.is_alive()
    # Status 2: changes, named, long before the heartbeat and the hourly
    # safety net; the Ping held no IMAP connection meanwhile.
    assert eas.text_of(out["tree"], "Ping:Status") == "2"
    assert eas.text_of(out["tree"], "Ping:Folder") == inbox


def test_only_the_personal_namespace_is_shown(request):
    """A public namespace (RFC 2342's "shared") is not the user's own
    mail: FolderSync leaves it out."""
    d = Dovecot(users={"alice": eas.USERS["alice"]}, extra="""\
namespace public {
  type = public
  separator = /
  prefix = Public/
  location = maildir:%s/public
  list = yes
  subscriptions = no
}
""" % "{root}")
    d.extra = d.extra.replace("{root}", d.root)
    public = os.path.join(d.root, "public")
    os.mkdir(public)
    os.chown(public, *mail_owner()[:2])
    d.start()
    try:
        m = d.imap("alice")
        typ, _ = m.create("Public/Announcements")
        assert typ == "OK"
        m.create("Mine")
        typ, listed = m.list('""', "*")
        m.logout()
        assert any(b"Public/Announcements" in x for x in listed)
        s = httpd.Httpd(conftest._load_config(), locations={
            PATH: "    EASBackend imap\n"
                  "    EASIMAPServer imap://127.0.0.1:%d\n"
                  "    EASIMAPLogin %%l\n"
                  "    EASProvisioning Off\n" % d.port}, dbd=True)
        s.start()
        try:
            names = folder_sync(client(s))
        finally:
            s.stop()
        assert "Mine" in names and "Inbox" in names
        assert not [n for n in names if "Public" in n or "Announce" in n]
    finally:
        d.stop()


def idle_sessions(user):
    """Dovecot's imap processes of user in IDLE (verbose_proctitle)."""
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True,
                         text=True).stdout
    return [line for line in out.splitlines()
            if line.startswith("dovecot/imap") and "[%s " % user in line
            and "IDLE" in line]


def test_idle_wakes_pings_with_one_connection_per_user(request):
    """A server without the plugin, watched by IDLE (EASIMAPWatch idle):
    Pings of three devices, in two httpd processes, are woken by an LMTP
    delivery through one IDLE connection of the user, not three."""
    d = Dovecot(users={"alice": eas.USERS["alice"]},
                extra="verbose_proctitle = yes\n")
    d.start()
    s = httpd.Httpd(conftest._load_config(), locations={
        PATH: "    EASBackend imap\n"
              "    EASIMAPServer imap://127.0.0.1:%d\n"
              "    EASIMAPLogin %%l\n"
              "    EASIMAPWatch idle\n"
              "    EASIMAPCheckInterval 3600\n"
              "    EASProvisioning Off\n" % d.port},
        server_extra="StartServers 2\nMinSpareThreads 32\n"
                     "EASPingHeartbeat 1 120\n", dbd=True)
    s.start()
    try:
        devices = ["idle%02d" % i for i in range(3)]
        c = client(s)
        inbox = folder_sync(c)["Inbox"][0]
        for dev in devices:
            body = [A + "Sync", [[A + "Collections", [[A + "Collection", [
                [A + "SyncKey", "0"], [A + "CollectionId", inbox]]]]]]]
            r = c.post(eas.plain_query("FolderSync", user=USER,
                                       device_id=dev), eas.folder_sync("0"))
            assert r.status == 200
            r = c.post(eas.plain_query("Sync", user=USER, device_id=dev),
                       eas.encode(body))
            key = eas.text_of(r.tree(), A + "SyncKey")
            body[1][0][1][0][1][0][1] = key
            r = c.post(eas.plain_query("Sync", user=USER, device_id=dev),
                       eas.encode(body))
            assert r.status == 200
        out = {}

        def waiter(dev):
            ping_body = ["Ping:Ping", [
                ["Ping:HeartbeatInterval", "90"],
                ["Ping:Folders", [["Ping:Folder", [
                    ["Ping:Id", inbox], ["Ping:Class", "Email"]]]]]]]
            r = client(s).post(eas.plain_query("Ping", user=USER,
                                               device_id=dev),
                               eas.encode(ping_body))
            out[dev] = eas.text_of(r.tree(), "Ping:Status")
        threads = [threading.Thread(target=waiter, args=(dev,))
                   for dev in devices]
        for t in threads:
            t.start()
        deadline = time.time() + 10
        while not idle_sessions("alice") and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)     # every process had a round to take the lock
        assert len(idle_sessions("alice")) == 1
        d.deliver("alice", message("idle news"))
        for t in threads:
            t.join(100)
        assert out == {dev: "2" for dev in devices}
    finally:
        s.stop()
        d.stop()
