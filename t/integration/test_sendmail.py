# SPDX-License-Identifier: Apache-2.0
"""SendMail, SmartReply and SmartForward in both request forms (14.x
ComposeMail WBXML, 12.x message/rfc822 with query parameters), through a
sendmail-compatible program and through SMTP, with Sent Items, the
original's flags, a forged From, and the failures' statuses."""

import email
import email.policy
import os
import time
import uuid
from email.message import EmailMessage

import pytest

import eas
import mailstore
from mail_httpd import (find, mail_log, mail_server, phone_for,  # noqa: F401
                        smtp_sink, text)

ATTACHMENT = bytes(range(256)) * 8 + b"end of the attachment"
ORIG_ATTACHMENT = b"%PDF-1.4 original attachment " + bytes(range(200))


def unique(prefix):
    return "%s %s" % (prefix, uuid.uuid4().hex[:8])


def outgoing(subject, to="Bob <bob@example.net>", cc=None, bcc=None,
             sender="Mallory <mallory@evil.example>", body="Hi Bob,\n",
             attachment=None, name="chart.bin"):
    """A message as a phone composes it (its From is not to be trusted)."""
    m = EmailMessage()
    if sender:
        m["From"] = sender
    if to:
        m["To"] = to
    if cc:
        m["Cc"] = cc
    if bcc:
        m["Bcc"] = bcc
    m["Subject"] = subject
    m.set_content(body)
    if attachment is not None:
        m.add_attachment(attachment, maintype="application",
                         subtype="octet-stream", filename=name)
    return m.as_bytes(policy=email.policy.SMTP)


def original(subject, body="The original text, line one.\n"):
    m = EmailMessage()
    m["From"] = "Lea <lea@example.net>"
    m["To"] = "alice@example.org"
    m["Subject"] = subject
    m["Message-ID"] = "<%s@example.net>" % uuid.uuid4().hex
    m["Date"] = "Mon, 23 Nov 2026 07:41:12 +0000"
    m.set_content(body)
    m.add_attachment(ORIG_ATTACHMENT, maintype="application", subtype="pdf",
                     filename="original.pdf")
    return m.as_bytes(policy=email.policy.default), m["Message-ID"]


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def attachments(msg):
    return {p.get_filename(): p.get_content() for p in msg.iter_attachments()}


def wait_sent(server, count, timeout=5.0):
    """The fake sendmail's records once there are count of them."""
    deadline = time.time() + timeout
    while True:
        got = server.sent_mail()
        if len(got) >= count or time.time() > deadline:
            return got
        time.sleep(0.05)


def compose14(cmd, mime, save=True, source=None, replace=False,
              client_id=None):
    root = "ComposeMail:" + cmd
    body = [("ComposeMail:ClientId", client_id or uuid.uuid4().hex)]
    if save:
        body.append(("ComposeMail:SaveInSentItems", None))
    if replace:
        body.append(("ComposeMail:ReplaceMime", None))
    if source:
        body.append(("ComposeMail:Source", [
            ("ComposeMail:FolderId", source.split(":")[0]),
            ("ComposeMail:ItemId", source)]))
    body.append(("ComposeMail:Mime", mime))
    return eas.encode((root, body))


def sent_items(server, user="alice"):
    return [parse(raw) for _, raw in server.files(user, "Sent")]


def in_sent(server, subject, user="alice"):
    hits = [m for m in sent_items(server, user) if m["Subject"] == subject]
    assert len(hits) == 1, [m["Subject"] for m in sent_items(server, user)]
    return hits[0]


def flags_of(server, subject, user="alice"):
    """The IMAP flags of the Inbox's message with subject."""
    for name, raw in server.files(user):
        if parse(raw)["Subject"] == subject:
            sub = "cur" if ":2," in name else "new"
            return mailstore.message_flags(os.path.join(
                server.maildir(user), sub, name))
    raise AssertionError("no %r in the Inbox" % subject)


@pytest.fixture
def alice(phone_for):
    return phone_for(user="alice")


# ---------------------------------------------------------------- SendMail

