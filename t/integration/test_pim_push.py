# SPDX-License-Identifier: Apache-2.0
"""Direct Push on groupware folders, against a real Radicale: a Ping or a
Sync with Wait on a contacts or calendar folder is answered when another
client changes an item, within the poll interval (EASDAVPollInterval 5)
or, with Radicale's storage hook calling the notification endpoint
(build/radicale-hook), within a second.  The endpoint refuses a wrong
secret and wakes nobody for it, wakes nobody for another user, and a
burst of notifications costs one poll per collection; a DAV server that
is down wakes no waiting Ping and is logged; ten devices waiting on one
collection cost one poll per interval (Radicale's own log counts the
requests)."""

import http.client
import os
import re
import threading
import time
import uuid

import pytest

import conftest
import eas
import radicale as radicale_mod
from pim_httpd import A, Phone, PimServer
from test_ping import P, waiting

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
HOOK = os.path.join(TOP, "build", "radicale-hook")
NOTIFY = "/eas-notify"
SECRET = "0123456789abcdef-notify"
INTERVAL = 5

NOTIFY_LOCATION = """<Location %s>
    SetHandler eas-notify
    EASNotifySecret %s
    Require ip 127.0.0.1
</Location>
""" % (NOTIFY, SECRET)

# One process: a source polls once per interval per process, and the
# tests count one process's polls in Radicale's log.
PUSH_CONF = "\n".join([
    "EASPingHeartbeat 1 300",
    "EASPushMaxPerUser 20",
    "ServerLimit 1\nThreadsPerChild 32\nMaxRequestWorkers 32",
    "MinSpareThreads 4\nMaxSpareThreads 32",
])


class HookRadicale(radicale_mod.Radicale):
    """Radicale with its storage hook running build/radicale-hook, whose
    settings file the tests write (empty: the hook does nothing), and its
    requests logged."""

    def __init__(self):
        super().__init__()
        self.hook_conf = os.path.join(self.root, "hook.conf")
        self.secret_file = os.path.join(self.root, "notify-secret")
        self.hook = "EAS_NOTIFY_CONF=%s %s %%(user)s" % (self.hook_conf, HOOK)
        self.hook_off()

    def config_text(self):
        return super().config_text().replace("level = warning",
                                             "level = info")

    def hook_on(self, url):
        with open(self.secret_file, "w") as f:
            f.write(SECRET)
        with open(self.hook_conf, "w") as f:
            f.write("EAS_NOTIFY_URL=%s\nEAS_NOTIFY_SECRET_FILE=%s\n"
                    % (url, self.secret_file))

    def hook_off(self):
        with open(self.hook_conf, "w") as f:
            f.write("")

    def polls(self, coll, offset):
        """PROPFINDs of depth 0 on coll logged since offset."""
        return len(re.findall(r"PROPFIND request for '%s' with depth '0'"
                              % re.escape(coll), self.log_text()[offset:]))

    def reports(self, coll, offset):
        """REPORTs on coll (listings, as a waiting Ping's look) logged
        since offset."""
        return len(re.findall(r"REPORT request for '%s'" % re.escape(coll),
                              self.log_text()[offset:]))


class PushServer(PimServer):
    def __init__(self, cfg, dav):
        super().__init__(cfg, dav)
        self.modules.append("authz_host")
        self.locations = {p: x + "    EASDAVPollInterval %d\n" % INTERVAL
                          for p, x in self.locations.items()}
        self.server_extra += "\n" + PUSH_CONF + "\n" + NOTIFY_LOCATION


@pytest.fixture(scope="module")
def radicale(request):
    yield from conftest.serve(HookRadicale(), request, "radicale")


@pytest.fixture(scope="module")
def push_server(request, radicale):
    yield from conftest.serve(PushServer(conftest._load_config(), radicale),
                              request, "groupware push")


@pytest.fixture
def log(push_server, radicale):
    radicale.hook_off()
    yield from conftest.watch_log(push_server)


# ---------------------------------------------------------------- helpers

