# SPDX-License-Identifier: Apache-2.0
"""build/demo-server as a newcomer runs it, from a copy of the checkout
(the build directory copied as its out/, so that the demo's build has
nothing to do): it starts, answers, refuses TRACE and stops, in a
directory anyone may enter and, as root, in one www-data cannot enter;
a start that fails, of httpd or of Radicale, says why and exits 1.  A
phone sees mail, the seeded calendar, tasks and contacts from the demo's
Radicale; stopping the demo stops Radicale; what the phone changed
survives a restart.  With EAS_DEMO_MAIL=imap the mail comes from the
demo's own Dovecot: its seeded messages sync, a delivery by LMTP wakes a
Ping through Dovecot's push plugin, and stopping the demo stops
Dovecot."""

import base64
import http.client
import os
import pwd
import re
import shutil
import smtplib
import socket
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

import conftest
import eas
import httpd
from eas import EAS_PATH
from pim_httpd import A, Phone
from prov_httpd import provision

CFG = conftest._load_config()
pytestmark = [
    pytest.mark.skipif(bool(CFG.SAN_PRELOAD), reason="the demo's httpd does "
                       "not preload the sanitizer runtimes"),
    pytest.mark.skipif(os.path.realpath(CFG.TOP_BUILDDIR)
                       == os.path.realpath(CFG.TOP_SRCDIR),
                       reason="the demo builds in out/, not in the tree"),
]
IGNORE = shutil.ignore_patterns(".git", "out", "out-*", "demo-run",
                                "fuzz-run", "__pycache__", ".pytest_cache")


def make_checkout(parent):
    """A copy of the checkout in parent/mod_eas, built."""
    top = os.path.join(parent, "mod_eas")
    shutil.copytree(CFG.TOP_SRCDIR, top, symlinks=True, ignore=IGNORE)
    shutil.copytree(CFG.TOP_BUILDDIR, os.path.join(top, "out"),
                    symlinks=True)
    return top


def demo_server(top, port, *args, env=None):
    env = dict(os.environ, EAS_DEMO_LISTEN="127.0.0.1:%d" % port,
               **(env or {}))
    return subprocess.run([os.path.join(top, "build", "demo-server")]
                          + list(args), capture_output=True, text=True,
                          env=env, timeout=600)


class Demo:
    def __init__(self, parent):
        self.parent = parent
        self.top = make_checkout(parent)
        self.port = httpd.free_port()
        self.started = None

    def start(self, env=None):
        self.started = demo_server(self.top, self.port, env=env)
        return self.started

    def dav_port(self):
        """Radicale's port, as the start printed it."""
        m = re.search(r"\(Radicale\) at http://127\.0\.0\.1:(\d+)/",
                      self.started.stdout)
        assert m, self.started.stdout
        return int(m.group(1))

    def stop(self):
        return demo_server(self.top, self.port, "stop")

    def client(self):
        return eas.Client(self.port, user="demo", password="demo")

    def remove(self):
        run = os.path.join(self.top, "demo-run")
        if os.path.islink(run):
            real = os.path.realpath(run)
            shutil.rmtree(real, ignore_errors=True)
            try:
                os.rmdir(os.path.dirname(real))     # if no other is left
            except OSError:
                pass
        shutil.rmtree(self.parent, ignore_errors=True)


def open_demo(parent):
    """A started demo in a checkout under parent (stopped and removed by
    the caller)."""
    demo = Demo(parent)
    res = demo.start()
    assert res.returncode == 0, res.stdout + res.stderr
    return demo


@pytest.fixture(scope="module")
def demo():
    parent = tempfile.mkdtemp(prefix="mod_eas-demo-")
    os.chmod(parent, 0o755)
    d = open_demo(parent)
    yield d
    d.stop()
    d.remove()


def answers(demo):
    """OPTIONS, and a FolderSync that needs the state database (the demo
    asks for provisioning: Status 142)."""
    c = demo.client()
    try:
        assert c.options().status == 200
        r = c.post(eas.plain_query("FolderSync", user="demo"),
                   body=eas.folder_sync())
        assert r.status == 200, (r.status, r.body)
        assert eas.status_of(r.tree()) == 142
    finally:
        c.close()


