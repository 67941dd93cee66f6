# SPDX-License-Identifier: Apache-2.0
"""The request line: both query forms of MS-ASHTTP 2.2.1.1.1, the headers
that go with them, and every way they can be wrong.

A request that passes reaches its command, which answers for real (the
test server has a state database and a Maildir per user): an empty Ping
answers HTTP 200 (Status 3, nothing kept to repeat); commands not
implemented yet (Search, ResolveRecipients, ...) answer 501 at dispatch."""

import base64
import email.utils
import uuid

import pytest

import eas

# ------------------------------------------------------------ parsed forms


def check_hierarchy(r):
    """The answer to FolderSync with SyncKey 0: the whole hierarchy."""
    assert r.status == 200, r.body
    tree = r.tree()
    assert tree[0] == "FolderHierarchy:FolderSync"
    assert eas.status_of(tree) == 1
    names = [eas.text_of(a, "FolderHierarchy:DisplayName")
             for a in eas.find_all(tree, "FolderHierarchy:Add")]
    assert "Inbox" in names, tree
    return tree


def test_plain_query_reaches_command(client, log):
    q = eas.plain_query("FolderSync", user="alice", device_id="Appl12345",
                        device_type="iPhone")
    r = client.post(q, body=eas.folder_sync(), version="14.1",
                    headers={"X-MS-PolicyKey": "3942919513"})
    check_hierarchy(r)
    log.one("EAS00219", "Cmd=FolderSync", "User=alice", "DeviceId=Appl12345",
            "DeviceType=iPhone", "version=14.1", "query=plain",
            "policykey=3942919513")
    assert not log.lines("EAS00401")


def test_not_implemented_response(client, log):
    body = eas.encode(("ResolveRecipients:ResolveRecipients", [
        ("ResolveRecipients:To", "bob")]))
    r = client.post(eas.plain_query("ResolveRecipients"), body=body)
    assert r.status == 501
    assert b"command is not implemented" in r.body
    assert b"POST not supported" not in r.body
    # Allow says what OPTIONS says.
    assert r.header("Allow") == client.options().header("Allow") \
        == "OPTIONS,POST"
    assert r.header("Content-Type").startswith("text/plain")
    log.one("EAS00401", "ResolveRecipients is not implemented")


def test_unknown_command_501_allow(client, log):
    # A command the server does not know at all: the same answer.
    r = client.post(eas.plain_query("Frobnicate"), body=eas.folder_sync())
    assert r.status == 501
    assert r.header("Allow") == "OPTIONS,POST"
    assert b"command is not implemented" in r.body
    log.one("EAS00214", "Frobnicate")


def test_plain_query_url_decoding(client, log):
    q = eas.plain_query("Ping", user="EXAMPLE\\alice", device_type="Test Phone!")
    # "Test Phone!" has a space: not a valid device type (VCHAR only).
    assert client.post(q).status == 400
    log.one("EAS00211")
    q = eas.plain_query("Ping", user="EXAMPLE\\alice", device_type="Test%Phone")
    assert "Test%25Phone" in q
    r = client.post(q)
    assert r.status == 200
    # httpd escapes the backslash in the log.
    log.one("EAS00219", "User=EXAMPLE\\\\alice", "DeviceType=Test%Phone")


def test_base64_query_reaches_dispatch(client, log):
    q = eas.base64_query(version=141, cmd="FolderSync", locale=0x0407,
                         device_id=b"Appl98765", policy_key=1234567890,
                         device_type=b"iPad", params=[("User", b"alice")])
    r = client.post(q, body=eas.folder_sync(), version=None)
    check_hierarchy(r)
    log.one("EAS00219", "Cmd=FolderSync", "User=alice", "DeviceId=Appl98765",
            "DeviceType=iPad", "version=14.1", "query=base64",
            "policykey=1234567890", "locale=0x0407")
    assert not log.lines("EAS00401")


