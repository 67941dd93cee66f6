# SPDX-License-Identifier: Apache-2.0
"""The mail suites' harness for the IMAP backend (mailstore.py), without
the backend: a location's Maildir store becomes the IMAP backend's lines,
the session's Dovecot lets each test user in with its own password under
its location's login, and sees what the fixtures write into the Maildir
(new mail, folders, flags in file names) as the Maildir backend would,
and writes the flags an IMAP client sets into the file names the tests
read.  Runs whatever EAS_TEST_MAIL says."""

import imaplib
import os
import re
import tempfile

import pytest

import conftest
import httpd
import mailstore
from sync_httpd import PASSWORD, Mailbox, SyncServer, give, message


@pytest.fixture
def srv():
    """The Sync tests' httpd, configured for IMAP but not started: its
    users are Dovecot's."""
    s = SyncServer(conftest._load_config())
    s.mail = mailstore.Store("imap")
    s.conf_text = s.config_text()
    os.mkdir(s.mail_dir)
    give(s.mail_dir)
    s.mail.add_users(s.passwords())
    yield s
    s.cleanup()


def imap(srv, user, password=PASSWORD):
    (template,) = srv.mail.templates
    c = imaplib.IMAP4("127.0.0.1", mailstore.shared().port, timeout=10)
    c.login(srv.mail.login(user, template), password)
    return c


def subjects(c, mailbox="INBOX"):
    typ, data = c.select('"%s"' % mailbox)
    assert typ == "OK"
    if int(data[0]) == 0:
        return []
    typ, data = c.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert typ == "OK", data
    return sorted(part[1].decode().split(":", 1)[1].strip()
                  for part in data if isinstance(part, tuple))


def flags(c, subject):
    typ, data = c.search(None, "SUBJECT", '"%s"' % subject)
    (num,) = data[0].split()
    typ, data = c.fetch(num, "(FLAGS)")
    return set(re.search(rb"FLAGS \(([^)]*)\)", data[0]).group(1)
               .decode().split())


def test_locations_become_imap_lines(srv):
    blocks = re.findall(r"<Location (\S+)>\n(.*?)</Location>", srv.conf_text,
                        re.S)
    assert len(blocks) == 4, srv.conf_text
    (template,) = srv.mail.templates
    assert template == os.path.join(srv.root, "mail", "%l", "Maildir")
    login = mailstore.login_template(template)
    for path, body in blocks:
        assert "EASMaildir" not in body, body
        assert "    EASBackend imap\n" in body, body
        assert ("    EASIMAPServer imap://127.0.0.1:%d\n"
                % mailstore.shared().port) in body
        assert "    EASIMAPLogin %s\n" % login in body
        assert "EASProvisioning Off" in body or path == "/eas-sync-prov"
    # A location without a Maildir store is left alone.
    assert mailstore.Store("imap").location("    EASProvisioning Off\n") \
        == "    EASProvisioning Off\n"
    # Maildir: nothing changes.
    maildir = '    EASMaildir "/srv/%l/Maildir"\n'
    assert mailstore.Store("maildir").location(maildir) == maildir


def test_users_log_in_with_their_passwords(srv):
    a, b = srv.next_user(), srv.next_user()
    imap(srv, a).logout()
    # The same user at another httpd (another template) is another login.
    other = mailstore.Store("imap")
    other.location('    EASMaildir "/nonexistent/%l/Maildir"\n')
    assert other.login(a, other.templates[0]) != srv.mail.login(
        a, srv.mail.templates[0])
    # Users are apart: b's login with b's password sees b's Inbox only.
    Mailbox(srv, a).deliver(message(1, subject="for a only"))
    Mailbox(srv, b)
    c = imap(srv, b)
    assert subjects(c) == []
    c.logout()


def test_what_the_fixture_writes_is_what_imap_sees(srv):
    box = Mailbox(srv, srv.next_user())
    path = box.deliver(message(1, subject="seeded in cur"), age_days=3)
    box.deliver(message(2, subject="seeded in new"), new=True)
    box.make_folder("Projets été")
    box.deliver(message(3, subject="in a folder"), folder="Projets été")
    c = imap(srv, box.user)
    typ, data = c.list()
    listing = b"\n".join(data).decode()
    # The special folders, as the Maildir backend makes them; the UTF-8
    # folder name on disk, in modified UTF-7 on the wire.
    for name in ("Drafts", "Sent", "Trash", "Junk"):
        assert re.search(r'\\%s\b[^)]*\) "/" "?%s"?$' % (name, name),
                         listing, re.M), listing
    assert "Projets &AOk-t&AOk-" in listing, listing
    assert subjects(c) == ["seeded in cur", "seeded in new"]
    assert subjects(c, "Projets &AOk-t&AOk-") == ["in a folder"]
    # The received time is the file's.
    c.select("INBOX")
    typ, data = c.search(None, "SENTSINCE", "1-Jan-2000", "OLDER",
                         str(2 * 86400))
    assert len(data[0].split()) == 1, data
    # Another program flags the message by renaming its file: IMAP sees
    # it; an IMAP client marks it read: the file name says so.
    os.rename(path, path + "F")
    c.noop()            # as any client asks for news
    assert flags(c, "seeded in cur") >= {"\\Flagged"}
    typ, data = c.search(None, "SUBJECT", '"seeded in cur"')
    c.store(data[0].split()[0], "+FLAGS", "(\\Seen)")
    base = os.path.basename(path).partition(":")[0]
    assert box.files()[base] == "FS"
    # A message removed by another program is gone for IMAP too.
    os.unlink(box.path_of(base))
    assert subjects(c) == ["seeded in new"]
    c.logout()


def test_two_maildirs_of_one_user_are_two_logins():
    """One httpd keeping a user's mail in two places (mail_httpd's
    /eas-mail and /eas-mail-prov) gives the user two IMAP logins, each on
    its own Maildir."""
    root = tempfile.mkdtemp(prefix="mod_eas-mailstore-")
    os.chmod(root, 0o755)
    try:
        store = mailstore.Store("imap")
        store.location("    EASMaildir %s/one/%%l/Maildir\n"
                       "    EASMaildir %s/two/%%l/Maildir\n" % (root, root))
        store.add_users({"carol@example.org": "carol-pw"})
        for name in ("one", "two"):
            box = os.path.join(root, name, "carol", "Maildir")
            for sub in ("cur", "new", "tmp"):
                os.makedirs(os.path.join(box, sub))
            with open(os.path.join(box, "new", "1.M1P1.test"), "wb") as f:
                f.write(message(1, subject="in " + name).as_bytes())
            httpd.give_to_run_user(os.path.join(root, name))
        seen = []
        for template in store.templates:
            c = imaplib.IMAP4("127.0.0.1", mailstore.shared().port,
                              timeout=10)
            c.login(store.login("carol@example.org", template), "carol-pw")
            seen.append(subjects(c))
            c.logout()
        assert seen == [["in one"], ["in two"]]
    finally:
        import shutil
        shutil.rmtree(root, ignore_errors=True)


# Last: after a failure Dovecot delays the next logins from the address.

def test_a_wrong_password_is_refused(srv):
    user = srv.next_user()
    imap(srv, user).logout()
    with pytest.raises(imaplib.IMAP4.error):
        imap(srv, user, "not-" + PASSWORD)
