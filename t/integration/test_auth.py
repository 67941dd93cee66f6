# SPDX-License-Identifier: Apache-2.0
"""Authentication is Apache's; mod_eas checks that there is an
authenticated user and that the request's User parameter names it."""

import pytest

import eas


def test_no_credentials_is_apache_401(client_for, log):
    r = client_for(user=None).post(eas.plain_query("Ping"))
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm="ActiveSync"'
    assert not log.lines("EAS00")


def test_wrong_password_is_401(client_for):
    r = client_for(user="alice", password="wrong").post(eas.plain_query("Ping"))
    assert r.status == 401


def test_unauthenticated_location_refused(client_for, log):
    # A location without authentication: mod_eas refuses to serve and tells
    # the administrator why.
    c = client_for(user=None, path="/eas-noauth")
    r = c.post(eas.plain_query("Ping"))
    assert r.status == 403
    log.one("EAS00201", "configure Apache authentication")


@pytest.mark.parametrize("user,param", [
    ("alice", "alice"),
    ("alice", "ALICE"),
    ("alice", "EXAMPLE\\alice"),
    ("alice", "alice@example.org"),
    ("bob@example.org", "bob"),
    ("bob@example.org", "BOB@example.org"),
    ("bob@example.org", "DOM\\bob@example.org"),
])
def test_user_matches(client_for, user, param):
    r = client_for(user=user).post(eas.plain_query("Ping", user=param))
    assert r.status == 200


@pytest.mark.parametrize("user,param", [
    ("alice", "bob"),
    ("alice", "alice2"),
    ("alice", "ali"),
    ("bob@example.org", "bob@other.org"),
    ("bob@example.org", "alice"),
])
def test_user_mismatch_403(client_for, log, user, param):
    r = client_for(user=user).post(eas.plain_query("Ping", user=param))
    assert r.status == 403
    log.one("EAS00209", "User parameter '%s' does not match" % param.replace(
        "\\", "\\\\"))


def test_base64_user_mismatch_403(client, log):
    q = eas.base64_query(cmd="Ping", params=[("User", b"mallory")])
    assert client.post(q, version=None).status == 403
    log.one("EAS00209", "'mallory'", "'alice'")


def test_authorization_never_logged(client, server, log):
    client.post(eas.plain_query("Ping"))
    client.post(eas.plain_query("Ping", user="bob"))
    text = log.text()
    assert eas.basic_auth("alice", "alice-pw-1").split()[1] not in text
    assert "alice-pw-1" not in text