def vcard(uid, name):
    return radicale_mod.vcard(uid, name)


class Held:
    """A Ping (or any command) in a thread of its own, timed from when
    the change is made (mark())."""

    def __init__(self, phone, cmd, tree):
        self.tree = None
        self.error = None
        self.t_change = None
        self.t_answer = None
        self.done = threading.Event()

        def run():
            try:
                self.tree = phone.post(cmd, tree)
            except Exception as e:          # noqa: BLE001
                self.error = e
            self.t_answer = time.time()
            self.done.set()
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def mark(self):
        self.t_change = time.time()

    def result(self, timeout=40):
        assert self.done.wait(timeout), "no answer"
        if self.error:
            raise self.error
        return self.tree

    def latency(self):
        return self.t_answer - self.t_change


def ping_tree(folders, heartbeat):
    return (P + "Ping", [
        (P + "HeartbeatInterval", str(heartbeat)),
        (P + "Folders", [(P + "Folder", [(P + "Id", f), (P + "Class", c)])
                         for f, c in folders])])


def _texts(tree, name):
    out = []

    def walk(node):
        n, kids = node
        if n == name and isinstance(kids, str):
            out.append(kids)
        elif isinstance(kids, list):
            for k in kids:
                walk(k)
    walk(tree)
    return out


def phone_with(server, dav, user, device, kind):
    """A phone of user that has synced one folder of kind ("contacts" or
    "calendar") to the end; (phone, folder id, collection path)."""
    if kind == "contacts":
        coll = dav.mkaddressbook(user, "Push %s" % device)
    else:
        coll = dav.mkcalendar(user, "Push %s" % device)
    change(dav, user, coll, kind)   # an empty folder's Sync says nothing
    phone = Phone(server, user, device=device)
    phone.folder_sync()
    fid = [i for i, (n, _) in phone.folders.items()
           if n == "Push %s" % device][0]
    phone.sync_all(fid)
    return phone, fid, coll


def change(dav, user, coll, kind):
    uid = str(uuid.uuid4())
    if kind == "contacts":
        dav.put(user, coll + uid + ".vcf", vcard(uid, "Pat Push"))
    else:
        dav.put(user, coll + uid + ".ics", radicale_mod.event(uid, "Push"))


CLASS = {"contacts": "Contacts", "calendar": "Calendar"}


def held_ping(phone, log, fid, kind, heartbeat=25):
    held = Held(phone, "Ping", ping_tree([(fid, CLASS[kind])], heartbeat))
    waiting(log, 1)
    return held