def test_sendmail_14_with_attachment_and_save(mail_server, alice, mail_log):
    before = len(mail_server.sent_mail())
    subject = unique("Quarterly figures ✓")
    mime = outgoing(subject, cc="Carol <carol@example.net>",
                    bcc="dave@example.net", attachment=ATTACHMENT)
    r = alice.post("SendMail", compose14("SendMail", mime))
    assert r.status == 200 and r.body == b"", (r.status, r.body)
    rec = wait_sent(mail_server, before + 1)[before]
    args = rec["args"]
    assert args[:4] == ["-i", "-f", "alice@example.org", "--"]
    assert sorted(args[4:]) == ["bob@example.net", "carol@example.net",
                                "dave@example.net"]
    msg = parse(rec["message"])
    assert msg["From"].addresses[0].addr_spec == "alice@example.org"
    assert "mallory" not in rec["message"].decode("latin-1").lower()
    assert msg["Bcc"] is None
    assert msg["Subject"] == subject
    assert attachments(msg) == {"chart.bin": ATTACHMENT}
    kept = in_sent(mail_server, subject)
    assert attachments(kept) == {"chart.bin": ATTACHMENT}
    assert kept["From"].addresses[0].addr_spec == "alice@example.org"
    name = [n for n, raw in mail_server.files("alice", "Sent")
            if parse(raw)["Subject"] == subject][0]
    assert "S" in name.split(":2,")[1], name


def test_sendmail_14_saved_copy_reaches_the_phone(mail_server, alice):
    subject = unique("Seen in Sent")
    r = alice.post("SendMail", compose14("SendMail", outgoing(subject)))
    assert r.status == 200
    by_type, _ = alice.folders()
    sent = by_type[5]
    subjects = [text(d, "Email:Subject") for _, d in alice.sync_all(sent)]
    assert subject in subjects


def test_sendmail_without_save(mail_server, alice):
    before = len(mail_server.sent_mail())
    subject = unique("Not kept")
    r = alice.post("SendMail", compose14("SendMail", outgoing(subject),
                                         save=False))
    assert r.status == 200
    assert len(wait_sent(mail_server, before + 1)) == before + 1
    assert subject not in [m["Subject"] for m in sent_items(mail_server)]


def test_sendmail_12_query_form(mail_server, phone_for):
    p = phone_for(user="alice", version="12.1")
    before = len(mail_server.sent_mail())
    subject = unique("From a 12.1 phone")
    r = p.post("SendMail", outgoing(subject, attachment=ATTACHMENT),
               content_type="message/rfc822", SaveInSent="T")
    assert r.status == 200 and r.body == b""
    rec = wait_sent(mail_server, before + 1)[before]
    assert rec["args"][-1] == "bob@example.net"
    msg = parse(rec["message"])
    assert msg["From"].addresses[0].addr_spec == "alice@example.org"
    assert attachments(in_sent(mail_server, subject)) == {
        "chart.bin": ATTACHMENT}


def test_sendmail_12_base64_query_form(mail_server, phone_for):
    p = phone_for(user="alice")
    before = len(mail_server.sent_mail())
    subject = unique("base64 query")
    q = eas.base64_query(121, "SendMail", device_id=b"b64send01",
                         params=[("User", b"alice"), ("Options", b"\x01")])
    r = p.client.post(q, outgoing(subject), version=None,
                      content_type="message/rfc822")
    assert r.status == 200, r.body
    assert len(wait_sent(mail_server, before + 1)) == before + 1
    in_sent(mail_server, subject)


def test_sendmail_display_name_kept_for_own_address(mail_server, alice):
    before = len(mail_server.sent_mail())
    subject = unique("Own name")
    r = alice.post("SendMail", compose14("SendMail", outgoing(
        subject, sender="Alice Liddell <alice@example.org>"), save=False))
    assert r.status == 200
    msg = parse(wait_sent(mail_server, before + 1)[before]["message"])
    assert msg["From"].addresses[0].addr_spec == "alice@example.org"
    assert msg["From"].addresses[0].display_name == "Alice Liddell"


