# SPDX-License-Identifier: Apache-2.0
"""ItemOperations (Fetch of items, MIME ranges and attachments, inline and
multipart; EmptyFolderContents; Move) and the 12.x GetAttachment, against a
real httpd with Maildir stores and SQLite state."""

import base64
import email.policy
import os
import struct
import uuid
from email.message import EmailMessage

import pytest

import eas
from mail_httpd import (find, find_all, mail_log, mail_server,  # noqa: F401
                        phone_for, smtp_sink, text)

ATTACHMENT = bytes(range(256)) * 20 + b"\x00\xff tail"      # 5129 bytes
ATT_NAME = "Größe € plan.bin"


def message(subject, plain="Hello Léa,\nthe plan is attached.\n",
            html="<p>Hello <b>Léa</b>, the plan is attached.</p>",
            attachment=ATTACHMENT, name=ATT_NAME, sender="lea@example.net"):
    m = EmailMessage()
    m["From"] = "Léa Fontaine <%s>" % sender
    m["To"] = "alice@example.org"
    m["Subject"] = subject
    m["Message-ID"] = "<%s@example.net>" % uuid.uuid4().hex
    m["Date"] = "Mon, 23 Nov 2026 07:41:12 +0000"
    m.set_content(plain)
    if html:
        m.add_alternative(html, subtype="html")
    if attachment is not None:
        m.add_attachment(attachment, maintype="application",
                         subtype="octet-stream", filename=name)
    return m.as_bytes(policy=email.policy.default)


def unique(prefix):
    return "%s %s" % (prefix, uuid.uuid4().hex[:8])


@pytest.fixture
def alice(phone_for):
    return phone_for(user="alice")


@pytest.fixture
def inbox(mail_server, alice):
    """alice's Inbox id, with one message delivered: (id, subject, raw,
    ServerId)."""
    subject = unique("Shipment")
    raw = message(subject)
    mail_server.deliver("alice", raw)
    by_type, _ = alice.folders()
    inbox_id = by_type[2]
    return inbox_id, subject, raw, alice.item_id(inbox_id, subject)


def fetch_item(collection, server_id, options=None):
    body = [("ItemOperations:Store", "Mailbox"),
            ("AirSync:CollectionId", collection),
            ("AirSync:ServerId", server_id)]
    if options:
        body.append(("ItemOperations:Options", options))
    return ("ItemOperations:Fetch", body)


def fetch_file(ref, options=None):
    body = [("ItemOperations:Store", "Mailbox"),
            ("AirSyncBase:FileReference", ref)]
    if options:
        body.append(("ItemOperations:Options", options))
    return ("ItemOperations:Fetch", body)


def bodypref(kind, truncation=None):
    pref = [("AirSyncBase:Type", str(kind))]
    if truncation is not None:
        pref.append(("AirSyncBase:TruncationSize", str(truncation)))
    return ("AirSyncBase:BodyPreference", pref)


def itemops(phone, *ops, **kw):
    t = phone.call("ItemOperations", ("ItemOperations:ItemOperations",
                                      list(ops)), **kw)
    assert t[0] == "ItemOperations:ItemOperations"
    return t


def responses(t):
    """The operations' answers in order (global Status must be 1)."""
    assert text(t, "ItemOperations:Status") == "1", t
    return find(t, "ItemOperations:Response")[1]


def op_status(node):
    return int(text(node, "ItemOperations:Status"))


def data_of(node):
    return base64.b64decode(text(node, "ItemOperations:Data") or "")


def file_ref(props):
    att = find(props, "AirSyncBase:Attachment")
    assert att, props
    return text(att, "AirSyncBase:FileReference")


# ---------------------------------------------------------------- items

@pytest.mark.parametrize("kind", [1, 2, 4])
def test_fetch_item_body_types(alice, inbox, mail_log, kind):
    coll, subject, raw, sid = inbox
    (fetch,) = responses(itemops(alice, fetch_item(coll, sid, [bodypref(kind)])))
    assert op_status(fetch) == 1
    assert text(fetch, "AirSync:ServerId") == sid
    assert text(fetch, "AirSync:CollectionId") == coll
    assert text(fetch, "AirSync:Class") == "Email"
    props = find(fetch, "ItemOperations:Properties")
    assert text(props, "Email:Subject") == subject
    assert "lea@example.net" in text(props, "Email:From")
    body = find(props, "AirSyncBase:Body")
    assert text(body, "AirSyncBase:Type") == str(kind)
    data = text(body, "AirSyncBase:Data")
    if kind == 1:
        assert "the plan is attached." in data and "<b>" not in data
    elif kind == 2:
        assert "<b>Léa</b>" in data
    else:
        assert "Subject: %s" % subject in data
        assert base64.b64encode(ATTACHMENT[:48]).decode() in data.replace(
            "\r\n", "").replace("\n", "")
    att = find(props, "AirSyncBase:Attachment")
    assert text(att, "AirSyncBase:DisplayName") == ATT_NAME
    assert file_ref(props).startswith(sid + ":")


