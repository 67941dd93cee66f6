# SPDX-License-Identifier: Apache-2.0
"""Direct Push against a real httpd: Ping wakes on new mail, flag changes
and deletes in watched folders and not in others, answers the heartbeat,
hierarchy changes, bad parameters and the cached request; a newer Ping
ends an older one; a client that hangs up leaves no watch behind; the
limits answer 503; Sync with HeartbeatInterval returns on a change."""

import os
import re
import signal
import threading
import time

import pytest

import conftest
import eas
import mailstore
import sync_httpd
from sync_httpd import PASSWORD, mailbox, message  # noqa: F401
from test_sync import Device, kids, text

P = "Ping:"
A = "AirSync:"

# Short heartbeats keep the tests quick; the limits are small to reach.
PUSH_CONF = "\n".join([
    "EASPingHeartbeat 1 120",
    "EASPingMaxFolders 3",
    "EASPushMaxPerUser 3",
])


class PingServer(sync_httpd.SyncServer):
    def __init__(self, cfg):
        super().__init__(cfg)
        self.server_extra += "\n" + PUSH_CONF + "\n"


@pytest.fixture(scope="module")
def sync_server(request):
    yield from conftest.serve(PingServer(conftest._load_config()), request,
                              "Ping")


@pytest.fixture
def log(sync_server):
    yield from conftest.watch_log(sync_server)


def ping_body(heartbeat=None, folders=None, cls="Email"):
    top = []
    if heartbeat is not None:
        top.append((P + "HeartbeatInterval", str(heartbeat)))
    if folders is not None:
        top.append((P + "Folders", [
            (P + "Folder", [(P + "Id", f), (P + "Class", cls)])
            for f in folders]))
    return eas.encode((P + "Ping", top))


class Answer:
    def __init__(self, resp):
        self.http = resp.status
        self.headers = resp.headers
        self.tree = resp.tree() if resp.status == 200 and resp.body else None
        self.status = (int(text(self.tree, P + "Status"))
                       if self.tree else None)
        folders = [c for c in kids(self.tree) if c[0] == P + "Folders"] \
            if self.tree else []
        self.folders = [c[1] for c in kids(folders[0])] if folders else []
        self.heartbeat = text(self.tree, P + "HeartbeatInterval") \
            if self.tree else None
        self.max_folders = text(self.tree, P + "MaxFolders") \
            if self.tree else None


def ping(dev, heartbeat=None, folders=None, body=None, **kw):
    r = dev.post("Ping", ping_body(heartbeat, folders, **kw)
                 if body is None else body)
    return Answer(r)


class Held:
    """A Ping in a thread of its own, as a phone holds it."""

    def __init__(self, dev, heartbeat, folders, body=None):
        self.answer = None
        self.error = None
        self.done = threading.Event()

        def run():
            try:
                self.answer = ping(dev, heartbeat, folders, body=body)
            except Exception as e:          # noqa: BLE001
                self.error = e
            self.done.set()
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def result(self, timeout=60):
        assert self.done.wait(timeout), "the Ping did not answer"
        if self.error:
            raise self.error
        return self.answer


