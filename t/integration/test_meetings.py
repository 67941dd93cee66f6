# SPDX-License-Identifier: Apache-2.0
"""Meetings end to end, against a real Radicale and the fake sendmail:
invitations and cancellations in the Inbox sync as meeting requests with
a GlobalObjId that gives the UID back; MeetingResponse from the mail and
from the calendar sets the user's PARTSTAT in one event, however often
and from wherever the phone answers, removes a declined one, and mails
the REPLY when asked; the events the user organizes from the phone mail
REQUESTs (SEQUENCE raised on a change) and CANCELs to the attendees,
unless EASMeetingMail is Off."""

import base64
import email
import threading
import uuid
from email import policy

import pytest

from pim_httpd import A, PATH, Phone, pim_log, pim_server  # noqa: F401
from radicale import radicale  # noqa: F401
import eas

E = "Email:"
E2 = "Email2:"
CAL = "Calendar:"
M = "MeetingResponse:"
B = "AirSyncBase:"
USER = "alice"
ADDR = "alice@example.org"


def invitation(uid, method="REQUEST", seq=0, summary="Numbers review",
               organizer="carol.organizer@gmail.com", to=ADDR, rrule=""):
    """An invitation as Google mails it: text, HTML and the text/calendar
    part in an alternative, invite.ics attached."""
    ics = ("BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar//EN\r\n"
           "VERSION:2.0\r\nMETHOD:%s\r\nBEGIN:VEVENT\r\n"
           "DTSTART:20270120T150000Z\r\nDTEND:20270120T160000Z\r\n"
           "DTSTAMP:20261207T120000Z\r\n"
           "ORGANIZER;CN=Organizer:mailto:%s\r\nUID:%s\r\n"
           "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED"
           ";CN=Organizer:mailto:%s\r\n"
           "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-"
           "ACTION;RSVP=TRUE:mailto:%s\r\n"
           "SEQUENCE:%d\r\nSTATUS:%s\r\nSUMMARY:%s\r\nLOCATION:Cafe\r\n%s"
           "END:VEVENT\r\nEND:VCALENDAR\r\n"
           % (method, organizer, uid, organizer, to, seq,
              "CANCELLED" if method == "CANCEL" else "CONFIRMED", summary,
              rrule))
    b64 = base64.encodebytes(ics.encode()).decode().replace("\n", "\r\n")
    return ("From: Organizer <%s>\r\nTo: %s\r\nSubject: Invitation: %s\r\n"
            "Date: Mon, 7 Dec 2026 12:00:00 +0000\r\n"
            "Message-ID: <%s-%s@google.com>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"mx\"\r\n\r\n"
            "--mx\r\nContent-Type: multipart/alternative; boundary=\"al\"\r\n"
            "\r\n--al\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
            "You have been invited.\r\n"
            "--al\r\nContent-Type: text/calendar; charset=UTF-8; method=%s"
            "\r\n\r\n%s\r\n--al--\r\n"
            "--mx\r\nContent-Type: application/ics; name=\"invite.ics\"\r\n"
            "Content-Disposition: attachment; filename=\"invite.ics\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s--mx--\r\n"
            % (organizer, to, summary, uid, method, method, ics, b64)
            ).encode()


@pytest.fixture(scope="module")
def calendar(radicale):
    """The user's Calendar collection (the phone's folder of type 8)."""
    return radicale.mkcalendar(USER, "Calendar")


def events(dav, coll, uid):
    """The calendar's objects with this UID, as another client sees them."""
    return [d for d in dav.members(USER, coll).values()
            if "UID:" + uid in d.replace("\r\n ", "")]


def inbox_item(phone, subject):
    """The Inbox's (ServerId, ApplicationData) of the message with this
    subject."""
    inbox = phone.folder(2)
    phone.keys.pop(inbox, None)
    adds = phone.sync_all(inbox)
    for sid, add in adds.items():
        if eas.text_of(add, E + "Subject") == subject:
            return sid, add
    raise AssertionError("no message %r in %r" % (subject, list(adds)))


