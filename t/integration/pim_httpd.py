# SPDX-License-Identifier: Apache-2.0
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


def locations(dav_url, down_url):
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
        # A DAV server that does not answer (a port nobody listens on).
        PATH + "-down": base.replace(dav_url, down_url)
                        + "    EASDAVTimeout 2\n",
        # Windows narrowed by policy: mail to a day, calendars to 2 weeks.
        PATH + "-policy": base + ("    EASPolicyMaxEmailAgeFilter 1\n"
                                  "    EASPolicyMaxCalendarAgeFilter 4\n"),
        # Groupware items and photos limited to a few kilobytes.
        PATH + "-limits": base + ("    EASMaxItemSize 4096\n"
                                  "    EASMaxPhotoSize 1024\n"),
        # No invitations or cancellations mailed for the user's meetings.
        PATH + "-nomeet": base + "    EASMeetingMail Off\n",
        # One service account asks for every user, under the user's URL.
        PATH + "-service": base.replace(
            "EASDAVURL " + dav_url, "EASDAVURL " + dav_url + "%l/")
            + "    EASDAVAuth service\n"
              "    EASDAVServiceAccount svc svc-dav-pw\n",
        PATH + "-service-shared": base + "    EASDAVAuth service\n"
            "    EASDAVServiceAccount svc svc-dav-pw\n",
    }


class PimServer(httpd.Httpd):
    def __init__(self, cfg, dav):
        super().__init__(cfg, locations={}, dbd=True)
        self.dav = dav
        self.locations = {p: x.replace("{root}", self.root) for p, x in
                          locations("http://127.0.0.1:%d/" % dav.port,
                                    "http://127.0.0.1:%d/"
                                    % radicale_mod.free_port()).items()}
        self.mail_dir = self.mail_root = os.path.join(self.root, "mail")
        self.outbox = os.path.join(self.root, "outbox")

    def passwords(self):
        return dict(self.dav.users)

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
B = "AirSyncBase:"
F = "FolderHierarchy:"
G = "GetItemEstimate:"
IO = "ItemOperations:"
M = "Move:"


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
        if not r.body:
            return None     # a Sync with nothing to say (12.1 and later)
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

    def folder_named(self, name):
        """The id of the folder with that display name."""
        return [i for i, (n, _) in self.folders.items() if n == name][0]

    def folder(self, ftype):
        """The id of the first folder of a type (8 Calendar, 9 Contacts)."""
        return [i for i, (_, t) in self.folders.items() if t == ftype][0]

    CLASSES = {7: "Tasks", 15: "Tasks", 8: "Calendar", 13: "Calendar",
               9: "Contacts", 14: "Contacts", 10: "Notes", 17: "Notes"}

    def class_of(self, coll):
        return self.CLASSES.get(self.folders.get(coll, ("", 0))[1], "Email")

    def prime(self, coll):
        """SyncKey 0 of a collection: its first key, nothing sent."""
        first = self.post("Sync", (A + "Sync", [(A + "Collections", [
            (A + "Collection", [(A + "SyncKey", "0"),
                                (A + "CollectionId", coll)])])]))
        self.keys[coll] = eas.text_of(first, A + "SyncKey")
        return self.keys[coll]

    def sync(self, coll, commands=None, options=None, get_changes=True,
             key=None, window=None):
        """One Sync of one collection; its Collection element, or None
        when the server had nothing to say.  The key answered becomes the
        collection's key."""
        if coll not in self.keys:
            self.prime(coll)
        kids = [(A + "SyncKey", key or self.keys[coll]),
                (A + "CollectionId", coll)]
        if self.version.startswith("12."):
            # 12.x phones name the class before the key.
            kids.insert(0, (A + "Class", self.class_of(coll)))
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
        if t is None:
            return None
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
            if c is None:
                return adds
            assert eas.text_of(c, A + "Status") == "1", c
            for a in eas.find_all(c, A + "Add"):
                adds[eas.text_of(a, A + "ServerId")] = a
            if not eas.find_all(c, A + "MoreAvailable"):
                return adds

    def estimate(self, coll, options=None, key=None):
        """GetItemEstimate of one collection: (Status, Estimate or None)."""
        kids = [(A + "SyncKey", key or self.keys[coll]),
                (G + "CollectionId", coll)]
        if options:
            kids.append((A + "Options", options))
        t = self.post("GetItemEstimate", (G + "GetItemEstimate", [
            (G + "Collections", [(G + "Collection", kids)])]))
        est = eas.text_of(t, G + "Estimate")
        return (int(eas.text_of(t, G + "Status")),
                int(est) if est is not None else None)

    def fetch(self, coll, sid, prefs=None):
        """ItemOperations Fetch of coll + sid, with BodyPreferences
        [(Type, TruncationSize or None)]: the Fetch element answered."""
        body = [(IO + "Store", "Mailbox"), (A + "CollectionId", coll),
                (A + "ServerId", sid)]
        if prefs:
            body.append((IO + "Options", [
                (B + "BodyPreference", [(B + "Type", str(kind))]
                 + ([(B + "TruncationSize", str(size))] if size else []))
                for kind, size in prefs]))
        t = self.post("ItemOperations", (IO + "ItemOperations",
                                         [(IO + "Fetch", body)]))
        assert eas.text_of(t, IO + "Status") == "1", t
        fetches = eas.find_all(t, IO + "Fetch")
        assert len(fetches) == 1, t
        return fetches[0]

    def move(self, sid, src, dst):
        """MoveItems of one item: (Status, DstMsgId or None)."""
        t = self.post("MoveItems", (M + "MoveItems", [(M + "Move", [
            (M + "SrcMsgId", sid), (M + "SrcFldId", src),
            (M + "DstFldId", dst)])]))
        return (int(eas.text_of(t, M + "Status")),
                eas.text_of(t, M + "DstMsgId"))
