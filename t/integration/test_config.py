# SPDX-License-Identifier: Apache-2.0
"""Directives are checked when httpd reads its configuration."""

import pytest


def test_base_config_is_valid(server):
    code, out = server.config_test("")
    assert code == 0, out


@pytest.mark.parametrize("line,message", [
    ("EASMaxRequestBody 0", "EASMaxRequestBody: '0' is out of range"),
    ("EASMaxRequestBody 2147483648", "EASMaxRequestBody: '2147483648' is out of range"),
    ("EASMaxRequestBody 10MB", "EASMaxRequestBody: '10MB' is not a whole number"),
    ("EASMaxRequestBody -5", "EASMaxRequestBody: '-5' is not a whole number"),
    ("EASMaxWBXMLDepth 0", "EASMaxWBXMLDepth: '0' is out of range"),
    ("EASMaxWBXMLDepth 257", "EASMaxWBXMLDepth: '257' is out of range"),
    ("EASMaxWBXMLNodes many", "EASMaxWBXMLNodes: 'many' is not a whole number"),
    ("EASMaxWBXMLNodes 99999999999999999999", "is out of range"),
    ("EASTraceBodies maybe", "EASTraceBodies must be On or Off"),
    ("EASMaxWBXMLDepth", "EASMaxWBXMLDepth takes one argument"),
])
def test_bad_directive_rejected(server, line, message):
    code, out = server.config_test("<Location /x>\n    %s\n</Location>" % line)
    assert code != 0
    assert message in out, out


def test_good_directives_accepted(server):
    code, out = server.config_test(
        "<Location /x>\n    SetHandler eas\n    EASMaxRequestBody 1073741824\n"
        "    EASMaxWBXMLDepth 256\n    EASMaxWBXMLNodes 10000000\n"
        "    EASTraceBodies off\n</Location>")
    assert code == 0, out


def test_directives_outside_location(server):
    code, out = server.config_test("EASMaxWBXMLDepth 10\nEASTraceBodies On")
    assert code == 0, out



@pytest.mark.parametrize("line,message", [
    ("EASStateBusyTimeout 3601", "EASStateBusyTimeout: '3601' is not a whole "
     "number of seconds from 0 to 3600"),
    ("EASStateBusyTimeout -1", "EASStateBusyTimeout: '-1' is not a whole"),
    ("EASStateBusyTimeout 2s", "EASStateBusyTimeout: '2s' is not a whole"),
    ("<VirtualHost 127.0.0.1:1>\nEASStateBusyTimeout 2\n</VirtualHost>",
     "cannot occur within <VirtualHost> section"),
    ("<Location /x>\nEASStateBusyTimeout 2\n</Location>",
     "EASStateBusyTimeout not allowed in <Location> context"),
])
def test_state_busy_timeout_checked(server, line, message):
    code, out = server.config_test(line)
    assert code != 0
    assert message in out, out


def test_state_busy_timeout_accepted(server):
    for value in ("0", "1", "3600"):
        code, out = server.config_test("EASStateBusyTimeout " + value)
        assert code == 0, out


@pytest.mark.parametrize("line,message", [
    ("EASBackend pop3",
     "EASBackend: unknown backend 'pop3' (this mod_eas has: maildir, dav, "
     "imap)"),
    ("EASBackend imap calendar",
     "EASBackend: the imap backend cannot serve calendar (it serves: mail)"),
    ("EASIMAPServer pop3://mail.example.org",
     "EASIMAPServer: 'pop3://mail.example.org': is not an imap:// or "
     "imaps:// URL"),
    ("EASIMAPServer imaps://mail.example.org:99999",
     "no host, or a bad port"),
    ("EASIMAPAuth kerberos", "is none of user, master, proxy"),
    ("EASIMAPWatch sometimes", "is none of auto, plugin, notify, idle"),
    ("EASIMAPCheckInterval 1", "is not a whole number of seconds from 5"),
    ("EASBackend", "EASBackend: name a backend"),
    ("EASBackend maildir agenda",
     "EASBackend: unknown class 'agenda' (classes: mail, calendar"),
    ("EASBackend maildir calendar",
     "EASBackend: the maildir backend cannot serve calendar (it serves: "
     "mail)"),
    ("EASMaildir relative/%u", "EASMaildir: 'relative/%u': must be an "
     "absolute path"),
    ("EASMaildir /var/mail/%x", "EASMaildir: '/var/mail/%x'"),
])
def test_backend_directives_checked(server, line, message):
    code, out = server.config_test("<Location /x>\n    %s\n</Location>" % line)
    assert code != 0
    assert message in out, out


def test_backend_directives_accepted(server):
    code, out = server.config_test(
        "<Location /x>\n    SetHandler eas\n    EASBackend maildir mail\n"
        "    EASBackend MAILDIR\n    EASMaildir /var/mail/%d/%l/Maildir\n"
        "    EASLDAPMaildirAttribute mailMessageStore\n</Location>")
    assert code == 0, out