def test_demo_answers(demo):
    assert "mod_eas answers at http://127.0.0.1:%d%s" % (
        demo.port, EAS_PATH) in demo.started.stdout
    answers(demo)


def test_demo_refuses_trace(demo):
    # TRACE would echo the Authorization header back.
    conn = http.client.HTTPConnection("127.0.0.1", demo.port, timeout=30)
    try:
        auth = eas.basic_auth("demo", "demo")
        conn.request("TRACE", EAS_PATH, headers={"Authorization": auth})
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    assert r.status == 405
    assert auth.split()[1].encode() not in body


def test_demo_from_a_directory_www_data_cannot_enter():
    # A checkout in /root or a directory made by mktemp -d: httpd's
    # children (www-data) cannot enter it, so demo-run lives elsewhere.
    if os.geteuid() != 0:
        pytest.skip("as another user the children are that user")
    parent = tempfile.mkdtemp(prefix="mod_eas-demo-")   # mode 0700
    demo = Demo(parent)
    try:
        res = demo.start()
        assert res.returncode == 0, res.stdout + res.stderr
        run = os.path.join(demo.top, "demo-run")
        real = os.path.realpath(run)
        assert os.path.islink(run) and real.startswith(
            "/var/lib/mod_eas-demo/"), res.stdout
        assert "www-data cannot enter %s" % demo.top in res.stdout
        answers(demo)
        sends_mail(demo, real)
        sees_groupware(demo)
        radicale_is_www_data(demo, real)
        # Started again, it keeps the same place.
        res = demo.start()
        assert res.returncode == 0, res.stdout + res.stderr
        assert os.path.realpath(run) == real
        answers(demo)
        res = demo.stop()
        assert res.returncode == 0 and "stopped" in res.stdout, res.stdout
        assert not os.path.exists(os.path.join(real, "httpd.pid"))
        assert not os.path.exists(os.path.join(real, "radicale.pid"))
    finally:
        demo.stop()
        demo.remove()


def sends_mail(demo, real):
    """A provisioned phone's SendMail reaches the demo user's Maildir: the
    children run the demo's sendmail and write there."""
    c = demo.client()
    try:
        _, key = provision(c, device_id="demophone1")
        subject = "demo %s" % uuid.uuid4().hex
        mime = ("From: demo@demo.example\r\nTo: demo@demo.example\r\n"
                "Subject: %s\r\n\r\nHello.\r\n" % subject).encode()
        r = c.post(eas.plain_query("SendMail", user="demo",
                                   device_id="demophone1"),
                   body=eas.encode(("ComposeMail:SendMail", [
                       ("ComposeMail:ClientId", uuid.uuid4().hex),
                       ("ComposeMail:Mime", mime)])),
                   headers={"X-MS-PolicyKey": str(key)})
        assert r.status == 200 and r.body == b"", (r.status, r.body)
    finally:
        c.close()
    new = os.path.join(real, "mail", "demo", "Maildir", "new")
    for _ in range(50):
        for name in os.listdir(new):
            with open(os.path.join(new, name), "rb") as f:
                if subject.encode() in f.read():
                    return
        time.sleep(0.1)
    raise AssertionError("the message did not arrive in " + new)


def test_failed_start_says_why(demo):
    # The port is taken: httpd cannot listen, and the demo says so.
    parent = tempfile.mkdtemp(prefix="mod_eas-demo-")
    os.chmod(parent, 0o755)
    other = Demo(parent)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        other.port = s.getsockname()[1]
        try:
            res = other.start()
        finally:
            other.stop()
            other.remove()
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "demo-server: httpd did not start" in res.stderr, out
    assert "Address already in use" in out, out
    assert "mod_eas answers" not in out, out