def notify(server, user=None, secret=SECRET, href=None, query=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    if query is None:
        query = "user=%s" % user + ("&href=%s" % href if href else "")
    hdrs = {"X-EAS-Notify-Secret": secret} if secret else {}
    conn.request("POST", NOTIFY + "?" + query, headers=hdrs)
    status = conn.getresponse().status
    conn.close()
    return status


# ---------------------------------------------------------------- polling

@pytest.mark.parametrize("kind", ["contacts", "calendar"])
def test_ping_wakes_within_the_interval(push_server, log, radicale, kind):
    phone, fid, coll = phone_with(push_server, radicale, "alice",
                                  "poll" + kind, kind)
    held = held_ping(phone, log, fid, kind)
    held.mark()
    change(radicale, "alice", coll, kind)
    tree = held.result()
    assert eas.text_of(tree, P + "Status") == "2", tree
    assert _texts(tree, P + "Folder") == [fid]
    assert held.latency() < INTERVAL + 2, held.latency()


def test_new_collection_gives_7_within_the_interval(push_server, log,
                                                    radicale):
    phone, fid, coll = phone_with(push_server, radicale, "alice",
                                  "hierarchy", "contacts")
    held = held_ping(phone, log, fid, "contacts")
    held.mark()
    radicale.mkcalendar("alice", "Made elsewhere")
    tree = held.result()
    assert eas.text_of(tree, P + "Status") == "7", tree
    assert held.latency() < INTERVAL + 2, held.latency()


def sync_wait_tree(phone, fid, minutes=1):
    return (A + "Sync", [(A + "Collections", [(A + "Collection", [
        (A + "SyncKey", phone.keys[fid]), (A + "CollectionId", fid),
        (A + "GetChanges", None)])]), (A + "Wait", str(minutes))])


def test_sync_wait_wakes_within_the_interval(push_server, log, radicale):
    phone, fid, coll = phone_with(push_server, radicale, "alice",
                                  "syncwaitpoll", "contacts")
    held = Held(phone, "Sync", sync_wait_tree(phone, fid))
    waiting(log, 1)
    held.mark()
    change(radicale, "alice", coll, "contacts")
    tree = held.result()
    assert len(eas.find_all(tree, A + "Add")) == 1, tree
    assert held.latency() < INTERVAL + 2, held.latency()


# ---------------------------------------------------------------- the hook

def hook_url(server):
    return "http://127.0.0.1:%d%s" % (server.port, NOTIFY)


@pytest.mark.parametrize("kind", ["contacts", "calendar"])
def test_hook_wakes_ping_within_a_second(push_server, log, radicale, kind):
    phone, fid, coll = phone_with(push_server, radicale, "alice",
                                  "hook" + kind, kind)
    radicale.hook_on(hook_url(push_server))
    held = held_ping(phone, log, fid, kind)
    held.mark()
    change(radicale, "alice", coll, kind)
    tree = held.result()
    assert eas.text_of(tree, P + "Status") == "2", tree
    assert _texts(tree, P + "Folder") == [fid]
    assert held.latency() < 1.0, held.latency()


def test_hook_wakes_sync_wait_within_a_second(push_server, log, radicale):
    phone, fid, coll = phone_with(push_server, radicale, "alice",
                                  "syncwaithook", "calendar")
    radicale.hook_on(hook_url(push_server))
    held = Held(phone, "Sync", sync_wait_tree(phone, fid))
    waiting(log, 1)
    held.mark()
    change(radicale, "alice", coll, "calendar")
    tree = held.result()
    assert len(eas.find_all(tree, A + "Add")) == 1, tree
    assert held.latency() < 1.0, held.latency()


# ---------------------------------------------------------------- endpoint

def test_wrong_secret_is_refused_and_wakes_nothing(push_server, log,
                                                   radicale):
    phone, fid, coll = phone_with(push_server, radicale, "alice",
                                  "secret", "contacts")
    held = held_ping(phone, log, fid, "contacts", heartbeat=4)
    offset = radicale.log_size()
    assert notify(push_server, "alice", secret="wrong-secret") == 403
    assert notify(push_server, "alice", secret=None) == 403
    log.one("EAS01640", "403")          # once, however many
    time.sleep(1.0)
    assert radicale.polls(coll, offset) == 0, "a refused notification polled"
    assert not held.done.is_set()
    # The heartbeat ends it (4 s: before the first interval poll).
    assert eas.text_of(held.result(), P + "Status") == "1"


def test_bad_notifications_are_refused(push_server, log):
    assert notify(push_server, query="") == 400
    assert notify(push_server, query="user=alice&user=bob") == 400
    assert notify(push_server, query="user=%zz") == 400
    assert notify(push_server, query="user=al%0Aice") == 400
    assert notify(push_server, query="user=alice&href=no-slash") == 400
    assert notify(push_server, query="color=blue&user=alice") == 400
    conn = http.client.HTTPConnection("127.0.0.1", push_server.port)
    conn.request("GET", NOTIFY + "?user=alice",
                 headers={"X-EAS-Notify-Secret": SECRET})
    assert conn.getresponse().status == 405


def test_notification_for_another_user_wakes_nobody(push_server, log,
                                                    radicale):
    phone, fid, coll = phone_with(push_server, radicale, "alice",
                                  "other", "contacts")
    held = held_ping(phone, log, fid, "contacts", heartbeat=4)
    offset = radicale.log_size()
    # bob's own change, told by the hook: bob has no waiting phone
    radicale.hook_on(hook_url(push_server))
    bob_book = radicale.mkaddressbook("bob", "Bob's")
    change(radicale, "bob", bob_book, "contacts")
    assert notify(push_server, "bob") == 204
    assert notify(push_server, "nobody-at-all") == 204
    time.sleep(1.0)
    assert radicale.polls(coll, offset) == 0
    assert not held.done.is_set()
    assert eas.text_of(held.result(), P + "Status") == "1"


def test_a_burst_of_notifications_costs_two_looks(push_server, log,
                                                  radicale):
    cal = radicale.mkcalendar("alice", "Burst cal")
    change(radicale, "alice", cal, "calendar")
    # (made first: the phone's FolderSync from key 0 starts it afresh)
    phone, fid, book = phone_with(push_server, radicale, "alice",
                                  "burst", "contacts")
    cal_id = [i for i, (n, _) in phone.folders.items() if n == "Burst cal"][0]
    phone.sync_all(cal_id)
    held = Held(phone, "Ping", ping_tree([(fid, "Contacts"),
                                          (cal_id, "Calendar")], 4))
    waiting(log, 1)
    offset = radicale.log_size()
    statuses = []

    def burst():
        conn = http.client.HTTPConnection("127.0.0.1", push_server.port,
                                          timeout=10)
        for _ in range(10):
            conn.request("POST", NOTIFY + "?user=alice",
                         headers={"X-EAS-Notify-Secret": SECRET})
            r = conn.getresponse()
            r.read()
            statuses.append(r.status)
        conn.close()
    threads = [threading.Thread(target=burst) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [204] * 100
    time.sleep(1.5)
    # No poll: the Ping looked at its folders at the first notification
    # and once more for all the others (250 ms later), found nothing new,
    # and waits on.
    assert radicale.polls(book, offset) == 0
    assert radicale.polls(cal, offset) == 0
    assert 1 <= radicale.reports(book, offset) <= 2
    assert 1 <= radicale.reports(cal, offset) <= 2
    assert not held.done.is_set()
    assert eas.text_of(held.result(), P + "Status") == "1"


def test_ten_devices_one_poll_per_interval(push_server, log, radicale):
    phone, fid, book = phone_with(push_server, radicale, "alice",
                                  "ten0", "contacts")
    phones = [phone]
    for i in range(1, 10):
        p = Phone(push_server, "alice", device="ten%d" % i)
        p.folder_sync()
        p.sync_all(fid)
        phones.append(p)
    helds = [Held(p, "Ping", ping_tree([(fid, "Contacts")], 25))
             for p in phones]
    waiting(log, 10)
    offset = radicale.log_size()
    time.sleep(2 * INTERVAL + 1)
    polls = radicale.polls(book, offset)
    # Two intervals passed: two polls (three at an edge), not twenty.
    assert 1 <= polls <= 3, polls
    for h in helds:
        h.mark()
    change(radicale, "alice", book, "contacts")
    for h in helds:
        tree = h.result()
        assert eas.text_of(tree, P + "Status") == "2", tree


# ---------------------------------------------------------------- down

def test_server_down_wakes_nobody_and_is_logged(push_server, log, radicale):
    phone, fid, book = phone_with(push_server, radicale, "alice",
                                  "down", "contacts")
    held = held_ping(phone, log, fid, "contacts", heartbeat=28)
    radicale.stop()
    try:
        time.sleep(2 * INTERVAL + 2)
        assert not held.done.is_set(), "a down server woke the Ping"
        said = log.lines("EAS01625")
        assert len(said) == 1, log.text()      # once a minute at most
    finally:
        radicale.start()
    assert log.wait_for("answers again", timeout=INTERVAL + 3)
    held.mark()
    change(radicale, "alice", book, "contacts")
    tree = held.result()
    assert eas.text_of(tree, P + "Status") == "2", tree
    assert _texts(tree, P + "Folder") == [fid]
