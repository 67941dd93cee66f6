# SPDX-License-Identifier: Apache-2.0
"""Which mail backend the mail suites run against: the Maildir backend
(EAS_TEST_MAIL=maildir, the default) or the IMAP backend
(EAS_TEST_MAIL=imap), with the same tests and the same answers.

With imap, one private Dovecot serves the whole session (shared(), started
on first use, stopped by conftest at the session's end).  It keeps each
user's mail in exactly the Maildir the test httpd would have used, so the
fixtures keep seeding mail by writing files (Dovecot sees new files in
new/ and cur/, renames and unlinks at its next look) and tests may keep
reading flags from file names (Dovecot keeps them there too).

Every httpd has a Store (httpd.Httpd.mail).  Store.location(directives)
turns a location's "EASMaildir <template>" into the EASBackend imap lines
(imap_directives), with an IMAP login of its own per Maildir template:
"<key>-%u", key naming that template (several httpds of a session have an
"alice", and one httpd may keep a user's mail in two places, e.g.
mail_httpd's /eas-mail-prov).  Store.add_users(passwords) gives Dovecot
each such login with the user's own password (EASIMAPAuth user: the
backend logs in with the request's credentials) and that Maildir.

A test that only holds for the Maildir backend (it reads the backend's own
files, inotify, Maildir permissions) is marked
@mailstore.maildir_only(reason) and skipped with imap; @imap_only the
other way round.
"""

import itertools
import os
import re

import pytest

KIND = os.environ.get("EAS_TEST_MAIL", "maildir")
if KIND not in ("maildir", "imap"):
    raise RuntimeError("EAS_TEST_MAIL is %r: maildir or imap" % KIND)


def maildir_only(reason):
    return pytest.mark.skipif(KIND != "maildir",
                              reason="Maildir backend only: " + reason)


def imap_only(reason):
    return pytest.mark.skipif(KIND != "imap",
                              reason="IMAP backend only: " + reason)


# ---------------------------------------------------------------- files

# Maildir's flag letters as IMAP flags; P (passed) is what IMAP calls the
# $Forwarded keyword.
MAILDIR_FLAGS = {"D": "\\Draft", "F": "\\Flagged", "P": "$Forwarded",
                 "R": "\\Answered", "S": "\\Seen", "T": "\\Deleted"}


def message_flags(path):
    """The IMAP flags of a Maildir message file, from its name: either
    backend's changes, since Dovecot keeps flags in file names too.  Its
    lower-case letters are Dovecot's keywords, named in the folder's
    dovecot-keywords file ("<n> <keyword>": letter a + n)."""
    info = os.path.basename(path).partition(":2,")[2]
    folder = os.path.dirname(os.path.dirname(path))
    keywords = {}
    try:
        with open(os.path.join(folder, "dovecot-keywords")) as f:
            for line in f:
                n, _, word = line.strip().partition(" ")
                if n.isdigit() and int(n) < 26:
                    keywords[chr(ord("a") + int(n))] = word
    except OSError:
        pass
    return {MAILDIR_FLAGS.get(c) or keywords.get(c, c) for c in info}


# ---------------------------------------------------------------- Dovecot

# More processes and clients than Dovecot's defaults (100): every httpd
# child keeps up to EASIMAPConnections per user for EASIMAPIdleTimeout,
# and a session has hundreds of test users.  (A wrong password delays
# the next logins from 127.0.0.1 by a few seconds: Dovecot's auth
# penalty.)
SHARED_EXTRA = """\
default_process_limit = 1000
default_client_limit = 4000
auth_verbose = yes
"""

_shared = None


def shared():
    """The session's Dovecot, started on first use."""
    global _shared
    if _shared is None:
        import dovecot
        d = dovecot.Dovecot(users={}, extra=SHARED_EXTRA)
        d.start()
        _shared = d
    return _shared


def stop_shared(keep=False):
    """At the session's end: stop the Dovecot; its directory stays when a
    test failed or Dovecot logged a crash."""
    global _shared
    if _shared is None:
        return
    d, _shared = _shared, None
    d.stop()
    crashes = d.crashes()
    if keep or crashes:
        print("\nshared Dovecot's config and log kept in %s%s"
              % (d.root, "".join("\n  " + c for c in crashes)))
    else:
        d.cleanup()


# ---------------------------------------------------------------- httpd side