def test_failed_radicale_start_says_why(demo):
    # Radicale's port is taken: it cannot listen, the demo says so and
    # httpd is not started.
    parent = tempfile.mkdtemp(prefix="mod_eas-demo-")
    os.chmod(parent, 0o755)
    other = Demo(parent)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        taken = "127.0.0.1:%d" % s.getsockname()[1]
        try:
            res = other.start(env={"EAS_DEMO_DAV_LISTEN": taken})
            httpd_open = port_open(other.port)
        finally:
            other.stop()
            other.remove()
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "demo-server: Radicale did not start" in res.stderr, out
    assert "radicale.log:" in res.stderr, out
    assert "Address already in use" in out, out
    assert "mod_eas answers" not in out and not httpd_open, out


# ---------------------------------------------------------------- groupware

C = "Contacts:"
CAL = "Calendar:"
T = "Tasks:"


class DemoPhone(Phone):
    """A phone of the demo user, provisioned (the demo asks for the
    policy): FolderSync and Sync as pim_httpd.Phone does them."""

    def __init__(self, demo, device):
        self.c = demo.client()
        self.user, self.device, self.version = "demo", device, "14.1"
        self.keys, self.folders = {}, {}
        _, self.policy = provision(self.c, device_id=device)

    def post(self, cmd, tree):
        r = self.c.post(eas.plain_query(cmd, user=self.user,
                                        device_id=self.device),
                        eas.encode(tree), version=self.version,
                        headers={"X-MS-PolicyKey": str(self.policy)})
        assert r.status == 200, (r.status, r.body[:300])
        return r.tree()

    def folder_named(self, name, ftype):
        ids = [i for i, f in self.folders.items() if f == (name, ftype)]
        assert len(ids) == 1, (name, ftype, self.folders)
        return ids[0]

    def items(self, name, ftype, ns, field):
        """Every item of a folder, by its field (e.g. the Subject)."""
        adds = self.sync_all(self.folder_named(name, ftype))
        return {eas.text_of(a, ns + field): a for a in adds.values()}


