# SPDX-License-Identifier: Apache-2.0
"""The commands around Sync for groupware folders, end to end against a
real Radicale: paging and FilterType in Sync, GetItemEstimate,
ItemOperations Fetch, MoveItems between collections, and bad input from
the phone or from another CalDAV client."""

import base64
import datetime
import uuid

import pytest

from pim_httpd import A, B, PATH, Phone, pim_log, pim_server  # noqa: F401
from radicale import radicale, todo  # noqa: F401
import eas

C = "Contacts:"
CAL = "Calendar:"


def card(uid, first, last, extra=""):
    return ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s\r\nFN:%s %s\r\n"
            "N:%s;%s;;;\r\n%sEND:VCARD\r\n" % (uid, first, last, last, first,
                                                extra))


def ical_time(t):
    return t.strftime("%Y%m%dT%H%M%SZ")


def event(uid, summary, start, hours=1, rrule=None, extra=""):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n"
            "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20260101T000000Z\r\n"
            "DTSTART:%s\r\nDTEND:%s\r\nSUMMARY:%s\r\n%s%sEND:VEVENT\r\n"
            "END:VCALENDAR\r\n"
            % (uid, ical_time(start),
               ical_time(start + datetime.timedelta(hours=hours)), summary,
               "RRULE:%s\r\n" % rrule if rrule else "", extra))




def filter_type(n):
    return [(A + "FilterType", str(n))]


def server_ids(coll, tag):
    return [eas.text_of(x, A + "ServerId") for x in eas.find_all(coll, tag)]


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(
        microsecond=0)


# ---------------------------------------------------------------- paging

def test_sixty_contacts_page_by_ten(pim_server, pim_log, radicale):
    dav, user = radicale, "alice"
    book = dav.mkaddressbook(user, "Paged")
    for i in range(60):
        dav.put(user, "%sp%02d.vcf" % (book, i),
                card("p-%02d" % i, "Person%02d" % i, "Paged"))
    phone = Phone(pim_server, user, device="cmd0001")
    phone.folder_sync()
    coll = phone.folder_named("Paged")
    seen, pages = [], 0
    while True:
        c = phone.sync(coll, window=10)
        assert eas.text_of(c, A + "Status") == "1", c
        adds = eas.find_all(c, A + "Add")
        pages += 1
        assert len(adds) <= 10
        seen += [(eas.text_of(a, A + "ServerId"),
                  eas.text_of(a, C + "FirstName")) for a in adds]
        if not eas.find_all(c, A + "MoreAvailable"):
            break
        assert len(adds) == 10
    assert pages in (6, 7), pages
    assert len(seen) == 60
    assert len({sid for sid, _ in seen}) == 60, "an item came twice"
    assert sorted(n for _, n in seen) == ["Person%02d" % i
                                          for i in range(60)]
    # Nothing more to come.
    assert phone.sync(coll) is None


# ---------------------------------------------------------------- filters

def seed_calendar(dav, user, name):
    """Events last year, last week, next week, and a weekly one that
    began two years ago and still runs: {summary: uid}."""
    cal = dav.mkcalendar(user, name)
    t = now()
    day = datetime.timedelta(days=1)
    events = {"last year": (t - 365 * day, None),
              "last week": (t - 7 * day, None),
              "next week": (t + 7 * day, None),
              "weekly": (t - 730 * day, "FREQ=WEEKLY")}
    uids = {}
    for summary, (start, rrule) in events.items():
        uid = str(uuid.uuid4())
        dav.put(user, cal + uid + ".ics", event(uid, summary, start,
                                                rrule=rrule))
        uids[summary] = uid
    return cal, uids


def subjects(coll, tag=A + "Add"):
    return sorted(eas.text_of(a, CAL + "Subject")
                  for a in eas.find_all(coll, tag))


