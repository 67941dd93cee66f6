# SPDX-License-Identifier: Apache-2.0
"""Request bodies: size limits, Content-Type, WBXML decoding and the answer
to a bad body (HTTP 400 before 14.0; from 14.0 HTTP 200 with the command's
root element and an MS-ASCMD common status where the response has one).

A body the transport accepts reaches the command, which answers for real
(the test server has a state database and a Maildir per user): a
FolderSync with SyncKey 0 gets the folder hierarchy with Status 1, mail
handed to SendMail reaches the server's sendmail."""

import http.client
import socket

import pytest

import eas
import httpd

LIMITS = "/eas-limits"          # EASMaxRequestBody 4096, EASMaxWBXMLDepth 6
NODES = "/eas-limits/nodes"     # inherits those, adds EASMaxWBXMLNodes 20


def check_status_answer(r, root, status):
    assert r.status == 200
    assert r.header("Content-Type") == eas.WBXML_TYPE
    assert int(r.header("Content-Length")) == len(r.body)
    assert r.header("MS-Server-ActiveSync") == "14.1"
    assert r.header("Cache-Control") == "private"
    tree = r.tree()
    assert tree[0] == root
    assert eas.status_of(tree) == status
    assert len(tree[1]) == 1, tree


def post_bad(client, version, body, path=None, cmd="FolderSync",
             content_type=eas.WBXML_TYPE):
    return client.post(eas.plain_query(cmd), body=body, version=version,
                       content_type=content_type, path=path)


def folder_sync_status(status, body):
    """The Status of a FolderSync answer (HTTP status and body)."""
    assert status == 200, body
    tree = eas.decode(body)
    assert tree[0] == "FolderHierarchy:FolderSync"
    return eas.status_of(tree)


def check_hierarchy(r):
    """The answer to FolderSync with SyncKey 0: the whole hierarchy."""
    assert r.header("Content-Type") == eas.WBXML_TYPE
    assert folder_sync_status(r.status, r.body) == 1
    tree = r.tree()
    assert eas.text_of(tree, "FolderHierarchy:SyncKey") not in (None, "0")
    names = [eas.text_of(a, "FolderHierarchy:DisplayName")
             for a in eas.find_all(tree, "FolderHierarchy:Add")]
    assert "Inbox" in names, tree


# ------------------------------------------------------------ good bodies

def test_valid_body_reaches_command(client, log):
    r = post_bad(client, "14.1", eas.folder_sync())
    check_hierarchy(r)
    assert not log.lines("EAS003")
    assert not log.lines("EAS00401")


def test_short_content_type_accepted(client):
    r = post_bad(client, "14.1", eas.folder_sync(),
                 content_type="application/vnd.ms-sync")
    check_hierarchy(r)


def test_content_type_parameters_and_case(client):
    r = post_bad(client, "12.1", eas.folder_sync(),
                 content_type="Application/VND.MS-SYNC.WBXML; charset=utf-8")
    check_hierarchy(r)


# Ping and Sync may repeat the previous request with an empty body.

def test_empty_body_allowed_ping(client, log):
    # The empty body reached the command, which has nothing to repeat.
    r = client.post(eas.plain_query("Ping"), content_type=None)
    assert r.status == 200
    assert eas.status_of(r.tree()) == 3
    log.one("EAS01431", "none kept from an earlier Ping")


def test_empty_body_allowed_sync(client_for, log):
    # A device that never sent a full Sync has nothing to repeat: the
    # command, not the transport, asks for the full request (Status 13).
    c = client_for()
    q = eas.plain_query("Sync", device_id="emptysync01")
    r = c.post(q, content_type=None)
    assert r.status == 200
    tree = r.tree()
    assert tree[0] == "AirSync:Sync"
    assert eas.status_of(tree) == 13
    assert not log.lines("EAS003")


def outgoing(subject, body):
    return ("From: alice@example.org\r\nTo: Bob <bob@example.org>\r\n"
            "Subject: %s\r\n\r\n%s\r\n" % (subject, body)).encode()


