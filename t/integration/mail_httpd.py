# SPDX-License-Identifier: Apache-2.0
"""A private httpd with Maildir stores, a state database (SQLite or
PostgreSQL: statedb.py) and mail transports, for the ItemOperations,
GetAttachment and SendMail/SmartReply/SmartForward tests.

Use it from a test module by importing the fixtures:

    from mail_httpd import mail_server, mail_log, smtp_sink  # noqa: F401

Each user's Maildir is <root>/mail/<local part>/Maildir.  The locations
differ in how mail leaves (LOCATIONS below): t/bin/fake-sendmail keeping
each message in <root>/outbox, the same program refusing, an SMTP sink on
127.0.0.1, or nothing configured.  Provisioning is off everywhere but at
/eas-mail-prov, the location of a phone's whole flow.
"""

import base64
import grp
import json
import os
import pwd
import socket
import socketserver
import threading
import time
import uuid

import pytest

import conftest
import eas
import httpd

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_SENDMAIL = os.path.join(HERE, "..", "bin", "fake-sendmail")

COMMON = """    EASMaildir {root}/mail/%l/Maildir
    EASMailTemplate %l@example.org
    EASProvisioning Off
"""

LOCATIONS = {
    "/eas-mail": COMMON + "    EASSendmail {root}/bin/sendmail-ok\n",
    "/eas-mail-fail": COMMON + "    EASSendmail {root}/bin/sendmail-fail\n",
    "/eas-mail-smtp": COMMON + "    EASSMTPServer smtp://127.0.0.1:{smtp}\n"
                               "    EASSMTPStartTLS Off\n",
    "/eas-mail-none": COMMON,
    "/eas-mail-small": COMMON + "    EASSendmail {root}/bin/sendmail-ok\n"
                                "    EASMaxFetchSize 1000\n",
    "/eas-mail-noatt": COMMON + "    EASPolicyAllowAttachments Off\n",
    # A phone's whole flow with provisioning on, in Maildirs of its own
    # (<root>/flow/<local part>/Maildir) so that other tests' mail stays
    # out of its counts.
    "/eas-mail-prov": "    EASMaildir {root}/flow/%l/Maildir\n"
                      "    EASMailTemplate %l@example.org\n"
                      "    EASSendmail {root}/bin/sendmail-ok\n"
                      "    EASPolicyPasswordRequired On\n"
                      "    EASPolicyMinPasswordLength 4\n",
}


# ---------------------------------------------------------------- SMTP sink