def test_sendmail_no_recipient(mail_server, alice, mail_log):
    before = len(mail_server.sent_mail())
    r = alice.post("SendMail", compose14("SendMail",
                                         outgoing(unique("Nobody"), to=None)))
    assert r.status == 200
    assert eas.status_of(r.tree()) == 119
    mail_log.one("EAS01255", "recipients")
    assert len(mail_server.sent_mail()) == before


def test_sendmail_no_recipient_12(phone_for):
    p = phone_for(user="alice", version="12.1")
    r = p.post("SendMail", outgoing(unique("Nobody"), to=None),
               content_type="message/rfc822")
    assert r.status == 400


def test_sendmail_without_mime_is_invalid_xml(alice, mail_log):
    r = alice.post("SendMail", eas.encode(("ComposeMail:SendMail", [
        ("ComposeMail:ClientId", "x1")])))
    assert r.status == 200
    assert eas.status_of(r.tree()) == 103
    mail_log.one("EAS01250", "Mime")


# ---------------------------------------------------------------- ClientId

def test_sendmail_repeated_client_id(mail_server, alice, phone_for, mail_log):
    """A phone that lost the answer repeats the request: 118, sent once."""
    before = len(mail_server.sent_mail())
    subject = unique("Once only")
    cid = "retry-" + uuid.uuid4().hex
    body = compose14("SendMail", outgoing(subject), client_id=cid)
    r = alice.post("SendMail", body)
    assert r.status == 200 and r.body == b"", (r.status, r.body)
    r = alice.post("SendMail", body)
    assert r.status == 200
    assert eas.status_of(r.tree()) == 118
    mail_log.one("EAS01262", cid)
    # SmartReply and SmartForward share the device's ClientIds
    r = alice.post("SmartForward", compose14(
        "SmartForward", outgoing("Fwd: " + subject), client_id=cid,
        source="1:1"))
    assert eas.status_of(r.tree()) == 118
    # sendmail has exited before an answer goes out: nothing is on its way
    sent = [rec for rec in mail_server.sent_mail()[before:]
            if parse(rec["message"])["Subject"] == subject]
    assert len(sent) == 1, sent
    assert [m["Subject"] for m in sent_items(mail_server)].count(subject) == 1
    # another device of the same user has ClientIds of its own
    other = phone_for(user="alice")
    r = other.post("SendMail", body)
    assert r.status == 200 and r.body == b"", (r.status, r.body)
    assert len(wait_sent(mail_server, before + 2)) == before + 2


def test_client_id_kept_only_after_sending(mail_server, alice):
    before = len(mail_server.sent_mail())
    cid = "fixed-" + uuid.uuid4().hex
    subject = unique("Second try")
    r = alice.post("SendMail", compose14(
        "SendMail", outgoing(subject, to=None), client_id=cid))
    assert eas.status_of(r.tree()) == 119
    r = alice.post("SendMail", compose14(
        "SendMail", outgoing(subject), client_id=cid))
    assert r.status == 200 and r.body == b"", (r.status, r.body)
    rec = wait_sent(mail_server, before + 1)
    assert [parse(x["message"])["Subject"] for x in rec[before:]] == [subject]


def test_client_id_too_long(mail_server, alice, mail_log):
    before = len(mail_server.sent_mail())
    r = alice.post("SendMail", compose14(
        "SendMail", outgoing(unique("Long id")), client_id="x" * 129))
    assert eas.status_of(r.tree()) == 103
    mail_log.one("EAS01250", "ClientId")
    assert len(mail_server.sent_mail()) == before


# ---------------------------------------------------------------- failures

def test_submission_failure(mail_server, phone_for, mail_log):
    p = phone_for(user="alice", path="/eas-mail-fail")
    subject = unique("Relay down")
    r = p.post("SendMail", compose14("SendMail", outgoing(subject)))
    assert r.status == 200
    assert eas.status_of(r.tree()) == 120
    mail_log.one("EAS01257", "alice@example.org", "failed")
    assert subject not in [m["Subject"] for m in sent_items(mail_server)]
    p12 = phone_for(user="alice", path="/eas-mail-fail", version="12.1")
    r = p12.post("SendMail", outgoing(subject), content_type="message/rfc822")
    assert r.status == 500