def check_sent(server, before, subject, body):
    """One message went out since before, from alice to bob, intact."""
    sent = server.sent(before)
    assert len(sent) == 1, sent
    args, message = sent[0]
    assert args.split() == ["-i", "-f", "alice@example.org", "--",
                            "bob@example.org"]
    assert ("Subject: %s" % subject).encode() in message
    assert body.encode() in message


def test_sendmail_12_is_mime(client, server):
    # The body is the message itself, handed on as it came; SaveInSent=T
    # keeps a copy in Sent.
    before = server.outbox_names()
    in_sent = len(server.messages("alice", "Sent"))
    mime = outgoing("mime-12", "hello from 12.1")
    r = client.post(eas.plain_query("SendMail", SaveInSent="T"), body=mime,
                    version="12.1", content_type="message/rfc822")
    assert r.status == 200 and r.body == b""
    check_sent(server, before, "mime-12", "hello from 12.1")
    saved = server.messages("alice", "Sent")
    assert len(saved) == in_sent + 1
    assert any(b"Subject: mime-12" in m for m in saved)


def test_sendmail_14_is_wbxml(client, server):
    # The message travels in the WBXML body's Mime element (opaque data).
    before = server.outbox_names()
    body = eas.encode(("ComposeMail:SendMail", [
        ("ComposeMail:ClientId", "body-14-1"),
        ("ComposeMail:Mime", outgoing("wbxml-14", "hello from 14.1"))]))
    r = client.post(eas.plain_query("SendMail"), body=body)
    assert r.status == 200 and r.body == b""
    check_sent(server, before, "wbxml-14", "hello from 14.1")


def test_libwbxml_encoded_body_accepted(client, tmp_path):
    """A body encoded by libwbxml2 (an independent encoder) decodes."""
    import shutil
    import subprocess
    if not shutil.which("xml2wbxml"):
        pytest.skip("xml2wbxml (libwbxml2-utils) not installed")
    src = tmp_path / "fs.xml"
    out = tmp_path / "fs.wbxml"
    src.write_text('<?xml version="1.0"?>\n<!DOCTYPE ActiveSync PUBLIC '
                   '"-//MICROSOFT//DTD ActiveSync//EN" '
                   '"http://www.microsoft.com/">\n<FolderSync '
                   'xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>\n')
    # -a: no public id (ActiveSync sends none), -n: no string table.
    subprocess.run(["xml2wbxml", "-a", "-n", "-o", str(out), str(src)],
                   check=True, capture_output=True)
    body = out.read_bytes()
    assert body == eas.folder_sync()
    r = post_bad(client, "14.1", body)
    check_hierarchy(r)


# ------------------------------------------------------------ size limit