def test_base64_query_spec_example(client_for, log):
    # The example URI of MS-ASHTTP 2.2.1.1.1.1: 14.0, Sync, en-US,
    # device id "v140Device", no policy key, device type "SmartPhone".
    # Sync without a body from a device with nothing cached: the command
    # asks for the full request (Status 13).
    c = client_for(user="alice")
    r = c.post("jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l", version=None)
    assert r.status == 200
    tree = r.tree()
    assert tree[0] == "AirSync:Sync"
    assert eas.status_of(tree) == 13
    log.one("EAS00219", "Cmd=Sync", "User=alice", "DeviceId=v140Device",
            "DeviceType=SmartPhone", "version=14.0", "policykey=none",
            "locale=0x0409")


def test_base64_percent_encoded(client, log):
    q = eas.base64_query(cmd="Ping", device_id=b"abc")
    assert q.endswith("=")
    q = q.replace("=", "%3D").replace("+", "%2B").replace("/", "%2F")
    assert client.post(q, version=None).status == 200
    log.one("EAS00219", "Cmd=Ping", "query=base64")


def test_base64_without_padding(client, log):
    q = eas.base64_query(cmd="Ping", device_id=b"abc").rstrip("=")
    assert client.post(q, version=None).status == 200
    log.one("EAS00219", "Cmd=Ping", "DeviceId=abc", "query=base64")


def test_base64_binary_device_id(client, log):
    raw = bytes(range(0xF0, 0x100))     # a 16-byte GUID
    q = eas.base64_query(cmd="Ping", device_id=raw)
    assert client.post(q, version=None).status == 200
    log.one("EAS00219", "DeviceId=" + raw.hex())


def inbox_item(client, subject):
    """(CollectionId, ItemId) of the Inbox message with that subject, as a
    device of its own finds them: FolderSync, then Sync of the Inbox."""
    def call(cmd, tree):
        r = client.post(eas.plain_query(cmd, device_id="b64finder01"),
                        body=eas.encode(tree))
        assert r.status == 200, r.body
        return r.tree()

    def sync(inbox, key):
        # GetChanges only once there is a key (MS-ASCMD).
        changes = [("AirSync:GetChanges", None)] if key != "0" else []
        return call("Sync", ("AirSync:Sync", [("AirSync:Collections", [
            ("AirSync:Collection", [
                ("AirSync:SyncKey", key), ("AirSync:CollectionId", inbox)]
             + changes + [("AirSync:WindowSize", "512")])])]))

    tree = call("FolderSync", ("FolderHierarchy:FolderSync",
                               [("FolderHierarchy:SyncKey", "0")]))
    inbox = [eas.text_of(a, "FolderHierarchy:ServerId")
             for a in eas.find_all(tree, "FolderHierarchy:Add")
             if eas.text_of(a, "FolderHierarchy:Type") == "2"][0]
    key = eas.text_of(sync(inbox, "0"), "AirSync:SyncKey")
    for add in eas.find_all(sync(inbox, key), "AirSync:Add"):
        if eas.text_of(add, "Email:Subject") == subject:
            return inbox, eas.text_of(add, "AirSync:ServerId")
    raise AssertionError("no message %r in the Inbox" % subject)


