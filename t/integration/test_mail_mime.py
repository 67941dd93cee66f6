# SPDX-License-Identifier: Apache-2.0
"""A message with a part that has no content (its headers run straight
into the closing boundary), in 8-bit text so that its MIME body is
re-encoded before it goes out: Sync hands it out whole as MIME, and
neither GLib nor GMime has anything to say (their messages would reach
the error log tagged EAS01261)."""

import email
import email.policy
import uuid

from mail_httpd import (find, find_all, mail_log, mail_server,  # noqa: F401
                        phone_for, smtp_sink, text)

A = "AirSync:"
B = "AirSyncBase:"


def contentless(subject):
    return (b"From: Lea <lea@example.net>\n"
            b"To: alice@example.org\n"
            b"Subject: " + subject.encode() + b"\n"
            b"MIME-Version: 1.0\n"
            b"Content-Type: multipart/mixed; boundary=xx\n"
            b"\n"
            b"--xx\n"
            b"Content-Type: text/plain; charset=iso-8859-1\n"
            b"\n"
            b"Caf\xe9 cr\xe8me\n"
            b"--xx\n"
            b"Content-Type: application/pdf; name=empty.pdf\n"
            b"--xx--\n")


def sync_mime(phone, collection):
    """Every item's ApplicationData, bodies asked for as whole MIME."""
    def sync(key):
        # GetChanges only once there is a key (MS-ASCMD).
        changes = [(A + "GetChanges", None)] if key != "0" else []
        return phone.call("Sync", (A + "Sync", [(A + "Collections", [
            (A + "Collection", [
                (A + "SyncKey", key),
                (A + "CollectionId", collection)] + changes + [
                (A + "WindowSize", "100"),
                (A + "Options", [
                    (A + "MIMESupport", "2"),
                    (B + "BodyPreference", [(B + "Type", "4")])])])])]))
    key = text(sync("0"), A + "SyncKey")
    t = sync(key)
    return [find(add, A + "ApplicationData")
            for add in find_all(t, A + "Add")]


def test_part_without_content_as_mime(mail_server, phone_for, mail_log):
    subject = "Empty part %s" % uuid.uuid4().hex[:8]
    mail_server.deliver("alice", contentless(subject))
    alice = phone_for(user="alice")
    inbox = alice.folders()[0][2]
    hits = [d for d in sync_mime(alice, inbox)
            if text(d, "Email:Subject") == subject]
    assert len(hits) == 1
    body = find(hits[0], B + "Body")
    assert text(body, B + "Type") == "4"
    mime = text(body, B + "Data")
    msg = email.message_from_string(mime, policy=email.policy.default)
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == [
        "text/plain", "application/pdf"], mime
    assert parts[0].get_content() == "Caf\xe9 cr\xe8me", mime
    assert parts[1].get_filename() == "empty.pdf", mime
    assert not mail_log.lines("EAS01261"), mail_log.text()
    assert "CRITICAL" not in mail_log.text(), mail_log.text()