def respond(phone, request_id, response, collection=None, send=None,
            instance=None):
    req = [(M + "UserResponse", str(response))]
    if collection:
        req.append((M + "CollectionId", collection))
    req.append((M + "RequestId", request_id))
    if instance:
        req.append((M + "InstanceId", instance))
    if send is not None:
        req.append((M + "SendResponse", [(B + "Body", [
            (B + "Type", "1"), (B + "Data", send)])]))
    t = phone.post("MeetingResponse", (M + "MeetingResponse", [
        (M + "Request", req)]))
    results = eas.find_all(t, M + "Result")
    assert len(results) == 1, t
    return (eas.text_of(results[0], M + "Status"),
            eas.text_of(results[0], M + "CalendarId"))


def new_phone(pim_server, device, path=PATH):
    phone = Phone(pim_server, USER, device=device, path=path)
    phone.folder_sync()
    return phone


def sent_since(pim_server, n):
    return [email.message_from_bytes(m["message"], policy=policy.default)
            for m in pim_server.sent_mail()[n:]]


def calendar_part(msg):
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_param("method"), part.get_content()
    return None, None


# ---------------------------------------------------------------- mail

def test_invitation_syncs_as_meeting_request(pim_server, pim_log, calendar):
    uid = "%s@google.com" % uuid.uuid4().hex
    pim_server.deliver(USER, invitation(uid, summary="Sync as request"))
    phone = new_phone(pim_server, "meet0001")
    _, add = inbox_item(phone, "Invitation: Sync as request")
    assert eas.text_of(add, E + "MessageClass") == \
        "IPM.Schedule.Meeting.Request"
    mr = eas.find_all(add, E + "MeetingRequest")
    assert mr, add
    assert eas.text_of(mr[0], E + "StartTime") == "2027-01-20T15:00:00.000Z"
    assert eas.text_of(mr[0], E + "Location") == "Cafe"
    assert eas.text_of(mr[0], E + "ResponseRequested") == "1"
    assert eas.text_of(mr[0], E2 + "MeetingMessageType") == "1"
    goid = base64.b64decode(eas.text_of(mr[0], E + "GlobalObjId"))
    assert goid[:4] == b"\x04\x00\x00\x00"
    assert goid[40:52] == b"vCal-Uid\x01\x00\x00\x00"
    assert goid[52:].rstrip(b"\x00").decode() == uid


def test_cancellation_syncs_as_canceled(pim_server, pim_log, calendar):
    uid = "%s@google.com" % uuid.uuid4().hex
    pim_server.deliver(USER, invitation(uid, method="CANCEL", seq=1,
                                        summary="Called off"))
    phone = new_phone(pim_server, "meet0002")
    _, add = inbox_item(phone, "Invitation: Called off")
    assert eas.text_of(add, E + "MessageClass") == \
        "IPM.Schedule.Meeting.Canceled"
    mr = eas.find_all(add, E + "MeetingRequest")
    assert mr and eas.text_of(mr[0], E + "ResponseRequested") == "0"


# ---------------------------------------------------------------- answers

def test_answers_make_one_event(pim_server, pim_log, radicale, calendar):
    uid = "%s@google.com" % uuid.uuid4().hex
    pim_server.deliver(USER, invitation(uid, summary="Answer twice"))
    phone = new_phone(pim_server, "meet0003")
    sid, _ = inbox_item(phone, "Invitation: Answer twice")
    before = len(pim_server.sent_mail())

    status, cal_id = respond(phone, sid, 1)
    assert status == "1" and cal_id, (status, cal_id)
    assert cal_id.startswith(phone.folder(8) + ":")
    found = events(radicale, calendar, uid)
    assert len(found) == 1, found
    assert "PARTSTAT=ACCEPTED" in found[0].replace("\r\n ", "")
    assert "METHOD" not in found[0]

    # Again from the mail, tentatively: the same event.
    status, again = respond(phone, sid, 2)
    assert (status, again) == ("1", cal_id)
    found = events(radicale, calendar, uid)
    assert len(found) == 1 and "PARTSTAT=TENTATIVE" in \
        found[0].replace("\r\n ", ""), found

    # From the calendar, as the phone sees the event: still one.
    coll = phone.folder(8)
    adds = phone.sync_all(coll)
    mine = [s for s, a in adds.items() if eas.text_of(a, CAL + "UID") == uid]
    assert mine == [cal_id], adds
    # (CalendarId only for an answer from the Inbox)
    assert respond(phone, cal_id, 1, collection=coll) == ("1", None)
    found = events(radicale, calendar, uid)
    assert len(found) == 1 and "PARTSTAT=ACCEPTED" in \
        found[0].replace("\r\n ", "")
    adds = phone.sync_all(coll)
    assert not [s for s, a in adds.items() if s != cal_id
                and eas.text_of(a, CAL + "UID") == uid], adds
    # The event was looked up by UID on the server (calendar-query).
    assert "EAS01716" in pim_log.text()
    # A 14.1 phone mails its own answer: none from the server.
    assert len(pim_server.sent_mail()) == before


