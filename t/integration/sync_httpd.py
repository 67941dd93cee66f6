# SPDX-License-Identifier: Apache-2.0
"""A private httpd for the Sync tests: mod_dbd with a state database
(SQLite, or PostgreSQL: statedb.py) and Maildirs under its own directory,
one per test user.

Use it from a test module by importing the fixtures:

    from sync_httpd import sync_server, sync_log, mailbox  # noqa: F401

Each test takes a fresh user (mailbox fixture): its own Maildir, so tests
never see each other's mail; the state database is shared like a real
server's.  Messages are realistic RFC 5322 mail made with Python's email
package.
"""

import email.message
import email.policy
import email.utils
import grp
import itertools
import os
import pwd
import time

import pytest

import conftest
import eas
import httpd

# Locations: provisioning is off (the gate has its own tests); the
# Maildir of user u is <root>/mail/u/Maildir.
MAILDIR = '    EASMaildir "{root}/mail/%l/Maildir"\n'
BASE = MAILDIR + "    EASProvisioning Off\n"
LOCATIONS = {
    "/eas-sync": BASE,
    "/eas-sync-small": BASE + "    EASMaxSyncCollections 2\n"
                              "    EASMaxWindowSize 50\n",
    "/eas-sync-maxage": BASE + "    EASPolicyMaxEmailAgeFilter 2\n",
    # Provisioning on: a device provisions before it syncs.
    "/eas-sync-prov": MAILDIR + "    EASPolicyPasswordRequired On\n",
}
PATH = "/eas-sync"
PASSWORD = "sync-pw-1"
NUSERS = 64


def user_names():
    return ["sync%02d" % i for i in range(NUSERS)] + ["syncb%02d@example.org"
                                                      % i for i in range(8)]


class SyncServer(httpd.Httpd):
    def __init__(self, cfg):
        super().__init__(cfg, locations={}, dbd=True)
        self.locations = {p: x.replace("{root}", self.root)
                          for p, x in LOCATIONS.items()}
        self.mail_dir = os.path.join(self.root, "mail")
        self._users = iter(user_names())

    def passwords(self):
        out = dict(eas.USERS)
        out.update((u, PASSWORD) for u in user_names() if u not in out)
        return out

    def start(self):
        os.mkdir(self.mail_dir)
        give(self.mail_dir)
        super().start()

    def next_user(self):
        return next(self._users)


def give(path):
    """Files the tests make belong to httpd's user, as delivered mail
    would."""
    user = httpd.run_user()
    if not user:
        return
    uid, gid = pwd.getpwnam(user[0]).pw_uid, grp.getgrnam(user[1]).gr_gid
    if os.path.isdir(path):
        for top, dirs, files in os.walk(path):
            for n in dirs + files:
                os.chown(os.path.join(top, n), uid, gid)
    os.chown(path, uid, gid)


@pytest.fixture(scope="session")
def sync_server(request):
    yield from conftest.serve(SyncServer(conftest._load_config()), request,
                              "Sync")


@pytest.fixture
def sync_log(sync_server):
    yield from conftest.watch_log(sync_server)


# ---------------------------------------------------------------- Maildirs

_seq = itertools.count()


class Mailbox:
    """One user's Maildir on disk, as a delivery agent and another mail
    program would handle it."""

    def __init__(self, server, user):
        self.server = server
        self.user = user
        local = user.split("@")[0]
        self.root = os.path.join(server.mail_dir, local, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
        give(os.path.join(server.mail_dir, local))

    def folder_dir(self, folder=""):
        return os.path.join(self.root, "." + folder) if folder else self.root

    def make_folder(self, name):
        """Made whole under tmp/ and renamed into place, as a mail program
        running as the user would: httpd never sees it half made."""
        d = self.folder_dir(name)
        if os.path.isdir(d):
            return d
        work = os.path.join(self.root, "tmp", "folder.%d" % next(_seq))
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(work, sub))
        open(os.path.join(work, "maildirfolder"), "w").close()
        give(work)
        os.rename(work, d)
        self.server.mail.folders_changed(self.root)
        return d

    def rename_folder(self, name, new_name):
        """Another mail program renames a folder (its directory)."""
        os.rename(self.folder_dir(name), self.folder_dir(new_name))
        self.server.mail.folders_changed(self.root)

    def deliver(self, msg, folder="", age_days=0.0, flags="", new=False):
        """Write msg (bytes or EmailMessage) into the folder with its
        received time age_days ago; returns the file's path."""
        data = msg if isinstance(msg, bytes) else msg.as_bytes(
            policy=email.policy.SMTP)
        when = time.time() - age_days * 86400
        base = "%d.M%dP%d.testhost" % (int(when), next(_seq), os.getpid())
        d = self.folder_dir(folder)
        if new:
            path = os.path.join(d, "new", base)
        else:
            path = os.path.join(d, "cur", base + ":2," + flags)
        tmp = os.path.join(d, "tmp", base)
        with open(tmp, "wb") as f:
            f.write(data)
        os.utime(tmp, (when, when))
        os.rename(tmp, path)
        give(path)
        self.changed()
        return path

    def changed(self):
        """Tell the mail server that files changed behind it (mailstore
        Store.poke): after a test's own renames and removals."""
        self.server.mail.poke(self.user)

    def files(self, folder=""):
        """name -> flags of the messages in cur/ and new/."""
        out = {}
        d = self.folder_dir(folder)
        for sub in ("cur", "new"):
            for n in os.listdir(os.path.join(d, sub)):
                base, _, info = n.partition(":2,")
                out[base] = info
        return out

    def set_flags(self, base, flags, folder=""):
        """Another mail program changes a message's flags: its file goes
        to cur/ with the flags in its name; returns the new path."""
        path = self.path_of(base, folder)
        new = os.path.join(self.folder_dir(folder), "cur",
                           base + ":2," + "".join(sorted(flags)))
        os.rename(path, new)
        self.changed()
        return new

    def path_of(self, base, folder=""):
        d = self.folder_dir(folder)
        for sub in ("cur", "new"):
            for n in os.listdir(os.path.join(d, sub)):
                if n.partition(":")[0] == base:
                    return os.path.join(d, sub, n)
        return None


@pytest.fixture
def mailbox(sync_server):
    return Mailbox(sync_server, sync_server.next_user())


def message(i, subject=None, body=None, html=None, attachment=None,
            sender=("Léa Fontaine", "lea@example.org"), date=None):
    """A realistic message: UTF-8 headers, plain text or
    multipart/alternative, optionally with an attachment."""
    m = email.message.EmailMessage()
    m["From"] = email.utils.formataddr(sender)
    m["To"] = email.utils.formataddr(("Kenji Sato", "kenji@example.org"))
    m["Subject"] = subject or "Message %d – état du projet" % i
    m["Date"] = email.utils.format_datetime(
        date or email.utils.localtime())
    m["Message-ID"] = "<msg%d.%d@example.org>" % (i, next(_seq))
    text = body or ("Bonjour,\n\nvoici le point %d sur le projet.\n\n"
                    "– Léa\n" % i)
    m.set_content(text)
    if html:
        m.add_alternative(html, subtype="html")
    if attachment:
        name, data, ctype = attachment
        main, sub = ctype.split("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return m