def test_fetch_mime_range(alice, inbox):
    coll, _, raw, sid = inbox
    t = itemops(alice,
                fetch_item(coll, sid, [("ItemOperations:Range", "0-99")]),
                fetch_item(coll, sid, [("ItemOperations:Range",
                                        "100-99999999")]))
    first, rest = responses(t)
    stored = data_of(first) + data_of(rest)
    for node, want in ((first, "0-99"), (rest, "100-%d" % (len(stored) - 1))):
        assert op_status(node) == 1
        props = find(node, "ItemOperations:Properties")
        assert text(props, "ItemOperations:Range") == want
        assert int(text(props, "ItemOperations:Total")) == len(stored)
    assert len(data_of(first)) == 100
    # The store keeps the message as delivered (line ends aside).
    assert stored.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")


def test_fetch_range_beyond_end(alice, inbox, mail_log):
    coll, _, raw, sid = inbox
    (node,) = responses(itemops(alice, fetch_item(
        coll, sid, [("ItemOperations:Range", "99999990-99999999")])))
    assert op_status(node) == 8
    mail_log.one("EAS01218", "outside")


@pytest.mark.parametrize("bad", ["", "abc", "5", "1-", "-3", "1-2-3"])
def test_fetch_malformed_range_is_protocol_error(alice, inbox, mail_log, bad):
    coll, _, _, sid = inbox
    t = itemops(alice, fetch_item(coll, sid, [("ItemOperations:Range", bad)]))
    assert eas.status_of(t) == 2
    assert find(t, "ItemOperations:Response") is None
    mail_log.one("EAS01220", "Range")


def test_fetch_unknown_items(alice, inbox, mail_log):
    coll, _, _, sid = inbox
    folder, item = sid.split(":", 1)
    t = itemops(alice,
                fetch_item(coll, "%s:999999" % folder),
                fetch_item(coll, "nonsense"),
                fetch_item(coll, "../../etc:passwd"),
                fetch_item("999999", "999999:%s" % item),
                # The ServerId's folder must be the collection's.
                fetch_item("999999", sid))
    answers = responses(t)
    assert [op_status(n) for n in answers] == [6] * 5
    assert find(answers[2], "ItemOperations:Properties") is None
    assert len(mail_log.wait_for("EAS01211")) >= 5


def test_fetch_other_store_is_unsupported(alice, inbox):
    t = itemops(alice, ("ItemOperations:Fetch", [
        ("ItemOperations:Store", "DocumentLibrary"),
        ("DocumentLibrary:LinkId", r"\\files\share\plan.docx")]))
    (node,) = responses(t)
    assert op_status(node) == 9


def test_fetch_without_source_is_protocol_error(alice, inbox):
    t = itemops(alice, ("ItemOperations:Fetch", [
        ("ItemOperations:Store", "Mailbox")]))
    assert eas.status_of(t) == 2


def test_other_users_ids_do_not_reach_their_mail(mail_server, phone_for,
                                                 alice, inbox):
    """Ids are per user: bob's ServerIds and FileReferences, sent by alice,
    name alice's own items or nothing, never bob's mail."""
    bob = phone_for(user="bob@example.org")
    secret = unique("Bob's secret")
    mail_server.deliver("bob@example.org",
                        message(secret, plain="bob's secret text\n",
                                attachment=b"bob's secret bytes"))
    bob_inbox = bob.folders()[0][2]
    bob_sid = bob.item_id(bob_inbox, secret)
    t = bob.call("ItemOperations", ("ItemOperations:ItemOperations", [
        fetch_item(bob_inbox, bob_sid, [bodypref(4)])]))
    assert secret in repr(t)
    bob_ref = file_ref(find(t, "ItemOperations:Properties"))
    t = itemops(alice, fetch_item(bob_inbox, bob_sid, [bodypref(4)]),
                fetch_file(bob_ref),
                fetch_item(bob_inbox, bob_sid,
                           [("ItemOperations:Range", "0-99999")]))
    for node in responses(t):
        assert op_status(node) in (1, 6, 15)
        assert b"bob's secret" not in data_of(node)
    raw = repr(t)
    assert secret not in raw and "bob's secret" not in raw
    assert base64.b64encode(b"bob's secret bytes").decode() not in raw


# ---------------------------------------------------------------- attachments