def test_calendar_filter_type_two_weeks(pim_server, pim_log, radicale):
    dav, user = radicale, "bob"
    seed_calendar(dav, user, "Window")
    phone = Phone(pim_server, user, device="cmd0002")
    phone.folder_sync()
    coll = phone.folder_named("Window")
    c = phone.sync(coll, options=filter_type(4))
    assert eas.text_of(c, A + "Status") == "1", c
    assert subjects(c) == ["last week", "next week", "weekly"]
    by_subject = {eas.text_of(a, CAL + "Subject"): eas.text_of(a, A +
                                                               "ServerId")
                  for a in eas.find_all(c, A + "Add")}

    # All of it: last year's comes too, nothing else again.
    c = phone.sync(coll, options=filter_type(0))
    assert subjects(c) == ["last year"], c
    old = eas.text_of(eas.find_all(c, A + "Add")[0], A + "ServerId")

    # Narrowed again: what fell out is soft-deleted, the rest stays.
    c = phone.sync(coll, options=filter_type(4))
    assert server_ids(c, A + "SoftDelete") == [old], c
    assert not eas.find_all(c, A + "Delete"), c
    assert not eas.find_all(c, A + "Add"), c
    assert phone.sync(coll, options=filter_type(4)) is None
    assert len(by_subject) == 3


def test_calendar_window_by_its_own_policy(pim_server, pim_log, radicale):
    """MaxCalendarAgeFilter narrows a calendar's window; the mail one
    (MaxEmailAgeFilter, a day here) does not."""
    dav, user = radicale, "carol"
    seed_calendar(dav, user, "Policed")
    phone = Phone(pim_server, user, device="cmd0012", path=PATH + "-policy")
    phone.folder_sync()
    coll = phone.folder_named("Policed")
    adds = phone.sync_all(coll, options=filter_type(0))
    assert sorted(eas.text_of(a, CAL + "Subject") for a in adds.values()) \
        == ["last week", "next week", "weekly"]


def test_tasks_filter_incomplete(pim_server, pim_log, radicale):
    dav, user = radicale, "carol"
    tasks = dav.mkcalendar(user, "Chores", comps=("VTODO",))
    for i, done in enumerate((False, True, False, True)):
        uid = "task-%d" % i
        dav.put(user, "%s%s.ics" % (tasks, uid),
                todo(uid, "Task %d" % i, completed=done))
    phone = Phone(pim_server, user, device="cmd0003")
    phone.folder_sync()
    coll = phone.folder_named("Chores")
    adds = phone.sync_all(coll, options=filter_type(8))
    assert sorted(eas.text_of(a, "Tasks:Subject")
                  for a in adds.values()) == ["Task 0", "Task 2"]
    assert all(eas.text_of(a, "Tasks:Complete") == "0"
               for a in adds.values())


def test_filter_incomplete_on_a_calendar_is_status_4(pim_server, pim_log,
                                                     radicale):
    dav, user = radicale, "carol"
    dav.mkcalendar(user, "NotTasks")
    phone = Phone(pim_server, user, device="cmd0004")
    phone.folder_sync()
    coll = phone.folder_named("NotTasks")
    c = phone.sync(coll, options=filter_type(8))
    assert eas.text_of(c, A + "Status") == "4", c
    assert pim_log.wait_for("EAS01108")


# ---------------------------------------------------------------- estimate

def test_estimate_counts_what_sync_sends(pim_server, pim_log, radicale):
    dav, user = radicale, "alice"
    seed_calendar(dav, user, "Estimated")
    phone = Phone(pim_server, user, device="cmd0005")
    phone.folder_sync()
    coll = phone.folder_named("Estimated")
    phone.prime(coll)
    assert phone.estimate(coll, options=filter_type(4)) == (1, 3)
    assert phone.estimate(coll, options=filter_type(0)) == (1, 4)
    # Two of the three come; the estimate is what is left.
    c = phone.sync(coll, options=filter_type(4), window=2)
    assert len(eas.find_all(c, A + "Add")) == 2
    assert phone.estimate(coll, options=filter_type(4)) == (1, 1)
    # Without a FilterType of its own: the one the device syncs with.
    assert phone.estimate(coll) == (1, 1)
    c = phone.sync(coll, options=filter_type(4))
    assert phone.estimate(coll) == (1, 0)
    # Widened, last year's event would come.
    assert phone.estimate(coll, options=filter_type(0)) == (1, 1)
    # Incomplete tasks of a calendar: not a collection to estimate so.
    assert phone.estimate(coll, options=filter_type(8)) == (2, None)
    assert pim_log.wait_for("EAS01772")