def test_no_transport_configured(phone_for, mail_log):
    p = phone_for(user="alice", path="/eas-mail-none")
    r = p.post("SendMail", compose14("SendMail", outgoing(unique("Nowhere"))))
    assert r.status == 200
    assert eas.status_of(r.tree()) == 120
    mail_log.one("EAS01252", "EASSendmail or EASSMTPServer")


def test_config_errors(mail_server):
    bad = [
        ("EASSendmail sendmail", "absolute path"),
        ("EASSendmail /nonexistent/sendmail", "not an executable file"),
        ("EASSMTPServer http://127.0.0.1:25", "smtp://host"),
        ("EASSMTPServer smtp://user:pw@127.0.0.1", "smtp://host"),
        ("EASSMTPStartTLS Sometimes", "Off, Try or Require"),
        ("EASSMTPTimeout 0", "1 to 3600"),
        ("EASMaxFetchSize 12k", "whole number"),
    ]
    for line, message in bad:
        rc, out = mail_server.config_test("<Location /x>\n%s\n</Location>"
                                          % line)
        assert rc != 0 and message in out, (line, out)
    rc, out = mail_server.config_test(
        "<Location /x>\nEASSMTPServer smtps://mail.example.org:465\n"
        "EASSMTPStartTLS Require\nEASSMTPTimeout 30\nEASSMTPVerifyCert Off\n"
        "EASMaxFetchSize 1048576\n</Location>")
    assert rc == 0, out


# ---------------------------------------------------------------- SMTP

def test_sendmail_through_smtp(mail_server, phone_for, smtp_sink):
    p = phone_for(user="alice", path="/eas-mail-smtp")
    subject = unique("Over SMTP")
    before = len(smtp_sink.received)
    r = p.post("SendMail", compose14("SendMail", outgoing(
        subject, bcc="hidden@example.net", attachment=ATTACHMENT)))
    assert r.status == 200 and r.body == b"", r.body
    got = smtp_sink.received[before]
    assert got["from"] == "alice@example.org"
    assert sorted(got["rcpts"]) == ["bob@example.net", "hidden@example.net"]
    msg = parse(got["message"])
    assert msg["Subject"] == subject and msg["Bcc"] is None
    assert attachments(msg) == {"chart.bin": ATTACHMENT}
    in_sent(mail_server, subject)


def test_smtp_refusal(phone_for, smtp_sink, mail_log):
    p = phone_for(user="alice", path="/eas-mail-smtp")
    r = p.post("SendMail", compose14("SendMail", outgoing(
        unique("Refused"), to="reject-me@example.net")))
    assert r.status == 200
    assert eas.status_of(r.tree()) == 120
    mail_log.one("EAS01257", "failed")


# ---------------------------------------------------------------- Smart*

@pytest.fixture
def received(mail_server, alice):
    """A message in alice's Inbox: (subject, Message-ID, ServerId)."""
    subject = unique("Plan")
    raw, msgid = original(subject)
    mail_server.deliver("alice", raw)
    inbox = alice.folders()[0][2]
    return subject, msgid, alice.item_id(inbox, subject)


def test_smartreply_quotes_original(mail_server, alice, received):
    subject, msgid, sid = received
    before = len(mail_server.sent_mail())
    mime = outgoing("Re: " + subject, to="lea@example.net",
                    body="Thanks, agreed.\n")
    r = alice.post("SmartReply", compose14("SmartReply", mime, source=sid))
    assert r.status == 200 and r.body == b"", r.body
    msg = parse(wait_sent(mail_server, before + 1)[before]["message"])
    body = msg.get_body(("plain",)).get_content()
    assert "Thanks, agreed." in body
    assert "> The original text, line one." in body
    assert msg["In-Reply-To"] == msgid
    assert msgid in msg["References"]
    assert attachments(msg) == {}
    assert "\\Answered" in flags_of(mail_server, subject)
    in_sent(mail_server, "Re: " + subject)