def raw_post(port, path, headers, body_chunks=()):
    """A POST written by hand (http.client would fix up the framing)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    lines = ["POST %s?%s HTTP/1.1" % (path, eas.plain_query("FolderSync")),
             "Host: 127.0.0.1",
             "Authorization: " + eas.basic_auth("alice", httpd.USERS["alice"]),
             "MS-ASProtocolVersion: 14.1",
             "Content-Type: " + eas.WBXML_TYPE] + headers
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    try:
        for chunk in body_chunks:
            s.sendall(chunk)
    except OSError:
        pass        # the server may answer and close before all is sent
    resp = http.client.HTTPResponse(s)
    resp.begin()
    body = resp.read()
    s.close()
    return resp.status, body


def test_content_length_over_default_limit(server, log):
    # Refused from the header alone, before any body byte is sent.
    status, _ = raw_post(server.port, httpd.EAS_PATH,
                         ["Content-Length: %d" % (32 * 1024 * 1024 + 1)])
    assert status == 413
    log.one("EAS00301", "of 33554433 bytes (Content-Length)", "33554432")


def test_content_length_over_configured_limit(server, log):
    status, _ = raw_post(server.port, LIMITS, ["Content-Length: 4097"])
    assert status == 413
    log.one("EAS00301", "4096")


def test_content_length_over_limit_with_expect(server, log):
    # With Expect: 100-continue the refusal comes instead of "100 Continue".
    status, _ = raw_post(server.port, LIMITS, ["Content-Length: 5000",
                                               "Expect: 100-continue"])
    assert status == 413


def test_chunked_over_limit(server, log):
    chunk = b"%x\r\n%s\r\n" % (2000, b"x" * 2000)
    status, _ = raw_post(server.port, LIMITS, ["Transfer-Encoding: chunked"],
                         [chunk, chunk, chunk, b"0\r\n\r\n"])
    assert status == 413
    log.one("EAS00301", "(chunked)")


def test_chunked_under_limit(server):
    body = eas.folder_sync()
    chunk = b"%x\r\n%s\r\n" % (len(body), body)
    status, answer = raw_post(server.port, LIMITS,
                              ["Transfer-Encoding: chunked"],
                              [chunk, b"0\r\n\r\n"])
    assert folder_sync_status(status, answer) == 1


def big_folder_sync(size):
    return eas.folder_sync(sync_key="k" * size)


# A SyncKey the server never gave: once the whole body is read and decoded,
# FolderSync answers Status 9 (start over).  A body cut short or garbled on
# the way would be Status 102 from the transport instead.

def test_large_body_content_length(client, log):
    # Several steps of the growing read buffer, then a clean decode.
    r = post_bad(client, "14.1", big_folder_sync(1024 * 1024))
    assert folder_sync_status(r.status, r.body) == 9
    assert not log.lines("EAS003")


def test_large_body_chunked(server, log):
    body = big_folder_sync(300 * 1024)
    chunks = [b"%x\r\n%s\r\n" % (len(body[i:i + 7000]), body[i:i + 7000])
              for i in range(0, len(body), 7000)]
    status, answer = raw_post(server.port, httpd.EAS_PATH,
                              ["Transfer-Encoding: chunked"],
                              chunks + [b"0\r\n\r\n"])
    assert folder_sync_status(status, answer) == 9
    assert not log.lines("EAS003")


def test_body_at_limit_accepted(client_for, log):
    # Exactly EASMaxRequestBody bytes: read (no 413), then found not to be
    # WBXML.
    c = client_for(path=LIMITS)
    r = c.post(eas.plain_query("FolderSync"), body=b"\x03" * 4096,
               version="14.1")
    check_status_answer(r, "FolderHierarchy:FolderSync", 102)
    log.one("EAS00307")
    assert not log.lines("EAS00301")


# ------------------------------------------------------------ Content-Type

@pytest.mark.parametrize("ctype", ["text/plain", "application/octet-stream",
                                   "application/vnd.ms-sync.wbxmlx", None])
def test_wrong_content_type_12(client, log, ctype):
    r = post_bad(client, "12.1", eas.folder_sync(), content_type=ctype)
    assert r.status == 400
    log.one("EAS00304", "expected application/vnd.ms-sync.wbxml")


@pytest.mark.parametrize("ctype", ["text/plain", None])
def test_wrong_content_type_14(client, log, ctype):
    r = post_bad(client, "14.1", eas.folder_sync(), content_type=ctype)
    check_status_answer(r, "FolderHierarchy:FolderSync", 101)
    log.one("EAS00304")


def test_sendmail_12_needs_rfc822(client, log):
    r = client.post(eas.plain_query("SendMail"), body=eas.folder_sync(),
                    version="12.1", content_type=eas.WBXML_TYPE)
    assert r.status == 400
    log.one("EAS00304", "expected message/rfc822")


def test_missing_body_12(client, log):
    r = post_bad(client, "12.1", b"")
    assert r.status == 400
    log.one("EAS00305", "FolderSync needs a request body")


def test_missing_body_14(client, log):
    r = post_bad(client, "14.0", b"")
    check_status_answer(r, "FolderHierarchy:FolderSync", 101)
    log.one("EAS00305")


def test_body_not_allowed(client, log):
    r = client.post(eas.plain_query("GetAttachment", AttachmentName="1:2:3"),
                    body=b"x", version="14.1")
    assert r.status == 400
    log.one("EAS00306", "GetAttachment takes no request body")


# ------------------------------------------------------------ WBXML errors

BAD_WBXML = {
    "garbage": (None, b"\x00\x01garbage-not-wbxml"),
    "truncated": (None, eas.folder_sync()[:-3]),
    "too_deep": (LIMITS, eas.nested(7)),
    "too_many_nodes": (NODES, eas.wide(20)),
    "too_deep_inherited": (NODES, eas.nested(7)),
}


@pytest.mark.parametrize("case", sorted(BAD_WBXML))
def test_bad_wbxml_12(client, log, case):
    path, body = BAD_WBXML[case]
    r = post_bad(client, "12.1", body, path=path)
    assert r.status == 400
    log.one("EAS00307", "FolderSync request body is not valid WBXML", "at byte")


@pytest.mark.parametrize("case", sorted(BAD_WBXML))
def test_bad_wbxml_14(client, log, case):
    path, body = BAD_WBXML[case]
    r = post_bad(client, "14.1", body, path=path)
    check_status_answer(r, "FolderHierarchy:FolderSync", 102)
    log.one("EAS00307")


def test_limits_are_per_location(client, log):
    # The documents refused under the small limits decode under the default
    # ones and reach FolderSync, which finds the nested one malformed
    # (Status 10) and takes the wide one's first SyncKey, 0 (Status 1).
    # Refused by the transport, they would be Status 102.
    def status(body, path=None):
        r = post_bad(client, "14.1", body, path=path)
        return folder_sync_status(r.status, r.body)

    assert status(eas.nested(7)) == 10
    assert status(eas.wide(20)) == 1
    # And just under the small ones.
    assert status(eas.nested(6), path=LIMITS) == 10
    assert status(eas.wide(19), path=NODES) == 1
    assert not log.lines("EAS003")


def test_wrong_root_12(client, log):
    body = eas.encode(("AirSync:Sync", None))
    r = post_bad(client, "12.1", body)
    assert r.status == 400
    log.one("EAS00308", "root element AirSync:Sync",
            "expected FolderHierarchy:FolderSync")


def test_wrong_root_14(client, log):
    body = eas.encode(("AirSync:Sync", None))
    r = post_bad(client, "14.1", body)
    check_status_answer(r, "FolderHierarchy:FolderSync", 103)
    log.one("EAS00308")


@pytest.mark.parametrize("cmd,root", [
    ("Ping", "Ping:Ping"), ("Search", "Search:Search"),
    ("Settings", "Settings:Settings"), ("Provision", "Provision:Provision"),
    ("ItemOperations", "ItemOperations:ItemOperations"),
    ("Sync", "AirSync:Sync"), ("SendMail", "ComposeMail:SendMail"),
    ("MoveItems", "Move:MoveItems"),
    ("GetItemEstimate", "GetItemEstimate:GetItemEstimate")])
def test_status_answer_uses_command_root(client, cmd, root):
    r = post_bad(client, "14.0", b"\x03\x01\x6a\x00\x45", cmd=cmd)
    check_status_answer(r, root, 102)


def test_no_status_element_means_400(client, log):
    # MeetingResponse reports status only in each Result: a bad body is
    # HTTP 400 even in 14.1.
    r = post_bad(client, "14.1", b"garbage", cmd="MeetingResponse")
    assert r.status == 400
    log.one("EAS00307", "MeetingResponse")


@pytest.mark.parametrize("cmd,root,content,tag", [
    ("MoveItems", "Move:MoveItems", None, "EAS00641"),
    ("GetItemEstimate", "GetItemEstimate:GetItemEstimate",
     [("GetItemEstimate:Collections", None)], "EAS01151")])
def test_request_without_items_is_a_status_in_14(client, log, cmd, root,
                                                 content, tag):
    # Nothing to move or estimate: the whole request is malformed, said
    # in the response's own top-level Status from 14.0, HTTP 400 before.
    body = eas.encode((root, content))
    r = client.post(eas.plain_query(cmd), body=body, version="14.1")
    check_status_answer(r, root, 103)
    r = client.post(eas.plain_query(cmd), body=body, version="12.1")
    assert r.status == 400
    assert len(log.wait_for(tag)) == 2, log.text()
