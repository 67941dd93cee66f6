"""Request bodies: size limits, Content-Type, WBXML decoding and the answer
to a bad body (HTTP 400 before 14.0; from 14.0 HTTP 200 with the command's
root element and an MS-ASCMD common status where the response has one)."""

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


# ------------------------------------------------------------ good bodies

def test_valid_body_reaches_dispatch(client, log):
    r = post_bad(client, "14.1", eas.folder_sync())
    assert r.status == 501
    log.one("EAS00401")
    assert not log.lines("EAS003")


def test_short_content_type_accepted(client):
    r = post_bad(client, "14.1", eas.folder_sync(),
                 content_type="application/vnd.ms-sync")
    assert r.status == 501


def test_content_type_parameters_and_case(client):
    r = post_bad(client, "12.1", eas.folder_sync(),
                 content_type="Application/VND.MS-SYNC.WBXML; charset=utf-8")
    assert r.status == 501


@pytest.mark.parametrize("cmd", ["Ping", "Sync"])
def test_empty_body_allowed(client, cmd):
    # Ping and Sync may repeat the previous request with an empty body.
    assert client.post(eas.plain_query(cmd), content_type=None).status == 501


def test_sendmail_12_is_mime(client):
    mime = b"From: alice@example.org\r\nSubject: t\r\n\r\nhello\r\n"
    r = client.post(eas.plain_query("SendMail", SaveInSent="T"), body=mime,
                    version="12.1", content_type="message/rfc822")
    assert r.status == 501


def test_sendmail_14_is_wbxml(client):
    body = eas.encode(("ComposeMail:SendMail", [
        ("ComposeMail:ClientId", "1"),
        ("ComposeMail:Mime", b"Subject: t\r\n\r\nhi\r\n")]))
    assert client.post(eas.plain_query("SendMail"), body=body).status == 501


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
    assert r.status == 501


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
    status, _ = raw_post(server.port, LIMITS, ["Transfer-Encoding: chunked"],
                         [chunk, b"0\r\n\r\n"])
    assert status == 501


def big_folder_sync(size):
    return eas.folder_sync(sync_key="k" * size)


def test_large_body_content_length(client, log):
    # Several steps of the growing read buffer, then a clean decode.
    r = post_bad(client, "14.1", big_folder_sync(1024 * 1024))
    assert r.status == 501
    log.one("EAS00401")


def test_large_body_chunked(server, log):
    body = big_folder_sync(300 * 1024)
    chunks = [b"%x\r\n%s\r\n" % (len(body[i:i + 7000]), body[i:i + 7000])
              for i in range(0, len(body), 7000)]
    status, _ = raw_post(server.port, httpd.EAS_PATH,
                         ["Transfer-Encoding: chunked"], chunks + [b"0\r\n\r\n"])
    assert status == 501
    log.one("EAS00401")


def test_body_at_limit_accepted(client_for):
    # Exactly EASMaxRequestBody bytes: read, then found not to be WBXML.
    c = client_for(path=LIMITS)
    r = c.post(eas.plain_query("FolderSync"), body=b"\x03" * 4096,
               version="14.1")
    assert r.status == 200


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


def test_limits_are_per_location(client):
    # The same documents pass the default limits.
    assert post_bad(client, "14.1", eas.nested(7)).status == 501
    assert post_bad(client, "14.1", eas.wide(20)).status == 501
    # And just under the small ones.
    assert post_bad(client, "14.1", eas.nested(6), path=LIMITS).status == 501
    assert post_bad(client, "14.1", eas.wide(19), path=NODES).status == 501


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
    ("Sync", "AirSync:Sync"), ("SendMail", "ComposeMail:SendMail")])
def test_status_answer_uses_command_root(client, cmd, root):
    r = post_bad(client, "14.0", b"\x03\x01\x6a\x00\x45", cmd=cmd)
    check_status_answer(r, root, 102)


def test_no_status_element_means_400(client, log):
    # MoveItems reports status only per item: a bad body is HTTP 400 even
    # in 14.1.
    r = post_bad(client, "14.1", b"garbage", cmd="MoveItems")
    assert r.status == 400
    log.one("EAS00307", "MoveItems")
