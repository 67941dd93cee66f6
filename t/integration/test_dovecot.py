# SPDX-License-Identifier: Apache-2.0
"""The private Dovecot the IMAP backend is tested against (dovecot.py):
it offers every IMAP extension the backend relies on, delivers by LMTP,
keeps users apart, and hands out the special-use folders a phone expects."""

import imaplib

import pytest

from dovecot import dovecot  # noqa: F401

# What the IMAP backend uses (issue 13): CONDSTORE/QRESYNC for changes,
# UIDPLUS for the UIDs of APPENDs and COPYs, MOVE, SPECIAL-USE for folder
# types, and the usual session extensions.
NEEDED = ("IMAP4REV1", "LITERAL+", "UIDPLUS", "CONDSTORE", "QRESYNC",
          "SPECIAL-USE", "MOVE", "NAMESPACE", "ENABLE", "ID", "IDLE",
          "NOTIFY")

MESSAGE = (b"From: Sender <sender@example.org>\r\n"
           b"To: alice@example.org\r\n"
           b"Subject: Delivered by LMTP\r\n"
           b"Message-ID: <lmtp-1@example.org>\r\n\r\n"
           b"Hello.\r\n")


def test_offers_what_the_backend_uses(dovecot):
    c = dovecot.imap("alice")
    typ, data = c.capability()         # after login: the full list
    c.logout()
    assert typ == "OK"
    caps = {x.upper() for x in data[0].decode().split()}
    missing = [x for x in NEEDED if x not in caps]
    assert not missing, (missing, sorted(caps))


def test_lmtp_delivery_reaches_the_inbox(dovecot):
    dovecot.deliver("alice", MESSAGE)
    c = dovecot.imap("alice")
    typ, data = c.select("INBOX")
    assert typ == "OK" and int(data[0]) >= 1
    typ, data = c.search(None, "SUBJECT", '"Delivered by LMTP"')
    assert typ == "OK" and data[0].split(), data
    c.logout()


def test_users_are_apart(dovecot):
    with pytest.raises(imaplib.IMAP4.error):
        dovecot.imap("bob", dovecot.users["alice"])
    c = dovecot.imap("bob")
    c.select("INBOX")
    typ, data = c.search(None, "SUBJECT", '"Delivered by LMTP"')
    assert typ == "OK" and not data[0].split()
    c.logout()


def test_special_use_folders(dovecot):
    c = dovecot.imap("alice")
    typ, data = c.list()
    c.logout()
    text = b"\n".join(data).decode()
    for flag, name in (("\\Drafts", "Drafts"), ("\\Sent", "Sent"),
                       ("\\Trash", "Trash"), ("\\Junk", "Junk")):
        assert any(flag in line and name in line
                   for line in text.splitlines()), text
