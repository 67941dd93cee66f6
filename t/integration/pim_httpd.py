"""A private httpd serving mail from Maildir and contacts, calendars,
tasks and notes from a private Radicale (radicale.py), combined in one
folder hierarchy: the groupware suites' server.

Use it from a test module by importing the fixtures:

    from pim_httpd import pim_server, pim_log  # noqa: F401
    from radicale import radicale  # noqa: F401

The users are Radicale's (radicale.USERS), with the same passwords in
httpd's htpasswd: the DAV server is asked with the phone's own
credentials (EASDAVAuth user).
"""

import base64
import hashlib
import json
import os
import time

import pytest

import conftest
import eas
import httpd
import radicale as radicale_mod

PATH = "/eas-pim"
HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_SENDMAIL = os.path.join(HERE, "..", "bin", "fake-sendmail")


def locations(dav_url):
    base = ('    EASMaildir "{root}/mail/%l/Maildir"\n'
            "    EASProvisioning Off\n"
            "    EASBackend maildir\n"
            "    EASBackend dav\n"
            "    EASDAVURL " + dav_url + "\n"
            # Mail leaves through t/bin/fake-sendmail into the outbox.
            "    EASSendmail {root}/bin/sendmail-ok\n"
            "    EASMailTemplate %l@example.org\n")
    return {
        PATH: base,
        # The same, with Sync limits small enough to page through.
        PATH + "-small": base + "    EASMaxWindowSize 5\n",
        # No invitations or cancellations mailed for the user's meetings.
        PATH + "-nomeet": base + "    EASMeetingMail Off\n",
    }


class PimServer(httpd.Httpd):
    def __init__(self, cfg, dav):
        super().__init__(cfg, locations={}, dbd=True)
        self.dav = dav
        self.locations = {p: x.replace("{root}", self.root) for p, x in
                          locations("http://127.0.0.1:%d/" % dav.port).items()}
        self.mail_dir = os.path.join(self.root, "mail")
        self.outbox = os.path.join(self.root, "outbox")

    def write_htpasswd(self):
        path = os.path.join(self.root, "htpasswd")
        with open(path, "w") as f:
            for user, pw in self.dav.users.items():
                digest = base64.b64encode(hashlib.sha1(pw.encode()).digest())
                f.write("%s:{SHA}%s\n" % (user, digest.decode()))
        os.chmod(path, 0o644)

    def start(self):
        os.mkdir(self.mail_dir)
        for user in self.dav.users:
            os.mkdir(os.path.join(self.mail_dir, user))
        httpd.give_to_run_user(self.mail_dir)
        os.mkdir(self.outbox)
        os.chmod(self.outbox, 0o777)
        os.mkdir(os.path.join(self.root, "bin"))
        script = os.path.join(self.root, "bin", "sendmail-ok")
        with open(script, "w") as f:
            f.write("#!/bin/sh\nFAKE_SENDMAIL_DIR='%s' exec %s \"$@\"\n"
                    % (self.outbox, os.path.abspath(FAKE_SENDMAIL)))
        os.chmod(script, 0o755)
        super().start()

    def deliver(self, user, raw):
        """A message into the user's Inbox (new/), as a delivery agent
        puts it."""
        base = os.path.join(self.mail_dir, user, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(base, sub), exist_ok=True)
        name = "%d.M%dP%d.test" % (time.time(), time.time_ns(), os.getpid())
        with open(os.path.join(base, "tmp", name), "wb") as f:
            f.write(raw)
        os.rename(os.path.join(base, "tmp", name),
                  os.path.join(base, "new", name))
        httpd.give_to_run_user(os.path.join(self.mail_dir, user))
        return name

    def sent_mail(self):
        """What fake-sendmail was given, oldest first: dicts with args and
        message (bytes)."""
        out = []
        for name in sorted(os.listdir(self.outbox)):
            if name.endswith(".json"):
                with open(os.path.join(self.outbox, name)) as f:
                    rec = json.load(f)
                rec["message"] = base64.b64decode(rec["message"])
                out.append(rec)
        return out


@pytest.fixture(scope="module")
def pim_server(request, radicale):
    yield from conftest.serve(PimServer(conftest._load_config(), radicale),
                              request, "groupware")


@pytest.fixture
def pim_log(pim_server):
    yield from conftest.watch_log(pim_server)


def password(user):
    return radicale_mod.USERS[user]


# ---------------------------------------------------------------- a phone

A = "AirSync:"
F = "FolderHierarchy:"


class Phone:
    """One device of one user: FolderSync, then Sync per collection with
    the keys it was given, as a phone keeps them."""

    def __init__(self, server, user, device="pim0001", path=PATH,
                 version="14.1"):
        self.c = eas.Client(server.port, user=user, password=password(user),
                            path=path)
        self.user, self.device, self.version = user, device, version
        self.keys = {}
        self.folders = {}           # id -> (name, type)

    def post(self, cmd, tree):
        r = self.c.post(eas.plain_query(cmd, user=self.user,
                                        device_id=self.device),
                        eas.encode(tree), version=self.version)
        assert r.status == 200, (r.status, r.body[:300])
        return r.tree()

    def folder_sync(self):
        t = self.post("FolderSync", (F + "FolderSync",
                                     [(F + "SyncKey", "0")]))
        assert eas.text_of(t, F + "Status") == "1", t
        for add in eas.find_all(t, F + "Add"):
            self.folders[eas.text_of(add, F + "ServerId")] = (
                eas.text_of(add, F + "DisplayName"),
                int(eas.text_of(add, F + "Type")))
        return self.folders

    def folder(self, ftype):
        """The id of the first folder of a type (8 Calendar, 9 Contacts)."""
        return [i for i, (_, t) in self.folders.items() if t == ftype][0]

    def sync(self, coll, commands=None, options=None, get_changes=True,
             key=None, window=None):
        """One Sync of one collection; its Collection element.  The key
        answered becomes the collection's key."""
        if coll not in self.keys:
            first = self.post("Sync", (A + "Sync", [(A + "Collections", [
                (A + "Collection", [(A + "SyncKey", "0"),
                                    (A + "CollectionId", coll)])])]))
            self.keys[coll] = eas.text_of(first, A + "SyncKey")
        kids = [(A + "SyncKey", key or self.keys[coll]),
                (A + "CollectionId", coll)]
        if get_changes:
            kids.append((A + "GetChanges", None))
        if window:
            kids.append((A + "WindowSize", str(window)))
        if options:
            kids.append((A + "Options", options))
        if commands:
            kids.append((A + "Commands", commands))
        t = self.post("Sync", (A + "Sync", [(A + "Collections", [
            (A + "Collection", kids)])]))
        colls = eas.find_all(t, A + "Collection")
        assert len(colls) == 1, t
        if eas.text_of(colls[0], A + "Status") == "1":
            self.keys[coll] = eas.text_of(colls[0], A + "SyncKey")
        return colls[0]

    def sync_all(self, coll, **kw):
        """Sync until nothing more is available; every Add, by ServerId."""
        adds = {}
        while True:
            c = self.sync(coll, **kw)
            assert eas.text_of(c, A + "Status") == "1", c
            for a in eas.find_all(c, A + "Add"):
                adds[eas.text_of(a, A + "ServerId")] = a
            if not eas.find_all(c, A + "MoreAvailable"):
                return adds