def test_attachment_by_file_reference(alice, inbox):
    coll, _, _, sid = inbox
    (node,) = responses(itemops(alice, fetch_item(coll, sid)))
    ref = file_ref(find(node, "ItemOperations:Properties"))
    (node,) = responses(itemops(alice, fetch_file(ref)))
    assert op_status(node) == 1
    assert text(node, "AirSyncBase:FileReference") == ref
    props = find(node, "ItemOperations:Properties")
    assert text(props, "AirSyncBase:ContentType") == "application/octet-stream"
    assert data_of(props) == ATTACHMENT
    # A client that percent-encodes what it got back is understood too.
    (node,) = responses(itemops(alice, fetch_file(ref.replace(":", "%3a"))))
    assert data_of(node) == ATTACHMENT


def test_attachment_range(alice, inbox):
    coll, _, _, sid = inbox
    (node,) = responses(itemops(alice, fetch_item(coll, sid)))
    ref = file_ref(find(node, "ItemOperations:Properties"))
    (node,) = responses(itemops(alice, fetch_file(
        ref, [("ItemOperations:Range", "1000-1999")])))
    props = find(node, "ItemOperations:Properties")
    assert text(props, "ItemOperations:Range") == "1000-1999"
    assert int(text(props, "ItemOperations:Total")) == len(ATTACHMENT)
    assert data_of(props) == ATTACHMENT[1000:2000]


def test_bad_file_references(alice, inbox, mail_log):
    coll, _, _, sid = inbox
    folder = sid.split(":")[0]
    t = itemops(alice, fetch_file("garbage"), fetch_file(sid + ":9"),
                fetch_file("%s:999999:2" % folder), fetch_file(sid + ":x"),
                fetch_file("../x:y:1"))
    assert [op_status(n) for n in responses(t)] == [15] * 5
    assert mail_log.wait_for("EAS01213") and mail_log.wait_for("EAS01215")


def multipart(resp):
    """(WBXML tree, [part bytes]) of a multipart answer, checking the
    table against the body's length."""
    body = resp.body
    (count,) = struct.unpack_from("<i", body, 0)
    table = [struct.unpack_from("<ii", body, 4 + 8 * i) for i in range(count)]
    assert table[0][0] == 4 + 8 * count
    end = table[0][0]
    for off, length in table:
        assert off == end
        end += length
    assert end == len(body)
    parts = [body[off:off + length] for off, length in table]
    return eas.decode(parts[0]), parts[1:]


def test_multipart_response(alice, inbox):
    coll, _, raw, sid = inbox
    (node,) = responses(itemops(alice, fetch_item(coll, sid)))
    ref = file_ref(find(node, "ItemOperations:Properties"))
    body = eas.encode(("ItemOperations:ItemOperations", [
        fetch_file(ref),
        fetch_item(coll, sid, [("ItemOperations:Range", "0-63")]),
        fetch_item(coll, sid, [bodypref(1)]),
        fetch_file(sid + ":9")]))
    r = alice.post("ItemOperations", body,
                   headers={"MS-ASAcceptMultiPart": "T"})
    assert r.status == 200
    assert r.header("Content-Type") == "application/vnd.ms-sync.multipart"
    tree, parts = multipart(r)
    att, rng, item, bad = responses(tree)
    assert find(att, "ItemOperations:Data") is None
    assert parts[int(text(att, "ItemOperations:Part")) - 1] == ATTACHMENT
    # The first 64 bytes of the message as the store keeps it (line ends
    # aside: IMAP gives CRLF).
    head = parts[int(text(rng, "ItemOperations:Part")) - 1]
    assert len(head) == 64
    assert raw.replace(b"\r\n", b"\n").startswith(
        head.replace(b"\r\n", b"\n").rstrip(b"\r"))
    assert text(rng, "ItemOperations:Range") == "0-63"
    assert "the plan is attached." in text(item, "AirSyncBase:Data")
    assert op_status(bad) == 15
    assert len(parts) == 2


def test_multipart_by_base64_query_option(alice, inbox):
    coll, _, _, sid = inbox
    (node,) = responses(itemops(alice, fetch_item(coll, sid)))
    ref = file_ref(find(node, "ItemOperations:Properties"))
    q = eas.base64_query(141, "ItemOperations", device_id=b"b64mp0001",
                         params=[("User", b"alice"), ("Options", b"\x02")])
    r = alice.client.post(q, eas.encode(("ItemOperations:ItemOperations",
                                         [fetch_file(ref)])), version=None)
    assert r.status == 200, r.body
    tree, parts = multipart(r)
    assert parts == [ATTACHMENT]


