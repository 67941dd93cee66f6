# SPDX-License-Identifier: Apache-2.0
"""Contacts and calendars from a real Radicale, beside the mail, through
Sync both ways: the combined folder hierarchy, the initial sync, the
phone's Add (once, however often it repeats the request), Change (what
EAS does not carry survives) and Delete, changes made meanwhile by another
CalDAV/CardDAV client, the conflict rule, and one user never reaching
another's collections.  The round trips run at 14.1 and at 12.1."""

import os
import re
import shutil
import threading
import time
import uuid

import pytest

from pim_httpd import A, F, Phone, pim_log, pim_server  # noqa: F401
from radicale import radicale  # noqa: F401
import eas

C = "Contacts:"
CAL = "Calendar:"
RADICALE_LOG_LEVEL = "debug"    # request bodies, for the listing test


def card(uid, first, last, extra=""):
    return ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s\r\nFN:%s %s\r\n"
            "N:%s;%s;;;\r\nEMAIL;TYPE=INTERNET:%s@example.org\r\n%s"
            "END:VCARD\r\n" % (uid, first, last, last, first, first.lower(),
                               extra))



def add_contact(cid, first, last):
    return (A + "Add", [(A + "ClientId", cid), (A + "ApplicationData", [
        (C + "FirstName", first), (C + "LastName", last),
        (C + "Email1Address", "%s@example.org" % first.lower())])])


def test_folders_combine_mail_and_dav(pim_server, pim_log, radicale):
    radicale.mkaddressbook("carol", "Kontakte")
    radicale.mkcalendar("carol", "Agenda")
    radicale.mkcalendar("carol", "Todo", comps=("VTODO",))
    folders = Phone(pim_server, "carol").folder_sync()
    types = sorted(t for _, t in folders.values())
    assert 2 in types and 9 in types and 8 in types and 7 in types, folders
    by_type = {t: i for i, (_, t) in folders.items()}
    assert by_type[9].startswith("d.a") and by_type[8].startswith("d.e")
    assert not by_type[2].startswith("d."), "mail keeps its own ids"
    assert folders[by_type[9]][0] == "Kontakte"


# Every version OPTIONS offers (TbSync speaks 14.0).
VERSIONS = pytest.mark.parametrize("version", ["14.1", "14.0", "12.1",
                                              "12.0"])



def check_class(c, version, name):
    """12.x names the collection's class in its answer; 14.x does not."""
    want = name if version.startswith("12.") else None
    assert eas.text_of(c, A + "Class") == want, c


@VERSIONS
def test_contacts_both_ways(pim_server, pim_log, radicale, version):
    dav, user = radicale, "alice"
    name = "Contacts " + version
    book = dav.mkaddressbook(user, name)
    dav.put(user, book + "ann.vcf",
            card("ann-1", "Ann", "Example", "X-CUSTOM-FIELD:keep me\r\n"))
    phone = Phone(pim_server, user, version=version)
    phone.folder_sync()
    coll = phone.folder_named(name)
    adds = phone.sync_all(coll)
    assert len(adds) == 1
    (sid, ann), = adds.items()
    assert eas.text_of(ann, C + "FirstName") == "Ann"
    assert eas.text_of(ann, C + "LastName") == "Example"
    assert "ann@example.org" in eas.text_of(ann, C + "Email1Address")

    # The phone adds a contact; a repeated request makes no second one.
    key = phone.keys[coll]
    c = phone.sync(coll, commands=[add_contact("cl-1", "Bea", "Berg")])
    check_class(c, version, "Contacts")
    reply = eas.find_all(c, A + "Responses")[0]
    assert eas.text_of(reply, A + "Status") == "1", c
    bea = eas.text_of(reply, A + "ServerId")
    assert bea and bea.startswith(coll + ":")
    again = phone.sync(coll, key=key,
                       commands=[add_contact("cl-1", "Bea", "Berg")])
    assert eas.text_of(again, A + "ServerId") == bea
    cards = dav.members(user, book)
    assert sum("FN:Bea Berg" in d for d in cards.values()) == 1, cards

    # The phone changes Ann: her unknown field survives.
    c = phone.sync(coll, commands=[(A + "Change", [
        (A + "ServerId", sid), (A + "ApplicationData", [
            (C + "FirstName", "Anna"), (C + "LastName", "Example"),
            (C + "Email1Address", "ann@example.org")])])])
    assert eas.text_of(c, A + "Status") == "1"
    assert not eas.find_all(c, A + "Responses"), "a change is answered only " \
        "when it failed"
    ann_now = dav.members(user, book)[book + "ann.vcf"]
    assert "FN:Anna Example" in ann_now.replace("\r\n ", "")
    assert "X-CUSTOM-FIELD:keep me" in ann_now

    # Another client changes Bea and deletes Ann: the phone is told.
    bea_href, bea_data = [(h, d) for h, d in dav.members(user, book).items()
                          if "Bea Berg" in d][0]
    bea_uid = re.search(r"^UID:(.*?)\r?$", bea_data, re.M).group(1)
    dav.put(user, bea_href, card(bea_uid, "Beatrix", "Berg"))
    dav.delete(user, book + "ann.vcf")
    c = phone.sync(coll)
    changes = eas.find_all(c, A + "Change")
    assert [eas.text_of(x, A + "ServerId") for x in changes] == [bea]
    assert eas.text_of(changes[0], C + "FirstName") == "Beatrix"
    assert [eas.text_of(x, A + "ServerId")
            for x in eas.find_all(c, A + "Delete")] == [sid]

    # The phone deletes Bea: gone on the server.
    c = phone.sync(coll, commands=[(A + "Delete", [(A + "ServerId", bea)])])
    assert eas.text_of(c, A + "Status") == "1"
    left = dav.members(user, book)
    assert left == {}, left