def test_smartreply_replace_mime(mail_server, alice, received):
    subject, msgid, sid = received
    before = len(mail_server.sent_mail())
    mime = outgoing("Re: " + subject, to="lea@example.net",
                    body="Complete reply, nothing to add.\n")
    r = alice.post("SmartReply", compose14("SmartReply", mime, source=sid,
                                           replace=True, save=False))
    assert r.status == 200
    msg = parse(wait_sent(mail_server, before + 1)[before]["message"])
    body = msg.get_body(("plain",)).get_content()
    assert "Complete reply" in body and "original text" not in body
    assert msg["In-Reply-To"] == msgid


def test_smartforward_carries_attachments(mail_server, alice, received):
    subject, msgid, sid = received
    before = len(mail_server.sent_mail())
    mime = outgoing("Fwd: " + subject, to="zoe@example.net",
                    body="See below.\n")
    r = alice.post("SmartForward", compose14("SmartForward", mime,
                                             source=sid))
    assert r.status == 200 and r.body == b""
    rec = wait_sent(mail_server, before + 1)[before]
    assert rec["args"][-1] == "zoe@example.net"
    msg = parse(rec["message"])
    assert attachments(msg) == {"original.pdf": ORIG_ATTACHMENT}
    assert "original text" in msg.as_string()
    assert "$Forwarded" in flags_of(mail_server, subject)


def test_smartreply_12_query_form(mail_server, phone_for, received):
    subject, msgid, sid = received
    p = phone_for(user="alice", version="12.1")
    before = len(mail_server.sent_mail())
    r = p.post("SmartReply", outgoing("Re: " + subject, to="lea@example.net",
                                      body="From 12.1.\n"),
               content_type="message/rfc822", ItemId=sid,
               CollectionId=sid.split(":")[0], SaveInSent="T")
    assert r.status == 200 and r.body == b""
    msg = parse(wait_sent(mail_server, before + 1)[before]["message"])
    assert "> The original text" in msg.get_body(("plain",)).get_content()
    in_sent(mail_server, "Re: " + subject)


def test_smartforward_12_base64_form(mail_server, phone_for, received):
    subject, msgid, sid = received
    p = phone_for(user="alice")
    before = len(mail_server.sent_mail())
    q = eas.base64_query(121, "SmartForward", device_id=b"b64fwd01",
                         params=[("User", b"alice"),
                                 ("ItemId", sid.encode()),
                                 ("CollectionId", sid.split(":")[0].encode())])
    r = p.client.post(q, outgoing("Fwd: " + subject, to="zoe@example.net"),
                      version=None, content_type="message/rfc822")
    assert r.status == 200, r.body
    msg = parse(wait_sent(mail_server, before + 1)[before]["message"])
    assert attachments(msg) == {"original.pdf": ORIG_ATTACHMENT}


def test_smart_unknown_original(mail_server, alice, phone_for, received,
                                mail_log):
    subject, msgid, sid = received
    folder = sid.split(":")[0]
    before = len(mail_server.sent_mail())
    for bad in ("%s:999999999" % folder, "junk", "../..:x"):
        r = alice.post("SmartReply", compose14(
            "SmartReply", outgoing("Re: x", to="lea@example.net"),
            source=bad))
        assert r.status == 200
        assert eas.status_of(r.tree()) == 150
    p12 = phone_for(user="alice", version="12.1")
    r = p12.post("SmartForward", outgoing("Fwd: x", to="zoe@example.net"),
                 content_type="message/rfc822", ItemId="%s:999999999" % folder)
    assert r.status == 500
    assert len(mail_server.sent_mail()) == before
    assert mail_log.wait_for("EAS01254") and mail_log.wait_for("EAS01253")


def test_smartreply_without_source(alice, mail_log):
    r = alice.post("SmartReply", compose14("SmartReply", outgoing(
        "Re: x", to="lea@example.net")))
    assert r.status == 200
    assert eas.status_of(r.tree()) == 103