def test_estimate_of_contacts_and_tasks(pim_server, pim_log, radicale):
    dav, user = radicale, "bob"
    book = dav.mkaddressbook(user, "Counted")
    for i in range(7):
        dav.put(user, "%sc%d.vcf" % (book, i), card("c-%d" % i, "C%d" % i,
                                                    "Counted"))
    tasks = dav.mkcalendar(user, "CountedTasks", comps=("VTODO",))
    for i in range(5):
        dav.put(user, "%st%d.ics" % (tasks, i),
                todo("ct-%d" % i, "T%d" % i, completed=i < 2))
    phone = Phone(pim_server, user, device="cmd0006")
    phone.folder_sync()
    contacts = phone.folder_named("Counted")
    todos = phone.folder_named("CountedTasks")
    phone.prime(contacts)
    phone.prime(todos)
    assert phone.estimate(contacts) == (1, 7)
    assert phone.estimate(todos, options=filter_type(8)) == (1, 3)
    assert phone.estimate(todos, options=filter_type(0)) == (1, 5)


# ---------------------------------------------------------------- fetch

NOTE_TEXT = "Met at the fair; call back about the offer."


@pytest.mark.parametrize("version", ["14.1", "14.0", "12.1", "12.0"])
def test_itemoperations_fetch_of_groupware_items(pim_server, pim_log,
                                                 radicale, version):
    dav, user = radicale, "carol"
    book = dav.mkaddressbook(user, "Fetched " + version)
    dav.put(user, book + "f.vcf",
            card("f-1", "Fiona", "Fetch", "NOTE:%s\r\n" % NOTE_TEXT))
    cal = dav.mkcalendar(user, "FetchedCal " + version)
    uid = str(uuid.uuid4())
    dav.put(user, cal + uid + ".ics",
            event(uid, "Budget", now() + datetime.timedelta(days=3),
                  extra="DESCRIPTION:Bring the figures\r\n"))
    phone = Phone(pim_server, user, device="cmd0007", version=version)
    phone.folder_sync()
    contacts, events = phone.folder_named("Fetched " + version), \
        phone.folder_named("FetchedCal " + version)
    (csid, _), = phone.sync_all(contacts).items()
    (esid, _), = phone.sync_all(events).items()

    f = phone.fetch(contacts, csid, prefs=[(1, 8)])
    assert eas.text_of(f, "ItemOperations:Status") == "1", f
    assert eas.text_of(f, A + "ServerId") == csid
    assert eas.text_of(f, A + "CollectionId") == contacts
    assert eas.text_of(f, A + "Class") == "Contacts"
    props = eas.find_all(f, "ItemOperations:Properties")[0]
    assert eas.text_of(props, C + "FirstName") == "Fiona"
    assert eas.text_of(props, C + "LastName") == "Fetch"
    assert eas.text_of(props, B + "Type") == "1"
    assert eas.text_of(props, B + "Truncated") == "1"
    assert eas.text_of(props, B + "Data") == NOTE_TEXT[:8]
    assert eas.text_of(props, B + "EstimatedDataSize") == str(len(NOTE_TEXT))

    f = phone.fetch(events, esid, prefs=[(2, None)])
    assert eas.text_of(f, "ItemOperations:Status") == "1", f
    props = eas.find_all(f, "ItemOperations:Properties")[0]
    assert eas.text_of(props, CAL + "Subject") == "Budget"
    assert eas.text_of(props, CAL + "UID") == uid
    assert eas.text_of(props, B + "Type") == "2"
    assert "Bring the figures" in eas.text_of(props, B + "Data")

    # Gone meanwhile, or never there: Status 6, and a log line.
    dav.delete(user, book + "f.vcf")
    f = phone.fetch(contacts, csid)
    assert eas.text_of(f, "ItemOperations:Status") == "6", f
    assert not eas.find_all(f, "ItemOperations:Properties")
    f = phone.fetch(events, events + ":99999")
    assert eas.text_of(f, "ItemOperations:Status") == "6", f
    assert pim_log.wait_for("EAS01211")