def test_two_devices_answering_at_once_make_one_event(pim_server, pim_log,
                                                      radicale, calendar):
    """Both answers succeed and the calendar holds one event: the second
    add meets the server's no-uid-conflict and answers onto the first."""
    phones = [new_phone(pim_server, "meetrace%d" % i) for i in range(2)]
    for n in range(4):
        uid = "%s@example.org" % uuid.uuid4().hex
        subject = "Race %d" % n
        pim_server.deliver(USER, invitation(uid, summary=subject))
        sids = [inbox_item(p, "Invitation: " + subject)[0] for p in phones]
        go = threading.Barrier(2)
        out = [None, None]

        def answer(i):
            go.wait()
            out[i] = respond(phones[i], sids[i], 1 + i)
        threads = [threading.Thread(target=answer, args=(i,))
                   for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [o[0] for o in out] == ["1", "1"], out
        assert out[0][1] == out[1][1], out
        found = events(radicale, calendar, uid)
        assert len(found) == 1, found


def test_updated_request_replaces_the_event(pim_server, pim_log, radicale,
                                           calendar):
    uid = "%s@google.com" % uuid.uuid4().hex
    pim_server.deliver(USER, invitation(uid, summary="Moved"))
    phone = new_phone(pim_server, "meet0004")
    sid, _ = inbox_item(phone, "Invitation: Moved")
    assert respond(phone, sid, 1)[0] == "1"
    pim_server.deliver(USER, invitation(uid, seq=1, summary="Moved again"))
    sid2, _ = inbox_item(phone, "Invitation: Moved again")
    assert respond(phone, sid2, 1)[0] == "1"
    found = events(radicale, calendar, uid)
    assert len(found) == 1 and "SUMMARY:Moved again" in found[0], found


def test_decline_removes_the_event(pim_server, pim_log, radicale, calendar):
    uid = "%s@google.com" % uuid.uuid4().hex
    pim_server.deliver(USER, invitation(uid, summary="Decline me"))
    phone = new_phone(pim_server, "meet0005")
    sid, _ = inbox_item(phone, "Invitation: Decline me")
    assert respond(phone, sid, 1)[0] == "1"
    assert len(events(radicale, calendar, uid)) == 1
    status, cal_id = respond(phone, sid, 3)
    assert status == "1" and cal_id is None
    assert events(radicale, calendar, uid) == []
    # Declining again: nothing to remove, nothing made.
    assert respond(phone, sid, 3) == ("1", None)
    assert events(radicale, calendar, uid) == []


def test_one_occurrence_from_the_calendar(pim_server, pim_log, radicale,
                                          calendar):
    uid = "%s@google.com" % uuid.uuid4().hex
    pim_server.deliver(USER, invitation(
        uid, summary="Weekly", rrule="RRULE:FREQ=WEEKLY;COUNT=5\r\n"))
    phone = new_phone(pim_server, "meet0010")
    sid, add = inbox_item(phone, "Invitation: Weekly")
    mr = eas.find_all(add, E + "MeetingRequest")[0]
    assert eas.text_of(mr, E + "InstanceType") == "1"
    assert eas.text_of(mr, E + "Type") == "1"
    status, cal_id = respond(phone, sid, 1)
    assert status == "1"
    coll = phone.folder(8)
    phone.sync_all(coll)
    # InstanceId is not there before 14.1; a time without an occurrence
    # names nothing.
    old = Phone(pim_server, USER, device="meet0011", version="14.0")
    old.folder_sync()
    assert respond(old, cal_id, 2, collection=coll,
                   instance="2027-01-27T15:00:00.000Z")[0] == "2"
    assert respond(phone, cal_id, 2, collection=coll,
                   instance="2027-01-27T16:00:00.000Z")[0] == "2"
    assert respond(phone, cal_id, 2, collection=coll,
                   instance="2027-01-27T15:00:00.000Z") == ("1", None)
    found = events(radicale, calendar, uid)
    assert len(found) == 1, found
    flat = found[0].replace("\r\n ", "")
    assert "RECURRENCE-ID:20270127T150000Z" in flat
    assert "PARTSTAT=TENTATIVE" in flat and "PARTSTAT=ACCEPTED" in flat
    # Declining another occurrence takes it out of the series.
    assert respond(phone, cal_id, 3, collection=coll,
                   instance="2027-02-03T15:00:00.000Z") == ("1", None)
    flat = events(radicale, calendar, uid)[0].replace("\r\n ", "")
    assert "EXDATE:20270203T150000Z" in flat


def test_send_response_mails_the_reply(pim_server, pim_log, radicale,
                                       calendar):
    uid = "%s@google.com" % uuid.uuid4().hex
    pim_server.deliver(USER, invitation(uid, summary="Reply to me"))
    phone = new_phone(pim_server, "meet0006")
    sid, _ = inbox_item(phone, "Invitation: Reply to me")
    before = len(pim_server.sent_mail())
    status, _ = respond(phone, sid, 2, send="See you there, maybe.")
    assert status == "1"
    sent = sent_since(pim_server, before)
    assert len(sent) == 1, sent
    msg = sent[0]
    assert msg["To"].addresses[0].addr_spec == "carol.organizer@gmail.com"
    assert msg["From"].addresses[0].addr_spec == ADDR
    assert msg["Subject"] == "Tentative: Reply to me"
    method, ics = calendar_part(msg)
    assert method == "REPLY"
    flat = ics.replace("\r\n ", "")
    assert "METHOD:REPLY" in flat and "UID:" + uid in flat
    assert "PARTSTAT=TENTATIVE" in flat and "mailto:" + ADDR in flat
    assert "See you there, maybe." in msg.get_body(("plain",)).get_content()


def test_response_errors(pim_server, pim_log, radicale, calendar):
    phone = new_phone(pim_server, "meet0007")
    inbox = phone.folder(2)
    assert respond(phone, inbox + ":999999", 1)[0] == "2"
    assert respond(phone, "nonsense", 1)[0] == "2"
    pim_server.deliver(USER, (
        "From: bob@example.org\r\nTo: %s\r\nSubject: Just mail\r\n"
        "Message-ID: <plain-1@example.org>\r\n\r\nHello.\r\n" % ADDR
    ).encode())
    sid, _ = inbox_item(phone, "Just mail")
    assert respond(phone, sid, 1)[0] == "2"
    assert respond(phone, sid, 7)[0] == "2"
    assert "MeetingResponse" in pim_log.text()


# ---------------------------------------------------------------- organizer

def add_meeting(phone, coll, cid, subject, attendees):
    return phone.sync(coll, commands=[(A + "Add", [
        (A + "ClientId", cid), (A + "ApplicationData", [
            (CAL + "Subject", subject),
            (CAL + "StartTime", "20270301T100000Z"),
            (CAL + "EndTime", "20270301T110000Z"),
            (CAL + "MeetingStatus", "1"),
            (CAL + "Attendees", [(CAL + "Attendee", [
                (CAL + "Email", a), (CAL + "Name", a.split("@")[0]),
                (CAL + "AttendeeType", "1")]) for a in attendees]),
            (CAL + "Reminder", "10")])])])


def change_meeting(phone, coll, sid, subject, attendees, reminder="10"):
    return phone.sync(coll, commands=[(A + "Change", [
        (A + "ServerId", sid), (A + "ApplicationData", [
            (CAL + "Subject", subject),
            (CAL + "StartTime", "20270301T100000Z"),
            (CAL + "EndTime", "20270301T110000Z"),
            (CAL + "MeetingStatus", "1"),
            (CAL + "Attendees", [(CAL + "Attendee", [
                (CAL + "Email", a), (CAL + "Name", a.split("@")[0]),
                (CAL + "AttendeeType", "1")]) for a in attendees]),
            (CAL + "Reminder", reminder)])])])


def added_id(c):
    adds = eas.find_all(c, A + "Add")
    assert adds and eas.text_of(adds[0], A + "Status") == "1", c
    return eas.text_of(adds[0], A + "ServerId")


def test_organizer_mails_requests_and_cancel(pim_server, pim_log, radicale,
                                            calendar):
    phone = new_phone(pim_server, "meet0008")
    coll = phone.folder(8)
    phone.sync_all(coll)
    before = len(pim_server.sent_mail())
    c = add_meeting(phone, coll, "c1", "Planning",
                    ["bob@example.org", "carol@example.org"])
    sid = added_id(c)
    sent = sent_since(pim_server, before)
    assert len(sent) == 1, sent
    method, ics = calendar_part(sent[0])
    assert method == "REQUEST" and "METHOD:REQUEST" in ics
    assert "ORGANIZER:mailto:" + ADDR in ics.replace("\r\n ", "")
    assert sorted(a.addr_spec for a in sent[0]["To"].addresses) == \
        ["bob@example.org", "carol@example.org"]
    assert "VALARM" not in ics

    # Only the reminder: the attendees are not told.
    before = len(pim_server.sent_mail())
    c = change_meeting(phone, coll, sid, "Planning",
                       ["bob@example.org", "carol@example.org"], "30")
    assert eas.text_of(c, A + "Status") == "1"
    assert sent_since(pim_server, before) == []

    # A new subject and carol dropped: REQUEST with SEQUENCE 1 to bob,
    # CANCEL to carol.
    c = change_meeting(phone, coll, sid, "Planning v2", ["bob@example.org"])
    assert eas.text_of(c, A + "Status") == "1"
    sent = sent_since(pim_server, before)
    methods = {calendar_part(m)[0]: m for m in sent}
    assert sorted(methods) == ["CANCEL", "REQUEST"], sent
    req = calendar_part(methods["REQUEST"])[1]
    assert "SEQUENCE:1" in req and "SUMMARY:Planning v2" in req
    assert [a.addr_spec for a in methods["REQUEST"]["To"].addresses] == \
        ["bob@example.org"]
    assert [a.addr_spec for a in methods["CANCEL"]["To"].addresses] == \
        ["carol@example.org"]
    stored = [d for d in
              radicale.members(USER, calendar).values()
              if "Planning v2" in d]
    assert len(stored) == 1 and "SEQUENCE:1" in stored[0]

    # Deleted: a CANCEL to bob, SEQUENCE raised again.
    before = len(pim_server.sent_mail())
    c = phone.sync(coll, commands=[(A + "Delete", [(A + "ServerId", sid)])])
    assert eas.text_of(c, A + "Status") == "1"
    sent = sent_since(pim_server, before)
    assert len(sent) == 1
    method, ics = calendar_part(sent[0])
    assert method == "CANCEL" and "STATUS:CANCELLED" in ics
    assert "SEQUENCE:2" in ics


def test_no_meeting_mail_when_off(pim_server, pim_log, radicale, calendar):
    phone = new_phone(pim_server, "meet0009", path=PATH + "-nomeet")
    coll = phone.folder(8)
    phone.sync_all(coll)
    before = len(pim_server.sent_mail())
    sid = added_id(add_meeting(phone, coll, "c1", "Quiet",
                               ["bob@example.org"]))
    phone.sync(coll, commands=[(A + "Delete", [(A + "ServerId", sid)])])
    assert sent_since(pim_server, before) == []


def test_options_lists_meeting_response(pim_server):
    r = Phone(pim_server, USER).c.options()
    assert "MeetingResponse" in r.header("MS-ASProtocolCommands").split(",")
