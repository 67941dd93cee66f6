# SPDX-License-Identifier: Apache-2.0
"""OPTIONS (MS-ASHTTP 2.2.3/2.2.4) and methods other than POST."""

import eas


def test_options_headers(client):
    r = client.options()
    assert r.status == 200
    assert r.body == b""
    assert r.header("Content-Length") == "0"
    assert r.header("MS-ASProtocolVersions") == "12.0,12.1,14.0,14.1"
    # The newest version implemented.
    assert r.header("MS-Server-ActiveSync") == "14.1"
    assert r.header("Allow") == "OPTIONS,POST"
    assert r.header("Public") == "OPTIONS,POST"
    assert r.header("Cache-Control") == "private"


def test_options_lists_implemented_commands(client):
    # Only implemented commands are listed; the list grows by itself as
    # handlers are added.  Commands that answer 501 are never in it.
    r = client.options()
    listed = r.header("MS-ASProtocolCommands").split(",")
    assert "Provision" in listed and "Settings" in listed
    for cmd in ("ResolveRecipients", "ValidateCert", "Find"):
        assert cmd not in listed


def test_options_list_matches_dispatch(client):
    # A command is listed exactly when it has a handler: an empty request
    # of each kind (the root element alone) answers 501 at dispatch if and
    # only if the command is not listed.
    listed = set(client.options().header("MS-ASProtocolCommands").split(","))
    assert set(eas.CMD_CODES) == set(eas.ROOTS) | {"GetAttachment"}
    assert listed <= set(eas.CMD_CODES)
    for cmd in eas.CMD_CODES:
        if cmd == "GetAttachment":
            r = client.post(eas.plain_query(cmd, AttachmentName="1:1:1"))
        else:
            r = client.post(eas.plain_query(cmd),
                            body=eas.encode((eas.ROOTS[cmd], None)))
        assert (r.status == 501) == (cmd not in listed), (cmd, r.status)


def test_options_needs_credentials(client_for):
    r = client_for(user=None).options()
    assert r.status == 401
    assert r.header("WWW-Authenticate").startswith("Basic")


def test_get_is_405_short_text(client, log):
    r = client.request("GET")
    assert r.status == 405
    assert r.header("Allow") == "OPTIONS,POST"
    assert r.header("Content-Type").startswith("text/plain")
    assert b"<html" not in r.body.lower() and b"index of" not in r.body.lower()
    assert 0 < len(r.body) < 200
    log.one("EAS00405", "method GET not allowed")


def test_head_is_405_without_body(client):
    r = client.request("HEAD")
    assert r.status == 405
    assert r.header("Allow") == "OPTIONS,POST"
    assert r.body == b""


def test_put_is_405(client, log):
    r = client.request("PUT", body=b"x")
    assert r.status == 405
    log.one("EAS00405", "method PUT")


def test_keepalive_after_status_answer(client):
    # A body-level error answered with a Status (HTTP 200) keeps the
    # connection: the body was consumed and the response is complete.
    r = client.post(eas.plain_query(), body=b"garbage", version="14.1")
    assert r.status == 200
    conn = client.conn
    assert conn is not None
    assert client.options().status == 200
    assert client.conn is conn


def test_405_keeps_connection(client):
    assert client.request("GET").status == 405
    conn = client.conn
    assert client.options().status == 200
    assert client.conn is conn


def test_400_closes_connection(client):
    # httpd drops the connection after 400 and 501 (the rest of the request
    # cannot be trusted); the client must see that, not a hang.
    r = client.post(eas.plain_query(), body=eas.folder_sync(), version="2.5")
    assert r.status == 400
    assert r.header("Connection") == "close"