def test_a_sync_asks_only_what_changed(pim_server, pim_log, radicale):
    """Each listing after the first is a sync-collection REPORT from the
    token of the one before (RFC 6578); when the server no longer knows
    that token, a full listing, and the phone gets exactly the changes."""
    dav, user = radicale, "alice"
    book = dav.mkaddressbook(user, "Listing")
    for i in range(3):
        dav.put(user, book + "c%d.vcf" % i, card("c-%d" % i, "C%d" % i, "Ex"))
    phone = Phone(pim_server, user)
    phone.folder_sync()
    coll = phone.folder_named("Listing")
    ids = {eas.text_of(v, C + "FirstName"): k
           for k, v in phone.sync_all(coll).items()}
    assert sorted(ids) == ["C0", "C1", "C2"]

    offset = dav.log_size()
    dav.put(user, book + "c1.vcf", card("c-1", "Cee", "Ex"))
    c = phone.sync(coll)
    assert [eas.text_of(x, A + "ServerId")
            for x in eas.find_all(c, A + "Change")] == [ids["C1"]]
    reports = [b for b in dav.request_bodies("REPORT", book, offset)
               if "sync-collection" in b]
    assert reports and all(
        re.search(r"<[^>]*sync-token>\S+</[^>]*sync-token>", b)
        for b in reports), reports

    # Radicale forgets every token of the collection.
    shutil.rmtree(os.path.join(dav.storage, "collection-root",
                               book.strip("/"), ".Radicale.cache",
                               "sync-token"))
    offset = dav.log_size()
    dav.put(user, book + "c2.vcf", card("c-2", "Cid", "Ex"))
    dav.delete(user, book + "c0.vcf")
    c = phone.sync(coll)
    assert [eas.text_of(x, A + "ServerId")
            for x in eas.find_all(c, A + "Change")] == [ids["C2"]]
    assert [eas.text_of(x, A + "ServerId")
            for x in eas.find_all(c, A + "Delete")] == [ids["C0"]]
    assert not eas.find_all(c, A + "Add")
    assert any(re.search(r"<[^>]*sync-token\s*/>|<[^>]*sync-token>"
                         r"</[^>]*sync-token>", b)
               for b in dav.request_bodies("REPORT", book, offset)
               if "sync-collection" in b), \
        "a full listing after the refused token"
    dav.forgive(offset)         # Radicale's traceback of the unknown token
    c = phone.sync(coll)
    assert c is None or not eas.find_all(c, A + "Commands")


def test_server_wins_a_conflict(pim_server, pim_log, radicale):
    dav, user = radicale, "bob"
    book = dav.mkaddressbook(user, "Contacts")
    dav.put(user, book + "c.vcf", card("c-1", "Cy", "Old"))
    phone = Phone(pim_server, user)
    phone.folder_sync()
    coll = phone.folder(9)
    (sid, _), = phone.sync_all(coll).items()
    dav.put(user, book + "c.vcf", card("c-1", "Cy", "Server"))
    c = phone.sync(coll, commands=[(A + "Change", [
        (A + "ServerId", sid), (A + "ApplicationData", [
            (C + "FirstName", "Cy"), (C + "LastName", "Phone")])])])
    replies = eas.find_all(c, A + "Responses")
    assert replies and eas.text_of(replies[0], A + "Status") == "7", c
    assert "N:Server;Cy" in dav.members(user, book)[book + "c.vcf"]
    # The server's version comes back in the same response.
    changes = eas.find_all(c, A + "Commands")
    assert changes and eas.text_of(changes[0], C + "LastName") == "Server"


