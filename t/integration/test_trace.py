# SPDX-License-Identifier: Apache-2.0
"""The XML dump at LogLevel eas:trace1 (set per location in the test
config): requests and responses appear, passwords never, and message or
item content only with EASTraceBodies On."""

import base64

import eas
import httpd

SECRET = "Tr4ce-S3cret-Passw0rd"
BODY_TEXT = "out-of-office-body-marker"


def search_with_password():
    return eas.encode(("Search:Search", [
        ("Search:Store", [
            ("Search:Name", "DocumentLibrary"),
            ("Search:Query", "trace-query-marker"),
            ("Search:Options", [
                ("Search:UserName", "alice"),
                ("Search:Password", SECRET)])])]))


# Settings is implemented: the request is dumped, then served.
def settings_with_oof_text():
    return eas.encode(("Settings:Settings", [
        ("Settings:Oof", [("Settings:Set", [
            ("Settings:OofState", "1"),
            ("Settings:OofMessage", [
                ("Settings:AppliesToInternal", None),
                ("Settings:Enabled", "1"),
                ("Settings:ReplyMessage", BODY_TEXT)])])])]))


def test_request_xml_logged_secret_hidden(client_for, log):
    c = client_for(path="/eas-trace")
    r = c.post(eas.plain_query("Search"), body=search_with_password())
    assert r.status == 501
    assert log.wait_for("EAS00501")
    text = log.text()
    assert "<Query>trace-query-marker</Query>" in text
    assert "Password" in text
    assert SECRET not in text
    assert log.lines("EAS00502")[0].count("Cmd=Search") == 1


def post_settings(client):
    r = client.post(eas.plain_query("Settings"), body=settings_with_oof_text())
    assert r.status == 200
    tree = r.tree()
    assert tree[0] == "Settings:Settings"
    assert eas.status_of(tree) == 1


def test_body_content_hidden_by_default(client_for, log):
    post_settings(client_for(path="/eas-trace"))
    assert log.wait_for("ReplyMessage")
    assert BODY_TEXT not in log.text()


def test_body_content_with_trace_bodies_on(client_for, log):
    post_settings(client_for(path="/eas-bodies"))
    assert log.wait_for(BODY_TEXT)


def test_secret_hidden_even_with_bodies(client_for, log):
    c = client_for(path="/eas-bodies")
    assert c.post(eas.plain_query("Search"),
                  body=search_with_password()).status == 501
    assert log.wait_for("trace-query-marker")
    assert SECRET not in log.text()


def test_response_xml_logged(client_for, log):
    c = client_for(path="/eas-trace")
    r = c.post(eas.plain_query("Ping"), body=b"not wbxml")
    assert r.status == 200
    lines = log.wait_for("response: ")
    assert any("<Status>102</Status>" in line for line in lines), log.text()


def test_no_dump_without_trace_level(client, log):
    assert client.post(eas.plain_query("Search"),
                       body=search_with_password()).status == 501
    log.one("EAS00401")
    assert not log.lines("EAS005")
    assert "trace-query-marker" not in log.text()


def test_password_of_login_never_traced(client_for, log):
    c = client_for(path="/eas-trace")
    c.post(eas.plain_query("Search"), body=search_with_password())
    log.wait_for("EAS00501")
    text = log.text()
    assert httpd.USERS["alice"] not in text
    token = base64.b64encode(b"alice:" + httpd.USERS["alice"].encode()).decode()
    assert token not in text