@pytest.mark.parametrize("options", [b"\x01", b"\x00"])
def test_base64_options_and_params(server, client, log, options):
    # CollectionId and ItemId name the original, which the reply quotes;
    # Options bit 0x01 (SaveInSent) decides whether a copy goes to Sent.
    subject = "Original %s" % uuid.uuid4().hex
    msgid = email.utils.make_msgid(domain="example.org")
    server.deliver("alice", (
        "From: Lea <lea@example.org>\r\nTo: alice@example.org\r\n"
        "Subject: %s\r\nMessage-ID: %s\r\n\r\nThe quoted line.\r\n"
        % (subject, msgid)).encode())
    collection, item = inbox_item(client, subject)
    before = server.outbox_names()
    in_sent = len(server.messages("alice", "Sent"))

    params = [("CollectionId", collection.encode()), ("ItemId", item.encode()),
              ("Options", options), ("User", b"alice")]
    q = eas.base64_query(version=121, cmd="SmartReply", params=params)
    r = client.post(q, body=("To: lea@example.org\r\nSubject: Re: %s\r\n"
                             "\r\nThe answer.\r\n" % subject).encode(),
                    content_type="message/rfc822", version=None)
    assert r.status == 200 and r.body == b"", r.body
    log.one("EAS00219: request: Cmd=SmartReply", "version=12.1",
            "query=base64")
    sent = server.sent(before)
    assert len(sent) == 1, sent
    args, message = sent[0]
    assert args.split()[-1] == "lea@example.org"
    assert ("In-Reply-To: %s" % msgid).encode() in message
    assert b"The answer." in message and b"> The quoted line." in message
    saved = server.messages("alice", "Sent")
    assert len(saved) == in_sent + (1 if options == b"\x01" else 0)


# ------------------------------------------------------------ base64 errors

@pytest.mark.parametrize("raw,reason", [
    (b"\x8d\x09", "header"),                                 # no locale
    (b"\x8d\x09\x09\x04\x10abc", "device id"),                # length > rest
    (b"\x8d\x09\x09\x04\x03abc", "policy key"),               # ends early
    (b"\x8d\x09\x09\x04\x03abc\x03\x01\x02\x03", "policy key length 3"),
    (b"\x8d\x09\x09\x04\x03abc\x00\x09Test", "device type"),  # length > rest
    (b"\x8d\x09\x09\x04\x03abc\x00\x04Test\x08", "parameter runs past"),
    (b"\x8d\x09\x09\x04\x03abc\x00\x04Test\x08\x09alice", "parameter runs past"),
])
def test_base64_bad_lengths(client, log, raw, reason):
    q = base64.b64encode(raw).decode()
    assert client.post(q, version=None).status == 400
    log.one("EAS00207", reason)


def test_base64_unknown_param_tag(client, log):
    q = eas.base64_query(params=[(9, b"x")])
    assert client.post(q, version=None).status == 400
    log.one("EAS00208", "unknown parameter tag 9")


def test_base64_options_wrong_size(client, log):
    q = eas.base64_query(params=[("Options", b"\x01\x02")])
    assert client.post(q, version=None).status == 400
    log.one("EAS00217", "Options is 2 bytes")


def test_base64_control_char_in_param(client, log):
    q = eas.base64_query(params=[("ItemId", b"a\x00b")])
    assert client.post(q, version=None).status == 400
    log.one("EAS00203", "ItemId")


@pytest.mark.parametrize("query", ["!!notbase64!!", "Q", "QUJDRA=", "QUJ==", "QUJD===",
                                   "%zz", "QU%20JD"])
def test_not_base64(client, log, query):
    assert client.post(query, version=None).status == 400
    log.one("EAS00206")


def test_base64_device_id_too_long_binary(client, log):
    q = eas.base64_query(device_id=bytes(range(17)))
    assert client.post(q, version=None).status == 400
    log.one("EAS00210", "17 bytes")


def test_base64_unsupported_version(client, log):
    q = eas.base64_query(version=25)
    assert client.post(q, body=eas.folder_sync(), version=None).status == 400
    log.one("EAS00213", "'2.5' is not supported")


def test_base64_unknown_command_code(client, log):
    q = eas.base64_query(cmd=5)
    assert client.post(q, version=None).status == 501
    log.one("EAS00214", "(code 5)")


# ------------------------------------------------------------ plain errors

@pytest.mark.parametrize("missing", ["Cmd", "User", "DeviceId", "DeviceType"])
def test_missing_parameter(client, log, missing):
    kw = {"cmd": "Ping", "user": "alice", "device_id": "dev1",
          "device_type": "Phone"}
    kw[{"Cmd": "cmd", "User": "user", "DeviceId": "device_id",
        "DeviceType": "device_type"}[missing]] = None
    assert client.post(eas.plain_query(**kw)).status == 400
    log.one("EAS00205", "no %s parameter" % missing)