@VERSIONS
def test_calendar_events_reach_the_phone(pim_server, pim_log, radicale,
                                         version):
    dav, user = radicale, "carol"
    cal = dav.mkcalendar(user, "Work " + version)
    uid = str(uuid.uuid4())
    dav.put(user, cal + uid + ".ics", event_text(uid))
    phone = Phone(pim_server, user, device="pim0002", version=version)
    phone.folder_sync()
    coll = phone.folder_named("Work " + version)
    adds = phone.sync_all(coll)
    assert len(adds) == 1
    (sid, ev), = adds.items()
    assert eas.text_of(ev, CAL + "Subject") == "Design review"
    assert eas.text_of(ev, CAL + "StartTime") == "20261208T090000Z"
    assert eas.text_of(ev, CAL + "UID") == uid

    # The phone moves it by an hour: the server's event follows.
    c = phone.sync(coll, commands=[(A + "Change", [
        (A + "ServerId", sid), (A + "ApplicationData", [
            (CAL + "Subject", "Design review"),
            (CAL + "StartTime", "20261208T100000Z"),
            (CAL + "EndTime", "20261208T110000Z"),
            (CAL + "UID", uid)])])])
    assert eas.text_of(c, A + "Status") == "1"
    check_class(c, version, "Calendar")
    data = dav.members(user, cal)[cal + uid + ".ics"]
    assert "20261208T100000Z" in data or "DTSTART:20261208T100000Z" in data, \
        data
    assert "X-KEEP:yes" in data


def event_text(uid):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n"
            "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20261201T000000Z\r\n"
            "DTSTART:20261208T090000Z\r\nDTEND:20261208T100000Z\r\n"
            "SUMMARY:Design review\r\nX-KEEP:yes\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n" % uid)


def test_no_user_reaches_another_users_collections(pim_server, pim_log,
                                                    radicale):
    dav = radicale
    book = dav.mkaddressbook("alice", "Private")
    dav.put("alice", book + "secret.vcf", card("s-1", "Sec", "Ret"))
    alice = Phone(pim_server, "alice", device="pim0003")
    alice.folder_sync()
    ids = [i for i, (n, _) in alice.folders.items() if n == "Private"]
    bob = Phone(pim_server, "bob", device="pim0004")
    bob.folder_sync()
    for coll in ids:
        assert coll not in bob.folders
        first = bob.post("Sync", (A + "Sync", [(A + "Collections", [
            (A + "Collection", [(A + "SyncKey", "0"),
                                (A + "CollectionId", coll)])])]))
        assert eas.text_of(first, A + "Status") == "8", first


def test_dav_server_down_is_a_server_error(pim_server, pim_log, radicale):
    """The same user and device through a location whose DAV server does
    not answer: FolderSync and Sync say the server failed (retry later),
    never that the folders are gone."""
    radicale.mkaddressbook("carol", "Down")
    good = Phone(pim_server, "carol", device="pim0005")
    good.folder_sync()
    coll = [i for i, (n, _) in good.folders.items() if n == "Down"][0]
    good.sync_all(coll)
    down = Phone(pim_server, "carol", device="pim0005",
                 path=pim_server_path("-down"))
    t = down.post("FolderSync", (F + "FolderSync", [(F + "SyncKey", "0")]))
    assert eas.text_of(t, F + "Status") == "6", t
    assert not eas.find_all(t, F + "Delete")
    pim_log.wait_for("EAS00605")
    c = down.post("Sync", (A + "Sync", [(A + "Collections", [
        (A + "Collection", [(A + "SyncKey", good.keys[coll]),
                            (A + "CollectionId", coll)])])]))
    assert eas.text_of(c, A + "Status") == "5", c
    # The server back (the good location): the device goes on with its key.
    again = good.sync(coll)
    assert again is None or eas.text_of(again, A + "Status") == "1", again


def test_mail_push_with_a_groupware_folder_in_the_ping(pim_server, pim_log,
                                                       radicale):
    """A Ping on the Inbox and a contacts folder: new mail wakes it at once
    whatever the contacts folder's backend can tell."""
    radicale.mkaddressbook("bob", "Ping")
    phone = Phone(pim_server, "bob", device="pim0006")
    phone.folder_sync()
    inbox = phone.folder(2)
    book = [i for i, (n, _) in phone.folders.items() if n == "Ping"][0]
    for coll in (inbox, book):
        phone.sync_all(coll)
    P = "Ping:"
    done = {}

    def hold():
        done["t"] = phone.post("Ping", (P + "Ping", [
            (P + "HeartbeatInterval", "120"), (P + "Folders", [
                (P + "Folder", [(P + "Id", book), (P + "Class", "Contacts")]),
                (P + "Folder", [(P + "Id", inbox), (P + "Class", "Email")])
            ])]))
    t = threading.Thread(target=hold, daemon=True)
    t.start()
    time.sleep(1.0)
    pim_server.deliver("bob", b"From: a@example.org\r\nTo: bob@example.org"
                       b"\r\nSubject: hi\r\n\r\nhello\r\n")
    t.join(20)
    assert not t.is_alive(), "new mail did not wake the Ping"
    assert eas.text_of(done["t"], P + "Status") == "2"
    assert eas.text_of(done["t"], P + "Folder") == inbox


def pim_server_path(suffix):
    from pim_httpd import PATH
    return PATH + suffix