# ---------------------------------------------------------------- move

def test_moveitems_between_calendars(pim_server, pim_log, radicale):
    dav, user = radicale, "alice"
    home = dav.mkcalendar(user, "MoveFrom")
    away = dav.mkcalendar(user, "MoveTo")
    uid = str(uuid.uuid4())
    dav.put(user, home + uid + ".ics",
            event(uid, "Offsite", now() + datetime.timedelta(days=2),
                  extra="X-KEEP:moved along\r\n"))
    phone = Phone(pim_server, user, device="cmd0008")
    phone.folder_sync()
    src, dst = phone.folder_named("MoveFrom"), phone.folder_named("MoveTo")
    (sid, _), = phone.sync_all(src).items()
    assert phone.sync_all(dst) == {}

    status, new_sid = phone.move(sid, src, dst)
    assert status == 3
    assert new_sid and new_sid.startswith(dst + ":") and new_sid != sid
    assert dav.members(user, home) == {}
    (data,) = dav.members(user, away).values()
    assert "UID:%s" % uid in data and "X-KEEP:moved along" in data

    # The phone moved it itself: neither folder tells it again.
    for coll in (src, dst):
        assert phone.sync(coll) is None, coll
    # The moved event is the phone's under its new id.
    f = phone.fetch(dst, new_sid)
    assert eas.text_of(f, CAL + "Subject") == "Offsite"
    # A move of the old id again: the source item is gone.
    assert phone.move(sid, src, dst)[0] == 1


def test_moveitems_keeps_both_of_one_name(pim_server, pim_log, radicale):
    """A contact moves to an address book that has an item of the same
    name: it takes a fresh one there, and nothing is overwritten."""
    dav, user = radicale, "carol"
    here = dav.mkaddressbook(user, "Here")
    there = dav.mkaddressbook(user, "There")
    dav.put(user, here + "same.vcf", card("h-1", "Hal", "Here"))
    dav.put(user, there + "same.vcf", card("t-1", "Tia", "There"))
    phone = Phone(pim_server, user, device="cmd0013")
    phone.folder_sync()
    src, dst = phone.folder_named("Here"), phone.folder_named("There")
    (sid, _), = phone.sync_all(src).items()
    (tia, _), = phone.sync_all(dst).items()
    status, new_sid = phone.move(sid, src, dst)
    assert status == 3 and new_sid not in (sid, tia)
    assert dav.members(user, here) == {}
    moved = dav.members(user, there)
    assert len(moved) == 2
    assert "FN:Tia There" in moved[there + "same.vcf"]
    assert sum("FN:Hal Here" in d for d in moved.values()) == 1
    assert phone.sync(dst) is None


def test_moveitems_across_kinds_is_refused(pim_server, pim_log, radicale):
    dav, user = radicale, "bob"
    cal = dav.mkcalendar(user, "Stay")
    book = dav.mkaddressbook(user, "StayBook")
    uid = str(uuid.uuid4())
    dav.put(user, cal + uid + ".ics",
            event(uid, "Fixed", now() + datetime.timedelta(days=1)))
    dav.put(user, book + "s.vcf", card("s-1", "Sam", "Stay"))
    phone = Phone(pim_server, user, device="cmd0009")
    phone.folder_sync()
    events, contacts = phone.folder_named("Stay"), \
        phone.folder_named("StayBook")
    inbox = phone.folder(2)
    (esid, _), = phone.sync_all(events).items()
    (csid, _), = phone.sync_all(contacts).items()
    before = (dav.members(user, cal), dav.members(user, book))

    assert phone.move(esid, events, contacts) == (5, None)
    assert phone.move(csid, contacts, events) == (5, None)
    assert phone.move(esid, events, inbox) == (5, None)
    assert (dav.members(user, cal), dav.members(user, book)) == before
    assert len(pim_log.wait_for("EAS01770")) >= 3


# ---------------------------------------------------------------- bad input

def add(cid, data):
    kids = [(A + "ClientId", cid)] if cid is not None else []
    return (A + "Add", kids + [(A + "ApplicationData", data)])