def waiting(log, count, timeout=10):
    """Wait until count more requests than at the test's start are asleep
    (waits begun minus waits ended, from the error log at debug level)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = log.text()
        if len(re.findall("EAS01423", text)) - len(re.findall("EAS01424",
                                                              text)) >= count:
            return
        time.sleep(0.05)
    raise AssertionError("%d requests did not start waiting" % count)


def synced(srv, user, device="ping01"):
    """A device that has synced its Inbox to the end."""
    dev = Device(srv, user, device=device)
    inbox = dev.folder_id(ftype=2)
    dev.prime(inbox)
    dev.sync_all(inbox)
    return dev, inbox


def second(dev):
    """Another connection of the same phone."""
    return Device(dev.srv, dev.user, device=dev.device)


def other_phone(dev, device, inbox):
    """Another phone of the same user, with its folders and Inbox primed."""
    d = Device(dev.srv, dev.user, device=device)
    d.folders()
    d.prime(inbox)
    return d


def inotify_watches(srv):
    """inotify watches on Maildirs held by httpd's children, from /proc
    (the doorbell directory's watch, made with a process's first wait and
    kept, is not counted)."""
    bell = "ino:%x " % os.stat(os.path.join(srv.root, "mod_eas-push")).st_ino
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if srv.conf.encode() not in f.read():
                    continue
            for fd in os.listdir("/proc/%s/fd" % pid):
                with open("/proc/%s/fdinfo/%s" % (pid, fd)) as f:
                    total += sum(1 for line in f if "inotify wd:" in line
                                 and bell not in line)
        except OSError:
            continue
    return total


# ---------------------------------------------------------------- waking

def test_new_mail_wakes_ping(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    held = Held(second(dev), 60, [inbox])
    waiting(log, 1)
    mailbox.deliver(message(1), new=True)
    a = held.result()
    assert (a.status, a.folders) == (2, [inbox])
    # The Sync it leads to brings the message.
    res = dev.sync_all(inbox)
    assert len(res[0].adds) == 1


def test_flag_change_and_delete_wake_ping(sync_server, mailbox, log):
    path = mailbox.deliver(message(1))
    dev, inbox = synced(sync_server, mailbox.user)
    held = Held(second(dev), 60, [inbox])
    waiting(log, 1)
    os.rename(path, path.replace(":2,", ":2,F"))
    mailbox.changed()
    assert (held.result().status, held.answer.folders) == (2, [inbox])
    change = dev.sync_all(inbox)[0]
    assert len(change.of("Change")) == 1

    held = Held(second(dev), 60, [inbox])
    waiting(log, 1)
    os.unlink(path.replace(":2,", ":2,F"))
    mailbox.changed()
    assert (held.result().status, held.answer.folders) == (2, [inbox])
    assert len(dev.sync_all(inbox)[0].of("Delete")) == 1


def test_unwatched_folder_does_not_wake(sync_server, mailbox, log):
    mailbox.make_folder("Archive")
    dev, inbox = synced(sync_server, mailbox.user)
    start = time.time()
    held = Held(second(dev), 2, [inbox])
    waiting(log, 1)
    mailbox.deliver(message(1), folder="Archive", new=True)
    a = held.result()
    assert a.status == 1, "a change elsewhere woke the Ping"
    assert time.time() - start >= 2
    log.wait_for("woken by the heartbeat")


def test_own_change_wakes_nobody(sync_server, mailbox, log):
    """A change the device made itself through Sync is no news to it."""
    mailbox.deliver(message(1))
    dev = Device(sync_server, mailbox.user, device="ping01")
    inbox = dev.folder_id(ftype=2)
    dev.prime(inbox)
    sid = dev.sync_all(inbox)[0].adds[0]
    held = Held(second(dev), 3, [inbox])
    waiting(log, 1)
    read = [(A + "Change", [(A + "ServerId", sid),
                            (A + "ApplicationData", [("Email:Read", "1")])])]
    dev.sync([dict(id=inbox, key=dev.keys[inbox], commands=read)],
             expect_empty=None)
    assert list(mailbox.files().values()) == ["S"]     # it did change
    assert held.result().status == 1
    # The flag change did wake the wait, which found nothing to tell.
    assert log.lines("woken by a change")


def test_heartbeat_expires_with_status_1(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    start = time.time()
    a = ping(dev, 1, [inbox])
    assert a.status == 1
    assert time.time() - start >= 1


def test_hierarchy_change_gives_7(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    held = Held(second(dev), 60, [inbox])
    waiting(log, 1)
    mailbox.make_folder("Projects")
    assert held.result().status == 7
    # Until it runs FolderSync, the next Ping says so at once.
    assert ping(dev, 60, [inbox]).status == 7


def test_pending_changes_answer_at_once(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    mailbox.deliver(message(1), new=True)
    a = ping(dev, 60, [inbox])
    assert (a.status, a.folders) == (2, [inbox])


def test_unknown_folder_gives_7(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    assert ping(dev, 60, ["nosuchfolder"]).status == 7
    log.wait_for("EAS01434")


# ---------------------------------------------------------------- parameters

def test_bad_heartbeat_gives_5_with_limit(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    low = ping(dev, 0, [inbox])
    assert low.status == 4              # not a positive number
    high = ping(dev, 121, [inbox])
    assert (high.status, high.heartbeat) == (5, "120")
    log.one("EAS01432", "121", "outside 1 to 120")


def test_too_many_folders_gives_6(sync_server, mailbox, log):
    for name in ("A", "B", "C"):
        mailbox.make_folder(name)
    dev, inbox = synced(sync_server, mailbox.user)
    ids = [fid for n, (fid, t) in dev.folders().items()][:4]
    a = ping(dev, 60, ids)
    assert (a.status, a.max_folders) == (6, "3")
    log.one("EAS01433", "4 folders")


def test_empty_ping_without_cache_gives_3(sync_server, mailbox, log):
    dev = Device(sync_server, mailbox.user, device="fresh01")
    dev.folders()
    assert ping(dev, body=b"").status == 3
    log.one("EAS01431")
    # Only a heartbeat, and no folders known: 3 too.
    assert ping(dev, 60).status == 3


def test_empty_ping_reuses_cached_parameters(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    assert ping(dev, 1, [inbox]).status == 1
    start = time.time()
    assert ping(dev, body=b"").status == 1      # heartbeat 1 s, Inbox
    assert time.time() - start >= 1
    held = Held(second(dev), None, None, body=b"")
    waiting(log, 1)
    mailbox.deliver(message(2), new=True)
    assert (held.result().status, held.answer.folders) == (2, [inbox])


def test_malformed_ping_gives_4(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    assert ping(dev, 60, [inbox], cls="Nonsense").status == 4
    log.one("EAS01430", "Folder")


# ---------------------------------------------------------------- lifecycle

def test_newer_ping_ends_older(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    first = Held(second(dev), 100, [inbox])
    waiting(log, 1)
    start = time.time()
    newer = Held(second(dev), 100, [inbox])
    a = first.result(timeout=30)
    assert a.status == 1
    assert time.time() - start < 50, "the older Ping lasted its heartbeat"
    log.wait_for("woken by a newer wait of the device")
    mailbox.deliver(message(1), new=True)
    assert (newer.result().status, newer.answer.folders) == (2, [inbox])


def test_hang_up_leaves_nothing_behind(sync_server, mailbox, log):
    # The Maildir change source's inotify watches are counted; the IMAP
    # one holds no watch of its own.
    watches = mailstore.KIND == "maildir"
    dev, inbox = synced(sync_server, mailbox.user)
    before = inotify_watches(sync_server) if watches else 0
    phones = []
    for i in range(3):
        phones.append(other_phone(dev, "gone%02d" % i, inbox))
    for d in phones:
        d.http.connection().request(
            "POST", "%s?%s" % (d.http.path, eas.plain_query(
                "Ping", user=d.user, device_id=d.device)),
            body=ping_body(100, [inbox]),
            headers={"Authorization": d.http.auth,
                     "MS-ASProtocolVersion": "14.1",
                     "Content-Type": eas.WBXML_TYPE})
    waiting(log, 3)
    assert not watches or inotify_watches(sync_server) > before
    for d in phones:
        d.close()
    deadline = time.time() + 10
    while time.time() < deadline and len(
            log.lines("woken by the client's hang-up")) < 3:
        time.sleep(0.05)
    assert len(log.lines("woken by the client's hang-up")) == 3
    deadline = time.time() + 5
    while watches and time.time() < deadline and \
            inotify_watches(sync_server) > before:
        time.sleep(0.05)
    assert not watches or inotify_watches(sync_server) == before
    # The per-user count came back down too (EASPushMaxPerUser 3): three
    # Pings are admitted again.
    helds = []
    for i in range(3):
        helds.append(Held(other_phone(dev, "gone%02d" % i, inbox), 1,
                          [inbox]))
    assert [h.result().status for h in helds] == [1, 1, 1]


def test_per_user_limit_answers_503(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    helds = []
    for i in range(3):
        helds.append(Held(other_phone(dev, "lim%02d" % i, inbox), 3,
                          [inbox]))
    waiting(log, 3)
    a = ping(other_phone(dev, "lim99", inbox), 3, [inbox])
    assert a.http == 503
    assert a.headers.get("Retry-After") == "60"
    log.wait_for("EASPushMaxPerUser")
    assert [h.result().status for h in helds] == [1, 1, 1]


# ---------------------------------------------------------------- Sync

def test_sync_with_heartbeat_returns_on_change(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    out = {}

    def run():
        out["res"] = dev.sync([dict(id=inbox, key=dev.keys[inbox])],
                              heartbeat=100, expect_empty=None)
    t = threading.Thread(target=run, daemon=True)
    start = time.time()
    t.start()
    waiting(log, 1)
    mailbox.deliver(message(1), new=True)
    t.join(60)
    assert not t.is_alive()
    res = out["res"]
    assert res is not None and len(res[inbox].adds) == 1
    assert time.time() - start < 90


def test_sync_with_heartbeat_times_out_empty(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    start = time.time()
    res = dev.sync([dict(id=inbox, key=dev.keys[inbox])], heartbeat=1,
                   expect_empty=True)
    assert res is None
    assert time.time() - start >= 1


def test_sync_heartbeat_outside_bounds_gives_14(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    r = dev.sync_raw(__import__("test_sync").sync_body(
        [dict(id=inbox, key=dev.keys[inbox])], heartbeat=500))
    tree = r.tree()
    assert text(tree, A + "Status") == "14"
    assert text(tree, A + "Limit") == "120"


def test_empty_sync_reuses_cached_heartbeat(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    assert dev.sync([dict(id=inbox, key=dev.keys[inbox])], heartbeat=1,
                    expect_empty=True) is None
    out = {}

    def run():
        r = dev.sync_raw(b"")
        out["r"] = r
    t = threading.Thread(target=run, daemon=True)
    t.start()
    waiting(log, 1)
    mailbox.deliver(message(1), new=True)
    t.join(60)
    assert not t.is_alive()
    r = out["r"]
    assert r.status == 200 and r.body
    assert len(eas.find_all(r.tree(), A + "Add")) == 1


# ---------------------------------------------------------------- restart
# Last: it restarts the module's httpd.

def test_graceful_restart_answers_held_ping(sync_server, mailbox, log):
    dev, inbox = synced(sync_server, mailbox.user)
    held = Held(second(dev), 100, [inbox])
    waiting(log, 1)
    os.kill(sync_server.proc.pid, signal.SIGUSR1)
    assert held.result(timeout=30).status == 1
    log.wait_for("woken by httpd stopping")
    # The new generation serves Pings.
    deadline = time.time() + 15
    while True:
        try:
            assert ping(second(dev), 1, [inbox]).status == 1
            break
        except (ConnectionError, OSError):
            assert time.time() < deadline
            time.sleep(0.2)