class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for a submission; RCPT to an address with
    "reject" in it is refused with 550."""

    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self):
        sink = self.server.sink
        env = {"from": None, "rcpts": []}
        self.reply("220 sink ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").strip()
            verb = cmd.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-sink\r\n250-8BITMIME\r\n250 SIZE 100000000")
            elif verb == "HELO":
                self.reply("250 sink")
            elif verb == "MAIL":
                env = {"from": cmd.split(":", 1)[1].split()[0].strip("<>"),
                       "rcpts": []}
                self.reply("250 ok")
            elif verb == "RCPT":
                addr = cmd.split(":", 1)[1].split()[0].strip("<>")
                if "reject" in addr:
                    self.reply("550 5.1.1 no such user")
                else:
                    env["rcpts"].append(addr)
                    self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = bytearray()
                while True:
                    chunk = self.rfile.readline()
                    if not chunk or chunk == b".\r\n":
                        break
                    if chunk.startswith(b".."):
                        chunk = chunk[1:]
                    data += chunk
                sink.received.append(dict(env, message=bytes(data)))
                self.reply("250 queued")
            elif verb == "RSET":
                env = {"from": None, "rcpts": []}
                self.reply("250 ok")
            elif verb == "NOOP":
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _ThreadingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    def __init__(self):
        self.received = []
        self.server = _ThreadingServer(("127.0.0.1", 0), _SmtpHandler)
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- server

class MailServer(httpd.Httpd):
    def __init__(self, cfg, smtp_port):
        super().__init__(cfg, dbd=True)
        self.mail_root = os.path.join(self.root, "mail")
        self.outbox = os.path.join(self.root, "outbox")
        self.locations = {
            p: x.replace("{root}", self.root).replace("{smtp}", str(smtp_port))
            for p, x in LOCATIONS.items()}

    def _owner(self):
        user = httpd.run_user()
        if not user:
            return None
        return pwd.getpwnam(user[0]).pw_uid, grp.getgrnam(user[1]).gr_gid

    def give(self, path):
        """path (and all below it) to httpd's user."""
        owner = self._owner()
        if not owner:
            return
        os.chown(path, *owner)
        for top, dirs, files in os.walk(path):
            for name in dirs + files:
                os.chown(os.path.join(top, name), *owner)

    def _script(self, name, env):
        path = os.path.join(self.root, "bin", name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n%s exec %s \"$@\"\n"
                    % (" ".join("%s='%s'" % kv for kv in env.items()),
                       os.path.abspath(FAKE_SENDMAIL)))
        os.chmod(path, 0o755)

    def start(self):
        for d in (self.mail_root, self.outbox):
            os.mkdir(d)
        # Homes exist; each Maildir is made by the store on first use.
        for user in eas.USERS:
            os.mkdir(os.path.join(self.mail_root, user.split("@")[0]))
        os.chmod(self.outbox, 0o777)
        os.mkdir(os.path.join(self.root, "bin"))
        self._script("sendmail-ok", {"FAKE_SENDMAIL_DIR": self.outbox})
        self._script("sendmail-fail", {
            "FAKE_SENDMAIL_FAIL": "451 4.3.0 relay is down"})
        self.give(self.mail_root)
        super().start()

    # ------------------------------------------------------------ mailboxes

    def maildir(self, user, folder=""):
        """A user's Maildir folder ("" the Inbox, "Sent", "Trash.Sub")."""
        path = os.path.join(self.mail_root, user.split("@")[0], "Maildir")
        return os.path.join(path, "." + folder) if folder else path

    def deliver(self, user, raw, folder=""):
        """Put a message into new/ as a delivery agent would; returns its
        file name."""
        base = self.maildir(user, folder)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(base, sub), exist_ok=True)
        name = "%d.M%dP%d.test" % (time.time_ns() // 10**9, time.time_ns(),
                                   os.getpid())
        tmp = os.path.join(base, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(raw)
        os.rename(tmp, os.path.join(base, "new", name))
        self.give(os.path.join(self.mail_root, user.split("@")[0]))
        return name

    def files(self, user, folder=""):
        """(name, bytes) of every message in a folder."""
        base = self.maildir(user, folder)
        out = []
        for sub in ("cur", "new"):
            d = os.path.join(base, sub)
            if os.path.isdir(d):
                for name in sorted(os.listdir(d)):
                    with open(os.path.join(d, name), "rb") as f:
                        out.append((name, f.read()))
        return out

    def sent_mail(self):
        """What fake-sendmail was given, oldest first: dicts with args
        and message (bytes)."""
        out = []
        for name in sorted(os.listdir(self.outbox)):
            if name.endswith(".json"):
                with open(os.path.join(self.outbox, name)) as f:
                    rec = json.load(f)
                rec["message"] = base64.b64decode(rec["message"])
                out.append(rec)
        return out


@pytest.fixture(scope="session")
def smtp_sink():
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def mail_server(request, smtp_sink):
    yield from conftest.serve(MailServer(conftest._load_config(),
                                         smtp_sink.port), request, "mail")


@pytest.fixture
def mail_log(mail_server):
    yield from conftest.watch_log(mail_server)


# ---------------------------------------------------------------- client side

# The tree helpers, under the names the mail suites use.
find = eas.find
find_all = eas.find_all
text = eas.text_of


class Phone:
    """One user's device at one location, speaking 14.1 unless told."""

    def __init__(self, server, user="alice", path="/eas-mail",
                 device_id=None, version="14.1"):
        self.client = eas.Client(server.port, user=user, path=path)
        self.user = user
        self.device_id = device_id or "mp%s" % uuid.uuid4().hex[:16]
        self.version = version
        self.folder_key = "0"

    def close(self):
        self.client.close()

    def post(self, cmd, body=b"", version=None, headers=None,
             content_type=eas.WBXML_TYPE, **params):
        q = eas.plain_query(cmd, user=self.user, device_id=self.device_id,
                            **params)
        return self.client.post(q, body=body, version=version or self.version,
                                headers=headers, content_type=content_type)

    def call(self, cmd, tree, **kw):
        r = self.post(cmd, eas.encode(tree), **kw)
        assert r.status == 200, (cmd, r.status, r.body)
        return r.tree()

    def folders(self):
        """FolderSync from scratch: {type: id} and {name: id}."""
        t = self.call("FolderSync", ("FolderHierarchy:FolderSync", [
            ("FolderHierarchy:SyncKey", "0")]))
        self.folder_key = text(t, "FolderHierarchy:SyncKey")
        by_type, by_name = {}, {}
        for add in find_all(t, "FolderHierarchy:Add"):
            sid = text(add, "FolderHierarchy:ServerId")
            by_type.setdefault(int(text(add, "FolderHierarchy:Type")), sid)
            by_name[text(add, "FolderHierarchy:DisplayName")] = sid
        return by_type, by_name

    def sync_all(self, collection):
        """Every item of a collection: [(ServerId, ApplicationData)]."""
        def sync(key):
            # GetChanges only once there is a key (MS-ASCMD).
            changes = [("AirSync:GetChanges", None)] if key != "0" else []
            return self.call("Sync", ("AirSync:Sync", [("AirSync:Collections", [
                ("AirSync:Collection", [
                    ("AirSync:SyncKey", key),
                    ("AirSync:CollectionId", collection)]
                 + changes + [("AirSync:WindowSize", "100")])])]))
        t = sync("0")
        key = text(t, "AirSync:SyncKey")
        items = []
        for _ in range(50):
            t = sync(key)
            key = text(t, "AirSync:SyncKey") or key
            for add in find_all(t, "AirSync:Add"):
                items.append((text(add, "AirSync:ServerId"),
                              find(add, "AirSync:ApplicationData")))
            if not find(t, "AirSync:MoreAvailable"):
                break
        return items

    def item_id(self, collection, subject):
        """The ServerId of the message with that subject."""
        for sid, data in self.sync_all(collection):
            if text(data, "Email:Subject") == subject:
                return sid
        raise AssertionError("no message %r in collection %s"
                             % (subject, collection))


@pytest.fixture
def phone_for(mail_server):
    made = []

    def make(**kw):
        p = Phone(mail_server, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()