def reply_statuses(c):
    return [(eas.text_of(r, A + "ClientId"), eas.text_of(r, A + "Status"))
            for r in eas.find_all(c, A + "Add")
            if eas.find_all(r, A + "Status")]


def test_bad_adds_and_changes_write_nothing(pim_server, pim_log, radicale):
    dav, user = radicale, "carol"
    book = dav.mkaddressbook(user, "Guarded")
    dav.put(user, book + "g.vcf", card("g-1", "Gus", "Guard"))
    phone = Phone(pim_server, user, device="cmd0010", path=PATH + "-limits")
    phone.folder_sync()
    coll = phone.folder_named("Guarded")
    (sid, _), = phone.sync_all(coll).items()
    before = dav.members(user, book)

    # An empty ApplicationData, an Add without ClientId, a contact over
    # EASMaxItemSize (4096) and one with a photo over EASMaxPhotoSize
    # (1024).
    big = [(C + "FirstName", "Big"), (C + "LastName", "Item"),
           (B + "Body", [(B + "Type", "1"), (B + "Data", "x" * 6000)])]
    photo = [(C + "FirstName", "Pic"), (C + "LastName", "Ture"),
             (C + "Picture", base64.b64encode(b"\xff" * 2000).decode())]
    c = phone.sync(coll, commands=[
        add("bad-1", []), add(None, [(C + "FirstName", "No"),
                                     (C + "LastName", "ClientId")]),
        add("bad-3", big), add("bad-4", photo)])
    assert eas.text_of(c, A + "Status") == "1", c
    assert reply_statuses(c) == [("bad-1", "6"), ("", "4"),
                                 ("bad-3", "6"), ("bad-4", "6")], c
    assert not [r for r in eas.find_all(c, A + "Add")
                if eas.find_all(r, A + "ServerId")], c

    # A Change of an item another client deleted meanwhile.
    dav.delete(user, book + "g.vcf")
    c = phone.sync(coll, commands=[(A + "Change", [
        (A + "ServerId", sid), (A + "ApplicationData", [
            (C + "FirstName", "Gus"), (C + "LastName", "Back")])])])
    changes = [r for r in eas.find_all(c, A + "Change")
               if eas.find_all(r, A + "Status")]
    assert [eas.text_of(r, A + "Status") for r in changes] == ["8"], c
    assert dav.members(user, book) == {}, "nothing was written"
    assert before and len(before) == 1
    for tag in ("EAS01763", "EAS01110"):
        assert pim_log.wait_for(tag), tag


def test_malformed_server_item_is_skipped(pim_server, pim_log, radicale):
    dav, user = radicale, "alice"
    cal = dav.mkcalendar(user, "Mixed")
    good = []
    for i in range(3):
        uid = str(uuid.uuid4())
        dav.put(user, cal + uid + ".ics",
                event(uid, "Good %d" % i,
                      now() + datetime.timedelta(days=i + 1)))
        good.append(uid)
    # Another client stores what the Calendar converter cannot take in a
    # calendar of events: a to-do (the DAV server keeps it; Radicale
    # refuses items that are malformed iCalendar outright).
    bad = str(uuid.uuid4())
    dav.put(user, cal + bad + ".ics", todo(bad, "Broken"))
    phone = Phone(pim_server, user, device="cmd0011")
    phone.folder_sync()
    coll = phone.folder_named("Mixed")
    adds = phone.sync_all(coll)
    assert sorted(eas.text_of(a, CAL + "Subject") for a in adds.values()) \
        == ["Good 0", "Good 1", "Good 2"]
    lines = pim_log.wait_for("EAS01761")
    assert lines and "Broken" not in "".join(lines)
    # Skipped, not retried at every Sync (a Ping would never sleep).
    assert phone.sync(coll) is None
    assert phone.estimate(coll) == (1, 0)
    # Put right by the other client: now it comes, as an Add.
    dav.put(user, cal + bad + ".ics",
            event(bad, "Mended", now() + datetime.timedelta(days=5)))
    c = phone.sync(coll)
    assert subjects(c) == ["Mended"], c
    assert not eas.find_all(c, A + "Change"), c