def test_fetch_size_limit(mail_server, phone_for, mail_log):
    small = phone_for(user="alice", path="/eas-mail-small")
    subject = unique("Big")
    mail_server.deliver("alice", message(subject))
    coll = small.folders()[0][2]
    sid = small.item_id(coll, subject)
    (node,) = responses(itemops(small, fetch_item(coll, sid)))
    ref = file_ref(find(node, "ItemOperations:Properties"))
    whole, ranged = responses(itemops(small, fetch_file(ref)))[0], None
    assert op_status(whole) == 11
    mail_log.wait_for("EAS01217")
    (ranged,) = responses(itemops(small, fetch_file(
        ref, [("ItemOperations:Range", "0-4999")])))
    props = find(ranged, "ItemOperations:Properties")
    assert text(props, "ItemOperations:Range") == "0-999"
    assert data_of(props) == ATTACHMENT[:1000]
    r = small.post("GetAttachment", version="12.1", AttachmentName=ref)
    assert r.status == 413


def test_attachments_forbidden_by_policy(mail_server, phone_for, mail_log):
    p = phone_for(user="alice", path="/eas-mail-noatt")
    subject = unique("No attachments")
    mail_server.deliver("alice", message(subject))
    coll = p.folders()[0][2]
    sid = p.item_id(coll, subject)
    (node,) = responses(itemops(p, fetch_item(coll, sid)))
    ref = file_ref(find(node, "ItemOperations:Properties"))
    (node,) = responses(itemops(p, fetch_file(ref)))
    assert op_status(node) == 16
    mail_log.wait_for("EAS01216")


# ---------------------------------------------------------------- GetAttachment

def test_getattachment_12(alice, inbox, mail_log):
    coll, _, _, sid = inbox
    (node,) = responses(itemops(alice, fetch_item(coll, sid)))
    ref = file_ref(find(node, "ItemOperations:Properties"))
    r = alice.post("GetAttachment", version="12.1", AttachmentName=ref)
    assert r.status == 200
    assert r.header("Content-Type") == "application/octet-stream"
    assert r.body == ATTACHMENT
    r = alice.post("GetAttachment", version="12.1", AttachmentName=sid + ":9")
    assert r.status == 500
    r = alice.post("GetAttachment", version="12.1")
    assert r.status == 400
    mail_log.wait_for("EAS01240")


# ---------------------------------------------------------------- EmptyFolderContents

def test_empty_folder_contents(mail_server, alice, mail_log):
    by_type, by_name = alice.folders()
    trash = by_type[4]
    for i in range(3):
        mail_server.deliver("alice", message(unique("old")), folder="Trash")
    sub = alice.call("FolderCreate", ("FolderHierarchy:FolderCreate", [
        ("FolderHierarchy:SyncKey", alice.folder_key),
        ("FolderHierarchy:ParentId", trash),
        ("FolderHierarchy:DisplayName", unique("kept")),
        ("FolderHierarchy:Type", "12")]))
    assert text(sub, "FolderHierarchy:Status") == "1", sub
    assert len(alice.sync_all(trash)) == 3
    t = itemops(alice, ("ItemOperations:EmptyFolderContents", [
        ("AirSync:CollectionId", trash)]))
    (node,) = responses(t)
    assert node[0] == "ItemOperations:EmptyFolderContents"
    assert op_status(node) == 1
    assert text(node, "AirSync:CollectionId") == trash
    assert mail_server.files("alice", "Trash") == []
    subdirs = [d for d in os.listdir(mail_server.maildir("alice"))
               if d.startswith(".Trash.")]
    assert subdirs, "the subfolder must stay without DeleteSubFolders"
    t = itemops(alice, ("ItemOperations:EmptyFolderContents", [
        ("AirSync:CollectionId", trash),
        ("ItemOperations:Options", [("ItemOperations:DeleteSubFolders",
                                     None)])]))
    assert op_status(responses(t)[0]) == 1
    assert not [d for d in os.listdir(mail_server.maildir("alice"))
                if d.startswith(".Trash.")]


def test_empty_unknown_folder(alice, mail_log):
    alice.folders()
    t = itemops(alice, ("ItemOperations:EmptyFolderContents", [
        ("AirSync:CollectionId", "999999")]),
        ("ItemOperations:EmptyFolderContents", [
            ("AirSync:CollectionId", "../..")]))
    assert [op_status(n) for n in responses(t)] == [6, 6]


def test_move_conversation_unsupported(alice, mail_log):
    t = itemops(alice, ("ItemOperations:Move", [
        ("ItemOperations:ConversationId", b"\x01\x02\x03\x04" * 4),
        ("ItemOperations:DstFldId", "1")]))
    (node,) = responses(t)
    assert op_status(node) == 156
    assert find(node, "ItemOperations:ConversationId")[1] == b"\x01\x02\x03\x04" * 4
    mail_log.one("EAS01224")