@pytest.mark.parametrize("device_id", ["abc-def", "a" * 33, "dev/1", "d%C3%A9v"])
def test_bad_device_id(client, log, device_id):
    q = "Cmd=Ping&User=alice&DeviceId=%s&DeviceType=Phone" % device_id
    assert client.post(q).status == 400
    log.one("EAS00210", "DeviceId")


def test_device_id_32_chars_ok(client):
    assert client.post(eas.plain_query("Ping", device_id="A1" * 16)).status == 200


def test_device_type_too_long(client, log):
    assert client.post(eas.plain_query("Ping", device_type="x" * 65)).status == 400
    log.one("EAS00211")


def test_unknown_command(client, log):
    assert client.post(eas.plain_query("Frobnicate")).status == 501
    log.one("EAS00214", "unknown command Frobnicate")


def test_command_not_in_version(client, log):
    # Find exists only from 16.1, which the server does not speak.
    assert client.post(eas.plain_query("Find")).status == 501
    log.one("EAS00215", "Find does not exist in protocol version 14.1")


@pytest.mark.parametrize("version", ["2.5", "16.1", "14", "abc", ""])
def test_unsupported_version(client, log, version):
    assert client.post(eas.plain_query("Ping"), version=version).status == 400
    log.one("EAS00213", "'%s' is not supported" % version,
            "supported: 12.0,12.1,14.0,14.1")


def test_missing_version_header(client, log):
    assert client.post(eas.plain_query("Ping"), version=None).status == 400
    log.one("EAS00212", "no MS-ASProtocolVersion header")


def test_no_query(client, log):
    assert client.post(None).status == 400
    log.one("EAS00202")


@pytest.mark.parametrize("query,tag", [
    ("Cmd=Ping&User=alice&DeviceId=d1&DeviceType=P&Cmd=Sync", "EAS00204"),
    ("Cmd=Ping&User=alice&DeviceId=d1&DeviceType=P&ItemId=1&ItemId=2", "EAS00204"),
    ("Cmd=Ping&User=alice&DeviceId&DeviceType=P", "EAS00203"),
    ("Cmd=Ping&User=alice&DeviceId=d1&DeviceType=P&Item-Id=1", "EAS00203"),
    ("Cmd=Ping&User=alice%zz&DeviceId=d1&DeviceType=P", "EAS00203"),
    ("Cmd=Ping&User=alice%00&DeviceId=d1&DeviceType=P", "EAS00203"),
    ("Cmd=Ping&User=alice%0A&DeviceId=d1&DeviceType=P", "EAS00203"),
    ("Cmd=Ping&User=alice&DeviceId=d1&DeviceType=P&SaveInSent=yes", "EAS00217"),
])
def test_malformed_plain_query(client, log, query, tag):
    assert client.post(query).status == 400
    log.one(tag)


def test_empty_segments_ignored(client):
    q = "&Cmd=Ping&&User=alice&DeviceId=d1&DeviceType=P&"
    assert client.post(q).status == 200


@pytest.mark.parametrize("key", ["abc", "-1", "4294967296", "12 3"])
def test_bad_policy_key(client, log, key):
    r = client.post(eas.plain_query("Ping"), headers={"X-MS-PolicyKey": key})
    assert r.status == 400
    log.one("EAS00216", "X-MS-PolicyKey")


def test_policy_key_zero_is_a_value(client, log):
    r = client.post(eas.plain_query("Ping"), headers={"X-MS-PolicyKey": "0"})
    assert r.status == 200
    log.one("EAS00219", "policykey=0")


def test_no_policy_key(client, log):
    assert client.post(eas.plain_query("Ping")).status == 200
    log.one("EAS00219", "policykey=none")


def test_bad_accept_multipart(client, log):
    r = client.post(eas.plain_query("Ping"),
                    headers={"MS-ASAcceptMultiPart": "yes"})
    assert r.status == 400
    log.one("EAS00217", "MS-ASAcceptMultiPart")