MAILDIR_RE = re.compile(r'^([ \t]*)EASMaildir[ \t]+"?([^"\s]+)"?[ \t]*$',
                        re.M)

_keys = itertools.count(1)
_key_of = {}        # Maildir template (root filled in) -> login key


def imap_directives(indent, port, login):
    """The IMAP backend's lines for a location (the backend's fixed
    configuration; only the server's port and the login differ)."""
    lines = ["EASBackend imap",
             "EASIMAPServer imap://127.0.0.1:%d" % port,
             "EASIMAPLogin %s" % login,
             "EASIMAPAuth user",
             "EASIMAPTimeout 30",
             "EASIMAPWatch auto",
             "EASIMAPCheckInterval 300"]
    return "".join("%s%s\n" % (indent, line) for line in lines)


def expand(template, user):
    """A Maildir (or login) template for user, as EASMaildir reads it:
    %u the user, %l its local part, %d its domain, %% a percent sign."""
    local, _, domain = user.partition("@")
    values = {"u": user, "l": local, "d": domain, "%": "%"}
    return re.sub(r"%(.)", lambda m: values.get(m.group(1), m.group(0)),
                  template)


def login_template(maildir_template):
    """The EASIMAPLogin of the locations whose mail is in that Maildir."""
    if maildir_template not in _key_of:
        _key_of[maildir_template] = "m%d" % next(_keys)
    return _key_of[maildir_template] + "-%u"


class Store:
    """The mail store of one httpd: nothing to do for maildir; for imap
    the Maildir templates its locations use, turned into IMAP logins."""

    def __init__(self, kind=None):
        self.kind = kind or KIND
        self.templates = []
        self.offset = None

    def location(self, directives):
        """A location's directives ({root} filled in) for this store."""
        if self.kind != "imap":
            return directives
        return MAILDIR_RE.sub(self._imap_lines, directives)

    def _imap_lines(self, m):
        indent, template = m.group(1), m.group(2)
        if template not in self.templates:
            self.templates.append(template)
        return imap_directives(indent, shared().port,
                               login_template(template)).rstrip("\n")

    def login(self, user, template):
        """The IMAP login of user at the locations of a Maildir template."""
        return expand(login_template(template), user)

    def add_users(self, passwords):
        """Before httpd starts: each user (user -> password) can log in to
        Dovecot under every template's login, with its own password."""
        if self.kind != "imap":
            return
        d = shared()
        if self.offset is None:
            self.offset = d.log_size()
        d.add_users({self.login(user, template): (password,
                                                  expand(template, user))
                     for template in self.templates
                     for user, password in passwords.items()})

    def poke(self, user):
        """After a test changed user's Maildir files behind the server's
        back: with imap, Dovecot is made to look (one LIST-STATUS as the
        user, under every login of this store), as it does when mail
        comes through it, so that its NOTIFY clients hear of it.  Nothing
        for maildir: the backend reads the files itself."""
        if self.kind != "imap":
            return
        import imaplib
        d = shared()
        for template in self.templates:
            login = self.login(user, template)
            if login not in d.users:
                continue
            m = imaplib.IMAP4("127.0.0.1", d.port)
            try:
                m.login(login, d.users[login])
                m._simple_command("LIST", '""', "*", "RETURN",
                                  "(STATUS (MESSAGES UIDNEXT "
                                  "HIGHESTMODSEQ))")
            finally:
                m.logout()

    def folders_changed(self, maildir):
        """Folders were made, renamed or removed on disk in maildir, as a
        program working on the files does.  With imap, Dovecot is made to
        see them: a session reads a user's folders from disk only at its
        first LIST and keeps them in its mailbox list index, so that the
        sessions the backend keeps see only the folder changes made
        through Dovecot (by any client); a new session of each login of
        that Maildir lists them, and the others read its index.  (A mail
        program working on an IMAP server goes through it anyway.)"""
        if self.kind != "imap":
            return
        d = shared()
        path = os.path.realpath(maildir)
        for login, where in list(d.maildirs.items()):
            if os.path.realpath(where) == path:
                c = d.imap(login)
                try:
                    c.list()
                finally:
                    c.logout()

    def crashes(self):
        """Crash lines Dovecot logged since this store's users came."""
        if self.offset is None:
            return []
        return shared().crashes(self.offset)