def port_open(port):
    with socket.socket() as s:
        s.settimeout(5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def sees_groupware(demo):
    """Mail and the seeded calendar, task list and address book."""
    phone = DemoPhone(demo, "demopim%s" % uuid.uuid4().hex[:8])
    try:
        phone.folder_sync()
        phone.folder_named("Inbox", 2)
        events = phone.items("Calendar", 8, CAL, "Subject")
        assert set(events) == {"Company holiday", "Team meeting",
                               "Lunch with Ann"}, events
        assert eas.text_of(events["Company holiday"],
                           CAL + "AllDayEvent") == "1"
        meeting = events["Team meeting"]
        assert eas.text_of(meeting, CAL + "Type") == "1"       # weekly
        exceptions = eas.find_all(meeting, CAL + "Exception")
        assert sorted("deleted" if eas.text_of(x, CAL + "Deleted") == "1"
                      else eas.text_of(x, CAL + "Subject")
                      for x in exceptions) == [
            "Team meeting (moved to the afternoon)", "deleted"], exceptions
        assert eas.text_of(events["Lunch with Ann"],
                           CAL + "Email") == "ann@example.org"
        tasks = phone.items("Tasks", 7, T, "Subject")
        assert {k: eas.text_of(v, T + "Complete") for k, v in tasks.items()
                } == {"Point a phone at the demo": "0",
                      "Build mod_eas": "1"}, tasks
        people = phone.items("Contacts", 9, C, "FirstName")
        assert set(people) == {"Ann", "Bob", "Carol"}, people
        ann = people["Ann"]
        assert eas.text_of(ann, C + "Birthday").startswith("1985-04-1")
        photo = base64.b64decode(eas.text_of(ann, C + "Picture"))
        assert photo.startswith(b"\x89PNG"), photo[:8]
    finally:
        phone.c.close()


def test_demo_serves_groupware(demo):
    out = demo.started.stdout
    assert demo.dav_port() != demo.port
    assert "(user demo, password demo)" in out.split("(Radicale) at")[1]
    sees_groupware(demo)


def radicale_is_www_data(demo, real):
    """Radicale runs as www-data, its directory that account's alone."""
    with open(os.path.join(real, "radicale.pid")) as f:
        pid = int(f.read())
    with open("/proc/%d/status" % pid) as f:
        uids = re.search(r"^Uid:\s+(.*)$", f.read(), re.M).group(1).split()
    www = pwd.getpwnam("www-data").pw_uid
    assert set(map(int, uids)) == {www}, uids
    st = os.stat(os.path.join(real, "dav"))
    assert st.st_uid == www and st.st_mode & 0o777 == 0o700, oct(st.st_mode)


def add_contact(cid, first, last):
    return (A + "Add", [(A + "ClientId", cid), (A + "ApplicationData", [
        (C + "FirstName", first), (C + "LastName", last)])])


def test_restart_keeps_what_the_phone_changed(demo):
    # The phone adds a contact and deletes a seeded one; the demo stops
    # (Radicale with it) and starts again: neither change is undone.
    phone = DemoPhone(demo, "demopim02")
    phone.folder_sync()
    book = phone.folder_named("Contacts", 9)
    bob = [sid for sid, a in phone.sync_all(book).items()
           if eas.text_of(a, C + "FirstName") == "Bob"]
    c = phone.sync(book, commands=[add_contact("demo-add-1", "Dora", "Dev"),
                                   (A + "Delete", [(A + "ServerId", bob[0])])])
    assert eas.text_of(c, A + "Status") == "1", c
    assert eas.text_of(eas.find_all(c, A + "Responses")[0],
                       A + "Status") == "1", c
    phone.c.close()

    dav_port = demo.dav_port()
    assert port_open(dav_port)
    res = demo.stop()
    assert res.returncode == 0 and "stopped" in res.stdout, res.stdout
    assert not port_open(dav_port) and not port_open(demo.port)
    res = demo.start()
    assert res.returncode == 0, res.stdout + res.stderr

    again = DemoPhone(demo, "demopim03")
    again.folder_sync()
    people = again.items("Contacts", 9, C, "FirstName")
    assert set(people) == {"Ann", "Carol", "Dora"}, people
    assert len(again.items("Calendar", 8, CAL, "Subject")) == 3
    again.c.close()
    # The first phone is told of nothing new: an empty answer (MS-ASCMD
    # 2.2.2.20).
    phone.c = demo.client()
    query = eas.plain_query("Sync", user="demo", device_id="demopim02")
    r = phone.c.post(query, eas.encode((A + "Sync", [(A + "Collections", [
        (A + "Collection", [(A + "SyncKey", phone.keys[book]),
                            (A + "CollectionId", book),
                            (A + "GetChanges", None)])])])),
        headers={"X-MS-PolicyKey": str(phone.policy)})
    phone.c.close()
    assert r.status == 200 and r.body == b"", (r.status, r.body)


# ---------------------------------------------------------------- imap

E = "Email:"


def dovecot_ports(started):
    """Dovecot's IMAP and LMTP ports, as the start printed them."""
    m = re.search(r"IMAP at imap://127\.0\.0\.1:(\d+) and LMTP at "
                  r"127\.0\.0\.1:(\d+) ", started.stdout)
    assert m, started.stdout
    return int(m.group(1)), int(m.group(2))


def pinged(phone, folder, out):
    out["tree"] = phone.post("Ping", ("Ping:Ping", [
        ("Ping:HeartbeatInterval", "120"),
        ("Ping:Folders", [("Ping:Folder", [("Ping:Id", folder),
                                           ("Ping:Class", "Email")])])]))


def push_by_lmtp(demo, phone, inbox, lmtp_port):
    """A Ping on the Inbox is woken by a delivery by LMTP: Dovecot's push
    plugin calls the demo's eas-notify location (the safety net is 300 s
    away, the heartbeat 120 s)."""
    out = {}
    th = threading.Thread(target=pinged, args=(phone, inbox, out))
    th.start()
    time.sleep(1.0)     # the Ping is waiting
    with smtplib.LMTP("127.0.0.1", lmtp_port, timeout=30) as s:
        s.sendmail("carol@example.org", ["demo"],
                   b"From: carol@example.org\r\nTo: demo@demo.example\r\n"
                   b"Subject: pushed by LMTP\r\n\r\nHello.\r\n")
    th.join(150)
    assert not th.is_alive()
    assert eas.text_of(out["tree"], "Ping:Status") == "2", out
    assert eas.text_of(out["tree"], "Ping:Folder") == inbox, out
    with open(os.path.join(demo.top, "demo-run", "logs", "access.log")) as f:
        assert re.search(r'"POST /eas-notify\?user=demo&mailbox=INBOX '
                         r'HTTP/1\.1" 204', f.read())


def send_to_self(phone, subject):
    mime = ("From: demo@demo.example\r\nTo: demo@demo.example\r\n"
            "Subject: %s\r\n\r\nHello.\r\n" % subject).encode()
    r = phone.c.post(eas.plain_query("SendMail", user="demo",
                                     device_id=phone.device),
                     body=eas.encode(("ComposeMail:SendMail", [
                         ("ComposeMail:ClientId", uuid.uuid4().hex),
                         ("ComposeMail:SaveInSentItems", None),
                         ("ComposeMail:Mime", mime)])),
                     headers={"X-MS-PolicyKey": str(phone.policy)})
    assert r.status == 200 and r.body == b"", (r.status, r.body)


def test_demo_on_a_private_dovecot():
    # EAS_DEMO_MAIL=imap: the mail is the demo's Dovecot's, over IMAP.  A
    # phone syncs the two messages seeded by LMTP, a delivery wakes its
    # Ping, what it sends to the demo user arrives by LMTP; stopping the
    # demo stops Dovecot.
    parent = tempfile.mkdtemp(prefix="mod_eas-demo-")
    os.chmod(parent, 0o755)
    demo = Demo(parent)
    try:
        res = demo.start(env={"EAS_DEMO_MAIL": "imap"})
        assert res.returncode == 0, res.stdout + res.stderr
        imap_port, lmtp_port = dovecot_ports(res)
        assert port_open(imap_port) and port_open(lmtp_port)
        run = os.path.join(demo.top, "demo-run")
        assert not os.path.exists(os.path.join(run, "mail", "demo"))
        phone = DemoPhone(demo, "demoimap01")
        phone.folder_sync()
        for name, ftype in (("Sent", 5), ("Drafts", 3), ("Trash", 4)):
            phone.folder_named(name, ftype)
        inbox = phone.folder_named("Inbox", 2)
        assert set(phone.items("Inbox", 2, E, "Subject")) == {
            "Welcome to mod_eas", "Push from Dovecot"}
        push_by_lmtp(demo, phone, inbox, lmtp_port)
        assert "pushed by LMTP" in phone.items("Inbox", 2, E, "Subject")
        # The demo's sendmail hands local mail to Dovecot (it has returned
        # once LMTP has taken the message).
        send_to_self(phone, "sent to myself")
        assert "sent to myself" in phone.items("Inbox", 2, E, "Subject")
        phone.c.close()
        # Started again, nothing is seeded twice.
        res = demo.start(env={"EAS_DEMO_MAIL": "imap"})
        assert res.returncode == 0, res.stdout + res.stderr
        again = DemoPhone(demo, "demoimap02")
        again.folder_sync()
        assert sorted(again.items("Inbox", 2, E, "Subject")) == [
            "Push from Dovecot", "Welcome to mod_eas", "pushed by LMTP",
            "sent to myself"]
        again.c.close()
        pid_file = os.path.join(run, "dovecot", "run", "master.pid")
        with open(pid_file) as f:
            pid = int(f.read())
        res = demo.stop()
        assert res.returncode == 0 and "stopped" in res.stdout, res.stdout
        assert not os.path.exists(pid_file)
        assert not os.path.exists("/proc/%d" % pid)
        assert not port_open(imap_port) and not port_open(lmtp_port)
    finally:
        demo.stop()
        demo.remove()
