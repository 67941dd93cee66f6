# SPDX-License-Identifier: Apache-2.0
"""Sync and GetItemEstimate for mail on either mail backend (mailstore.py),
against a real httpd: priming, paging, time windows, bodies, the
device's changes, changes by other mail programs, repeated and bad keys,
several collections, devices and users, the cached request, limits."""

import os
import time

import eas
from sync_httpd import (PASSWORD, PATH, mailbox, message,  # noqa: F401
                        sync_log, sync_server)

A = "AirSync:"
E = "Email:"
B = "AirSyncBase:"


# ---------------------------------------------------------------- client

# The tree helpers, under the names these tests use.
find = eas.find
kids = eas.children
text = eas.text_of


class Collection:
    """One Collection of a Sync response."""

    def __init__(self, node):
        self.key = text(node, A + "SyncKey")
        self.id = text(node, A + "CollectionId")
        self.status = int(text(node, A + "Status"))
        self.more = any(c[0] == A + "MoreAvailable" for c in node[1])
        cmds = [c for c in node[1] if c[0] == A + "Commands"]
        self.commands = kids(cmds[0]) if cmds else []
        resp = [c for c in node[1] if c[0] == A + "Responses"]
        self.responses = kids(resp[0]) if resp else []
        self.node = node

    def of(self, kind):
        return [c for c in self.commands if c[0] == A + kind]

    def ids(self, kind):
        return [text(c, A + "ServerId") for c in self.of(kind)]

    @property
    def adds(self):
        return self.ids("Add")

    def data(self, server_id):
        for c in self.commands + self.responses:
            if text(c, A + "ServerId") == server_id:
                return find(c, A + "ApplicationData")
        return None


class Device:
    """A phone: one user, one DeviceId, its keys per collection."""

    def __init__(self, srv, user, device="dev0001", version="14.1",
                 path=PATH):
        self.srv = srv
        self.user = user
        self.device = device
        self.version = version
        self.http = eas.Client(srv.port, user=user, password=PASSWORD,
                               path=path)
        self.keys = {}
        self.policy_key = None

    def close(self):
        self.http.close()

    def post(self, cmd, body):
        headers = ({"X-MS-PolicyKey": str(self.policy_key)}
                   if self.policy_key is not None else None)
        return self.http.post(eas.plain_query(cmd, user=self.user,
                                              device_id=self.device),
                              body=body, version=self.version,
                              headers=headers)

    def folders(self):
        """name -> (id, type) from a fresh FolderSync."""
        r = self.post("FolderSync", eas.folder_sync("0"))
        assert r.status == 200, (r.status, r.body)
        out = {}
        for add in eas_find_all(r.tree(), "FolderHierarchy:Add"):
            out[text(add, "FolderHierarchy:DisplayName")] = (
                text(add, "FolderHierarchy:ServerId"),
                int(text(add, "FolderHierarchy:Type")))
        return out

    def folder_id(self, name=None, ftype=None):
        for n, (fid, t) in self.folders().items():
            if (name is not None and n == name) or (ftype is not None
                                                    and t == ftype):
                return fid
        raise AssertionError("no folder %s/%s" % (name, ftype))

    def sync_raw(self, body):
        return self.post("Sync", body)

    def sync(self, colls, expect_empty=False, **kw):
        """colls: list of dicts for collection(); returns {id: Collection}
        (None for an empty response)."""
        r = self.sync_raw(sync_body(colls, **kw))
        assert r.status == 200, (r.status, r.body)
        if not r.body:
            assert expect_empty or expect_empty is None, \
                "unexpected empty Sync response"
            return None
        assert not expect_empty, r.tree()
        out = {}
        for node in eas_find_all(r.tree(), A + "Collection"):
            c = Collection(node)
            out[c.id] = c
            if c.status == 1:
                self.keys[c.id] = c.key
        return out

    def prime(self, fid, **kw):
        res = self.sync([dict(id=fid, key="0", **kw)])
        assert res[fid].status == 1 and res[fid].key not in ("0", None)
        assert res[fid].commands == []
        return res[fid].key

    def sync_all(self, fid, window=100, options=None, limit=100):
        """Sync until no MoreAvailable; returns the list of responses."""
        out = []
        for _ in range(limit):
            res = self.sync([dict(id=fid, key=self.keys[fid], window=window,
                                  options=options)], expect_empty=None)
            if res is None:
                break
            out.append(res[fid])
            if not res[fid].more:
                break
        return out

    def estimate(self, colls):
        body = eas.encode(("GetItemEstimate:GetItemEstimate", [
            ("GetItemEstimate:Collections", [
                ("GetItemEstimate:Collection",
                 [(A + "SyncKey", key), ("GetItemEstimate:CollectionId", fid)]
                 + ([(A + "Options", opts)] if opts else []))
                for fid, key, opts in colls])]))
        r = self.post("GetItemEstimate", body)
        assert r.status == 200, (r.status, r.body)
        out = []
        for resp in eas_find_all(r.tree(), "GetItemEstimate:Response"):
            est = text(resp, "GetItemEstimate:Estimate")
            out.append((int(text(resp, "GetItemEstimate:Status")),
                        text(resp, "GetItemEstimate:CollectionId"),
                        int(est) if est is not None else None))
        return out


def eas_find_all(tree, name):
    out = [tree] if tree[0] == name else []
    if isinstance(tree[1], list):
        for child in tree[1]:
            out += eas_find_all(child, name)
    return out


def collection(id, key, window=None, get_changes=None, options=None,
               commands=None, deletes_as_moves=None):
    node = [(A + "SyncKey", key), (A + "CollectionId", id)]
    if deletes_as_moves is not None:
        node.append((A + "DeletesAsMoves", str(deletes_as_moves)))
    if get_changes is not None:
        node.append((A + "GetChanges", str(get_changes)))
    if window is not None:
        node.append((A + "WindowSize", str(window)))
    if options is not None:
        node.append((A + "Options", options))
    if commands is not None:
        node.append((A + "Commands", commands))
    return (A + "Collection", node)


def sync_body(colls, window=None, wait=None, heartbeat=None, partial=False):
    top = []
    if colls is not None:
        top.append((A + "Collections", [collection(**c) for c in colls]))
    if wait is not None:
        top.append((A + "Wait", str(wait)))
    if heartbeat is not None:
        top.append((A + "HeartbeatInterval", str(heartbeat)))
    if window is not None:
        top.append((A + "WindowSize", str(window)))
    if partial:
        top.append((A + "Partial", None))
    return eas.encode((A + "Sync", top))


def body_pref(btype, truncation=None, all_or_none=None):
    node = [(B + "Type", str(btype))]
    if truncation is not None:
        node.append((B + "TruncationSize", str(truncation)))
    if all_or_none is not None:
        node.append((B + "AllOrNone", str(all_or_none)))
    return (B + "BodyPreference", node)


def filter_opts(ftype, *prefs):
    return [(A + "FilterType", str(ftype))] + list(prefs)


def change(sid, read=None, flag=None):
    data = []
    if read is not None:
        data.append((E + "Read", str(read)))
    if flag is not None:
        data.append((E + "Flag", [(E + "Status", str(flag))] if flag else
                     None))
    return (A + "Change", [(A + "ServerId", sid),
                           (A + "ApplicationData", data)])


def delete(sid):
    return (A + "Delete", [(A + "ServerId", sid)])


def subjects(coll):
    return sorted(text(coll.data(s), E + "Subject") for s in coll.adds)


def inbox(dev):
    return dev.folder_id(ftype=2)


def status_of(r):
    return eas.status_of(r.tree())


# ---------------------------------------------------------------- priming

def test_synckey_0_primes_without_items(sync_server, sync_log, mailbox):
    for i in range(3):
        mailbox.deliver(message(i))
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    key = dev.prime(fid)
    assert key.startswith("{")
    # A second priming starts another lineage; the first key is gone.
    key2 = dev.prime(fid)
    assert key2 != key
    res = dev.sync([dict(id=fid, key=key)])
    assert res[fid].status == 3 and res[fid].key == "0"
    sync_log.one("EAS01107", fid, key)
    # The current key sends the three messages.
    res = dev.sync([dict(id=fid, key=key2)])
    assert len(res[fid].adds) == 3 and not res[fid].more
    assert all(s.startswith(fid + ":") for s in res[fid].adds)


def test_synckey_0_with_get_changes_is_a_protocol_error(sync_server, sync_log,
                                                       mailbox):
    # MS-ASCMD (GetChanges): asking for changes before the first key is
    # Status 4; no key is made, so the current one stays valid.
    mailbox.deliver(message(1))
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    key = dev.prime(fid)
    res = dev.sync([dict(id=fid, key="0", get_changes=1)])
    assert res[fid].status == 4 and res[fid].key == "0", res[fid].status
    sync_log.one("EAS01103", fid, "GetChanges 1")
    # An empty GetChanges means 1 as well.
    r = dev.sync_raw(eas.encode((A + "Sync", [(A + "Collections", [
        (A + "Collection", [(A + "SyncKey", "0"), (A + "CollectionId", fid),
                            (A + "GetChanges", None)])])])))
    coll = Collection(eas_find_all(r.tree(), A + "Collection")[0])
    assert coll.status == 4
    res = dev.sync([dict(id=fid, key=key)])
    assert res[fid].status == 1 and len(res[fid].adds) == 1
    # GetChanges 0 with SyncKey 0 is the ordinary priming.
    assert dev.prime(fid, get_changes=0) != key


def test_initial_sync_of_1000_pages_without_loss_or_duplicates(
        sync_server, sync_log, mailbox):
    for i in range(1000):
        mailbox.deliver(message(i), age_days=i / 100.0)
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    dev.prime(fid)
    pages = dev.sync_all(fid, window=100)
    assert len(pages) == 10
    assert [p.more for p in pages] == [True] * 9 + [False]
    ids = [s for p in pages for s in p.adds]
    assert len(ids) == 1000 and len(set(ids)) == 1000
    assert all(len(p.adds) == 100 for p in pages)
    # Newest first: the first page holds the 100 most recent messages.
    first = subjects(pages[0])
    assert first == sorted("Message %d – état du projet" % i
                           for i in range(100))
    # Nothing more: a 14.1 client gets the empty response, key unchanged.
    key = dev.keys[fid]
    assert dev.sync([dict(id=fid, key=key)], expect_empty=True) is None
    res = dev.sync([dict(id=fid, key=key, window=5)], expect_empty=None)
    assert res is None


def test_window_is_bounded_by_the_server(sync_server, mailbox):
    for i in range(120):
        mailbox.deliver(message(i))
    dev = Device(sync_server, mailbox.user, path="/eas-sync-small")
    fid = inbox(dev)
    dev.prime(fid)
    res = dev.sync([dict(id=fid, key=dev.keys[fid], window=512)])
    assert len(res[fid].adds) == 50 and res[fid].more
    # WindowSize 0 means 512, still bounded by EASMaxWindowSize 50.
    res = dev.sync([dict(id=fid, key=dev.keys[fid], window=0)])
    assert len(res[fid].adds) == 50 and res[fid].more
    res = dev.sync([dict(id=fid, key=dev.keys[fid])])
    assert len(res[fid].adds) == 20 and not res[fid].more


# ---------------------------------------------------------------- windows

AGES = [0.2, 2, 5, 10, 20, 40]      # days; FilterType 1..5 take 1..5 of them


def test_filter_type_windows(sync_server, mailbox):
    for i, age in enumerate(AGES):
        mailbox.deliver(message(i, subject="age %s" % age), age_days=age)
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    for ftype, count in [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (0, 6)]:
        dev.device = "devfilter%d" % ftype
        dev.prime(fid, options=filter_opts(ftype))
        res = dev.sync([dict(id=fid, key=dev.keys[fid],
                             options=filter_opts(ftype))])
        assert len(res[fid].adds) == count, (ftype, subjects(res[fid]))
        assert subjects(res[fid]) == sorted("age %s" % a
                                            for a in AGES[:count])


def test_narrower_window_soft_deletes_and_options_carry_over(sync_server,
                                                             mailbox):
    for i, age in enumerate(AGES):
        mailbox.deliver(message(i, subject="age %s" % age), age_days=age)
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    dev.prime(fid, options=filter_opts(0))
    res = dev.sync([dict(id=fid, key=dev.keys[fid])])
    assert len(res[fid].adds) == 6
    by_subject = {text(res[fid].data(s), E + "Subject"): s
                  for s in res[fid].adds}
    # One week now: the three older ones are soft-deleted, not deleted.
    res = dev.sync([dict(id=fid, key=dev.keys[fid],
                         options=filter_opts(3))])
    assert sorted(res[fid].ids("SoftDelete")) == sorted(
        by_subject["age %s" % a] for a in (10, 20, 40))
    assert res[fid].ids("Delete") == [] and res[fid].adds == []
    # A request without Options keeps the one-week window.
    mailbox.deliver(message(99, subject="old again"), age_days=30)
    assert dev.sync([dict(id=fid, key=dev.keys[fid])],
                    expect_empty=True) is None


def test_policy_max_email_age_narrows_the_window(sync_server, mailbox):
    for i, age in enumerate(AGES):
        mailbox.deliver(message(i, subject="age %s" % age), age_days=age)
    dev = Device(sync_server, mailbox.user, path="/eas-sync-maxage")
    fid = inbox(dev)
    dev.prime(fid, options=filter_opts(0))
    res = dev.sync([dict(id=fid, key=dev.keys[fid])])
    assert subjects(res[fid]) == ["age 0.2", "age 2"]


# ---------------------------------------------------------------- bodies

def test_body_preferences_and_truncation(sync_server, mailbox):
    long_text = "Ligne numéro %d du rapport trimestriel.\n"
    plain = "".join(long_text % i for i in range(2000))
    html = "<html><body><p>%s</p></body></html>" % plain.replace(
        "\n", "<br>")
    mailbox.deliver(message(1, subject="long", body=plain, html=html,
                            attachment=("rapport.pdf", b"%PDF-1.4 " * 500,
                                        "application/pdf")))
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    for btype, trunc in [(1, 1024), (2, 4096), (4, 2048)]:
        dev.device = "devbody%d" % btype
        opts = [body_pref(btype, trunc)]
        dev.prime(fid, options=opts)
        res = dev.sync([dict(id=fid, key=dev.keys[fid], options=opts)])
        (sid,) = res[fid].adds
        body = find(res[fid].data(sid), B + "Body")
        assert text(body, B + "Type") == str(btype)
        assert text(body, B + "Truncated") == "1"
        data = text(body, B + "Data")
        assert 0 < len(data.encode("utf-8")) <= trunc
        assert int(text(body, B + "EstimatedDataSize")) > trunc
        atts = eas_find_all(res[fid].data(sid), B + "Attachment")
        assert [text(a, B + "DisplayName") for a in atts] == ["rapport.pdf"]
        assert text(atts[0], B + "FileReference").startswith(sid + ":")
    # Untruncated plain text.
    dev.device = "devbodyfull"
    opts = [body_pref(1)]
    dev.prime(fid, options=opts)
    res = dev.sync([dict(id=fid, key=dev.keys[fid], options=opts)])
    body = find(res[fid].data(res[fid].adds[0]), B + "Body")
    assert text(body, B + "Truncated") in (None, "0")
    assert "Ligne numéro 1999 du rapport" in text(body, B + "Data")


def test_mime_truncation_zero_sends_no_mime(sync_server, mailbox):
    """MIMETruncation 0 truncates everything: an empty MIME body, marked
    truncated, with the message's whole size; 8 sends it whole."""
    path = mailbox.deliver(message(1, subject="mime", body="x" * 3000))
    size = os.path.getsize(path)
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    for level, data_len, truncated in [("0", 0, ["1"]),
                                       ("8", size, [None, "0"])]:
        dev.device = "devmimetrunc" + level
        opts = [body_pref(4), (A + "MIMESupport", "2"),
                (A + "MIMETruncation", level)]
        dev.prime(fid, options=opts)
        res = dev.sync([dict(id=fid, key=dev.keys[fid], options=opts)])
        (sid,) = res[fid].adds
        body = find(res[fid].data(sid), B + "Body")
        assert text(body, B + "Type") == "4"
        assert text(body, B + "Truncated") in truncated
        assert len((text(body, B + "Data") or "").encode()) == data_len
        assert int(text(body, B + "EstimatedDataSize")) == size


# ---------------------------------------------------------------- changes

def test_read_and_flag_reach_the_maildir(sync_server, sync_log, mailbox):
    paths = [mailbox.deliver(message(i), age_days=i) for i in range(3)]
    bases = [os.path.basename(p).partition(":")[0] for p in paths]
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    dev.prime(fid)
    res = dev.sync([dict(id=fid, key=dev.keys[fid])])
    ids = res[fid].adds              # newest first: bases[0], [1], [2]
    assert [text(res[fid].data(s), E + "Read") for s in ids] == ["0"] * 3
    res = dev.sync([dict(id=fid, key=dev.keys[fid], commands=[
        change(ids[0], read=1), change(ids[1], flag=2),
        change(ids[2], read=1, flag=2)])])
    # Success is not answered per item, and nothing is echoed back.
    assert res[fid].status == 1 and res[fid].responses == []
    assert res[fid].commands == []
    files = mailbox.files()
    assert "S" in files[bases[0]] and "F" not in files[bases[0]]
    assert "F" in files[bases[1]] and "S" not in files[bases[1]]
    assert "S" in files[bases[2]] and "F" in files[bases[2]]
    # Unread and unflag again.
    res = dev.sync([dict(id=fid, key=dev.keys[fid], commands=[
        change(ids[2], read=0, flag=0)])])
    assert res[fid].commands == [] and res[fid].responses == []
    assert mailbox.files()[bases[2]] == ""
    # Nothing left to say.
    assert dev.sync([dict(id=fid, key=dev.keys[fid])],
                    expect_empty=True) is None


def trash_subjects(mailbox):
    import email
    out = []
    for base in mailbox.files("Trash"):
        with open(mailbox.path_of(base, "Trash"), "rb") as f:
            out.append(str(email.message_from_binary_file(f)["Subject"]))
    return sorted(out)


def test_delete_moves_to_deleted_items(sync_server, mailbox):
    mailbox.make_folder("Trash")
    paths = [mailbox.deliver(message(i, subject="del %d" % i), age_days=i)
             for i in range(3)]
    bases = [os.path.basename(p).partition(":")[0] for p in paths]
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    trash = dev.folder_id(ftype=4)
    dev.prime(fid)
    res = dev.sync([dict(id=fid, key=dev.keys[fid])])
    ids = res[fid].adds
    res = dev.sync([dict(id=fid, key=dev.keys[fid],
                         commands=[delete(ids[0])])])
    assert res[fid].responses == [] and res[fid].commands == []
    assert bases[0] not in mailbox.files()
    assert trash_subjects(mailbox) == ["del 0"]
    # DeletesAsMoves 0: gone for good.
    res = dev.sync([dict(id=fid, key=dev.keys[fid], deletes_as_moves=0,
                         commands=[delete(ids[1])])])
    assert bases[1] not in mailbox.files()
    assert trash_subjects(mailbox) == ["del 0"]
    assert len(mailbox.files()) == 1
    # The Trash collection gets the moved message as an Add.
    dev.prime(trash)
    res = dev.sync([dict(id=trash, key=dev.keys[trash])])
    assert subjects(res[trash]) == ["del 0"]
    # A delete in Deleted Items itself removes the message.
    res = dev.sync([dict(id=trash, key=dev.keys[trash],
                         commands=[delete(res[trash].adds[0])])])
    assert mailbox.files("Trash") == {}
    # Deleting an unknown item: Status 8 for that item only.
    res = dev.sync([dict(id=fid, key=dev.keys[fid],
                         commands=[delete(fid + ":999999")])])
    assert res[fid].status == 1
    (r,) = res[fid].responses
    assert r[0] == A + "Delete" and text(r, A + "Status") == "8"


def test_changes_by_another_program(sync_server, mailbox):
    paths = [mailbox.deliver(message(i, subject="ext %d" % i), age_days=i)
             for i in range(3)]
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    dev.prime(fid)
    res = dev.sync([dict(id=fid, key=dev.keys[fid])])
    by_subject = {text(res[fid].data(s), E + "Subject"): s
                  for s in res[fid].adds}
    # Another client marks one read (rename), deletes one, and new mail
    # arrives in new/.
    os.rename(paths[0], paths[0].replace(":2,", ":2,S"))
    os.unlink(paths[1])
    mailbox.deliver(message(7, subject="ext new"), new=True)
    res = dev.sync([dict(id=fid, key=dev.keys[fid])])
    c = res[fid]
    assert c.ids("Change") == [by_subject["ext 0"]]
    assert text(c.of("Change")[0], E + "Read") == "1"
    assert c.ids("Delete") == [by_subject["ext 1"]]
    assert subjects(c) == ["ext new"]
    # The id of a message survives the move from new/ to cur/ (flagged
    # meanwhile).
    new_id = c.adds[0]
    mailbox.set_flags([b for b in mailbox.files() if b not in
                       [os.path.basename(p).partition(":")[0]
                        for p in paths]][0], "F")
    res = dev.sync([dict(id=fid, key=dev.keys[fid])])
    assert res[fid].ids("Change") == [new_id] and res[fid].adds == []
    assert text(res[fid].of("Change")[0], E + "Status") == "2"


def test_conflict_server_wins(sync_server, sync_log, mailbox):
    path = mailbox.deliver(message(1, subject="conflict"))
    base = os.path.basename(path).partition(":")[0]
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    dev.prime(fid)
    (sid,) = dev.sync([dict(id=fid, key=dev.keys[fid])])[fid].adds
    # Another program flags it; the device, not knowing, marks it read.
    os.rename(path, path + "F")
    res = dev.sync([dict(id=fid, key=dev.keys[fid],
                         commands=[change(sid, read=1)])])
    (r,) = res[fid].responses
    assert r[0] == A + "Change" and text(r, A + "Status") == "7"
    # The server's state goes to the device, and the file keeps it.
    assert res[fid].ids("Change") == [sid]
    assert text(res[fid].of("Change")[0], E + "Read") == "0"
    assert mailbox.files()[base] == "F"
    sync_log.one("EAS01110", sid, "status 7")
    # Client wins when the device asks for it (Conflict 0).
    os.rename(mailbox.path_of(base), mailbox.path_of(base) + "S")
    opts = [(A + "Conflict", "0")]
    res = dev.sync([dict(id=fid, key=dev.keys[fid], options=opts,
                         commands=[change(sid, read=0)])])
    assert res[fid].responses == []
    assert mailbox.files()[base] == "F"
    # The device now holds exactly the server's state: nothing to send.
    assert res[fid].commands == []
    # When the server changed something else, the device gets it all.
    os.rename(mailbox.path_of(base), mailbox.path_of(base)[:-1] + "S")
    res = dev.sync([dict(id=fid, key=dev.keys[fid],
                         commands=[change(sid, flag=2)])])
    assert res[fid].responses == []
    assert mailbox.files()[base] == "FS"
    (ch,) = res[fid].of("Change")
    assert text(ch, E + "Read") == "1" and text(ch, E + "Status") == "2"


def test_add_and_fetch(sync_server, mailbox):
    mailbox.deliver(message(1, subject="fetch me"))
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    dev.prime(fid)
    (sid,) = dev.sync([dict(id=fid, key=dev.keys[fid])])[fid].adds
    res = dev.sync([dict(id=fid, key=dev.keys[fid], get_changes=0,
                         commands=[
        (A + "Add", [(A + "ClientId", "c1"), (A + "ApplicationData", [
            (E + "Subject", "from the phone")])]),
        (A + "Fetch", [(A + "ServerId", sid)]),
        (A + "Fetch", [(A + "ServerId", fid + ":424242")])])])
    add, fetch, missing = res[fid].responses
    assert add[0] == A + "Add" and text(add, A + "ClientId") == "c1"
    assert text(add, A + "Status") == "6"
    assert text(fetch, A + "Status") == "1"
    assert text(fetch, E + "Subject") == "fetch me"
    assert text(missing, A + "Status") == "8"


# ---------------------------------------------------------------- keys

def test_repeated_synckey_gives_the_same_changes(sync_server, mailbox):
    for i in range(30):
        mailbox.deliver(message(i), age_days=i / 10.0)
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    k1 = dev.prime(fid)
    first = dev.sync([dict(id=fid, key=k1, window=10)])[fid]
    # The answer was lost: the device repeats k1 and gets it all again.
    again = dev.sync([dict(id=fid, key=k1, window=10)])[fid]
    assert again.adds == first.adds and again.key == first.key
    k2 = again.key
    second = dev.sync([dict(id=fid, key=k2, window=10)])[fid]
    assert not set(second.adds) & set(first.adds)
    # k1 is now two keys back: gone.
    assert dev.sync([dict(id=fid, key=k1)])[fid].status == 3
    # k2 still repeats, with a change made meanwhile included.
    mailbox.deliver(message(100, subject="meanwhile"))
    rep = dev.sync([dict(id=fid, key=k2, window=10)])[fid]
    assert rep.key == second.key
    got = set(rep.adds)
    rest = dev.sync_all(fid, window=10)
    for p in rest:
        got |= set(p.adds)
    all_ids = set(first.adds) | got
    assert len(all_ids) == 31
    assert len(first.adds) + sum(len(p.adds) for p in [rep] + rest) == 31


def test_repeated_key_with_client_changes(sync_server, mailbox):
    path = mailbox.deliver(message(1))
    base = os.path.basename(path).partition(":")[0]
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    dev.prime(fid)
    (sid,) = dev.sync([dict(id=fid, key=dev.keys[fid])])[fid].adds
    k = dev.keys[fid]
    body = [dict(id=fid, key=k, commands=[change(sid, read=1),
                                          change(sid, flag=2)])]
    r1 = dev.sync(body)[fid]
    r2 = dev.sync(body)[fid]
    assert r1.key == r2.key and r1.responses == r2.responses == []
    assert mailbox.files()[base] == "FS"


def test_bad_keys(sync_server, sync_log, mailbox):
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    dev.prime(fid)
    for key in ["{deadbeef}7", "garbage", "1", "{" + "0" * 70 + "}1"]:
        res = dev.sync([dict(id=fid, key=key)])
        assert res[fid].status == 3 and res[fid].key == "0", key
    assert len(sync_log.wait_for("EAS01107")) == 4


def test_unknown_collection_and_malformed_requests(sync_server, sync_log,
                                                   mailbox):
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    key = dev.prime(fid)
    for bad in ["424242", "../x", "a:b"]:
        res = dev.sync([dict(id=bad, key="0")])
        assert res[bad].status == 8
    assert len(sync_log.wait_for("EAS01106")) == 3
    assert "'424242'" in sync_log.wait_for("EAS01106")[0]
    # A Collection without CollectionId: Status 4 for the whole request.
    r = dev.sync_raw(eas.encode((A + "Sync", [(A + "Collections", [
        (A + "Collection", [(A + "SyncKey", key)])])])))
    assert status_of(r) == 4
    sync_log.one("EAS01132", "without SyncKey or CollectionId")
    # The same collection twice; a bad FilterType; Commands with key 0.
    r = dev.sync_raw(sync_body([dict(id=fid, key=key),
                                dict(id=fid, key=key)]))
    assert status_of(r) == 4
    r = dev.sync_raw(sync_body([dict(id=fid, key=key,
                                     options=filter_opts(9))]))
    assert status_of(r) == 4
    res = dev.sync([dict(id=fid, key="0", commands=[delete(fid + ":1")])])
    assert res[fid].status == 4


# ---------------------------------------------------------------- several

def test_several_collections_in_one_request(sync_server, mailbox):
    mailbox.make_folder("Projects")
    for i in range(3):
        mailbox.deliver(message(i, subject="inbox %d" % i))
    for i in range(2):
        mailbox.deliver(message(i, subject="proj %d" % i), folder="Projects")
    dev = Device(sync_server, mailbox.user)
    fid, pid = inbox(dev), dev.folder_id(name="Projects")
    res = dev.sync([dict(id=fid, key="0"), dict(id=pid, key="0"),
                    dict(id="999999", key="0")])
    assert res["999999"].status == 8
    res = dev.sync([dict(id=fid, key=dev.keys[fid]),
                    dict(id=pid, key=dev.keys[pid])])
    assert subjects(res[fid]) == ["inbox 0", "inbox 1", "inbox 2"]
    assert subjects(res[pid]) == ["proj 0", "proj 1"]
    # One key does not open the other collection.
    res = dev.sync([dict(id=pid, key=dev.keys[fid])])
    assert res[pid].status == 3
    # A Sync-level WindowSize bounds the response across collections.
    mailbox.deliver(message(9, subject="inbox 9"))
    mailbox.deliver(message(9, subject="proj 9"), folder="Projects")
    dev.prime(fid)
    dev.prime(pid)
    res = dev.sync([dict(id=fid, key=dev.keys[fid]),
                    dict(id=pid, key=dev.keys[pid])], window=5)
    assert len(res[fid].adds) == 4 and not res[fid].more
    assert len(res[pid].adds) == 1 and res[pid].more


def test_too_many_collections(sync_server, sync_log, mailbox):
    dev = Device(sync_server, mailbox.user, path="/eas-sync-small")
    r = dev.sync_raw(sync_body([dict(id=str(i), key="0") for i in range(3)]))
    tree = r.tree()
    assert status_of(r) == 15
    assert text(tree, A + "Limit") == "2"
    sync_log.one("EAS01134", "3 collections")


def test_two_devices_keep_their_own_keys(sync_server, mailbox):
    for i in range(4):
        mailbox.deliver(message(i))
    d1 = Device(sync_server, mailbox.user, device="devone")
    d2 = Device(sync_server, mailbox.user, device="devtwo")
    fid = inbox(d1)
    k1 = d1.prime(fid)
    k2 = d2.prime(fid)
    res1 = d1.sync([dict(id=fid, key=k1)])
    assert len(res1[fid].adds) == 4
    # The other device's key is not this device's.
    assert d2.sync([dict(id=fid, key=d1.keys[fid])])[fid].status == 3
    res2 = d2.sync([dict(id=fid, key=k2)])
    assert sorted(res2[fid].adds) == sorted(res1[fid].adds)
    # A change by one device reaches the other as a Change.
    sid = res1[fid].adds[0]
    d1.sync([dict(id=fid, key=d1.keys[fid], commands=[change(sid, read=1)])])
    res = d2.sync([dict(id=fid, key=d2.keys[fid])])
    assert res[fid].ids("Change") == [sid]
    assert d1.sync([dict(id=fid, key=d1.keys[fid])],
                   expect_empty=True) is None


def test_other_user_never_sees_these_collections(sync_server, mailbox):
    from sync_httpd import Mailbox
    for i in range(3):
        mailbox.deliver(message(i, subject="private %d" % i))
    a = Device(sync_server, mailbox.user, device="devshared")
    fid = inbox(a)
    ka = a.prime(fid)
    a_ids = a.sync([dict(id=fid, key=ka)])[fid].adds
    assert len(a_ids) == 3
    other = Mailbox(sync_server, sync_server.next_user())
    b = Device(sync_server, other.user, device="devshared")
    # The same DeviceId and A's key: not B's state.
    res = b.sync([dict(id=fid, key=a.keys[fid])])
    assert res[fid].status in (3, 8)
    # A's collection id is at most B's own folder of that id (B's Inbox
    # has the same id here): never A's mail, and A's items are not found.
    res = b.sync([dict(id=fid, key="0")])
    assert res[fid].status == 1
    res = b.sync([dict(id=fid, key=b.keys[fid], commands=[
        change(a_ids[0], read=1), delete(a_ids[1]),
        (A + "Fetch", [(A + "ServerId", a_ids[2])])])])
    c = res[fid]
    assert c.adds == []
    assert sorted(text(r, A + "Status") for r in c.responses) == ["8"] * 3
    assert len(mailbox.files()) == 3
    assert all("S" not in f for f in mailbox.files().values())
    assert a.sync([dict(id=fid, key=a.keys[fid])], expect_empty=True) is None


# ---------------------------------------------------------------- cache

def test_empty_and_partial_requests_use_the_cache(sync_server, sync_log,
                                                  mailbox):
    dev = Device(sync_server, mailbox.user, device="devcache")
    # No cache yet: Status 13.
    r = dev.post("Sync", b"")
    assert r.status == 200 and status_of(r) == 13
    sync_log.one("EAS01133", "empty")
    mailbox.deliver(message(1, subject="cached 1"))
    fid = inbox(dev)
    dev.prime(fid, options=filter_opts(3))
    res = dev.sync([dict(id=fid, key=dev.keys[fid])])
    assert subjects(res[fid]) == ["cached 1"]
    assert dev.sync([dict(id=fid, key=dev.keys[fid])],
                    expect_empty=True) is None
    # The empty request stands for the last one.
    r = dev.post("Sync", b"")
    assert r.status == 200 and r.body == b""
    mailbox.deliver(message(2, subject="cached 2"))
    mailbox.deliver(message(3, subject="too old"), age_days=30)
    r = dev.post("Sync", b"")
    res = Collection(find(r.tree(), A + "Collection"))
    assert res.id == fid and subjects(res) == ["cached 2"]
    dev.keys[fid] = res.key
    # Partial with Wait: the cached collection is used, answered at once.
    mailbox.deliver(message(4, subject="cached 4"))
    t0 = time.monotonic()
    r = dev.sync_raw(sync_body(None, wait=5, partial=True))
    assert time.monotonic() - t0 < 15
    res = Collection(find(r.tree(), A + "Collection"))
    assert subjects(res) == ["cached 4"]


def test_wait_and_heartbeat_bounds(sync_server, mailbox):
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    key = dev.prime(fid)
    for kw, limit in [(dict(wait=0), "1"), (dict(wait=60), "59"),
                      (dict(heartbeat=30), "60"),
                      (dict(heartbeat=4000), "3540")]:
        r = dev.sync_raw(sync_body([dict(id=fid, key=key)], **kw))
        assert status_of(r) == 14, kw
        assert text(r.tree(), A + "Limit") == limit
    r = dev.sync_raw(sync_body([dict(id=fid, key=key)], wait=5,
                               heartbeat=300))
    assert status_of(r) == 4


# ---------------------------------------------------------------- 12.x

def test_protocol_12_1(sync_server, mailbox):
    for i in range(2):
        mailbox.deliver(message(i))
    dev = Device(sync_server, mailbox.user, version="12.1")
    fid = inbox(dev)
    dev.prime(fid)
    r = dev.sync_raw(sync_body([dict(id=fid, key=dev.keys[fid])]))
    node = find(r.tree(), A + "Collection")
    assert text(node, A + "Class") == "Email"
    assert len(Collection(node).adds) == 2


# ---------------------------------------------------------------- estimate

def test_get_item_estimate(sync_server, mailbox):
    for i in range(25):
        mailbox.deliver(message(i), age_days=i)
    dev = Device(sync_server, mailbox.user)
    fid = inbox(dev)
    key = dev.prime(fid)
    week = [(A + "FilterType", "3")]
    assert dev.estimate([(fid, key, None)]) == [(1, fid, 25)]
    assert dev.estimate([(fid, key, week)]) == [(1, fid, 7)]
    dev.sync([dict(id=fid, key=key, window=10)])
    assert dev.estimate([(fid, dev.keys[fid], None)]) == [(1, fid, 15)]
    assert dev.estimate([(fid, "0", None), (fid, "{deadbeef}3", None),
                         ("777777", key, None)]) == [
        (3, fid, None), (4, fid, None), (2, "777777", None)]
    # The key is not consumed: Sync continues from it.
    res = dev.sync([dict(id=fid, key=dev.keys[fid], window=100)])
    assert len(res[fid].adds) == 15


# ---------------------------------------------------------------- gate

def test_sync_behind_the_provisioning_gate(sync_server, mailbox):
    from prov_httpd import provision
    mailbox.deliver(message(1, subject="after provisioning"))
    dev = Device(sync_server, mailbox.user, device="devprov",
                 path="/eas-sync-prov")
    r = dev.sync_raw(sync_body([dict(id="1", key="0")]))
    assert status_of(r) == 142
    _, dev.policy_key = provision(dev.http, device_id="devprov")
    fid = inbox(dev)
    dev.prime(fid)
    res = dev.sync([dict(id=fid, key=dev.keys[fid])])
    assert subjects(res[fid]) == ["after provisioning"]
    assert dev.estimate([(fid, dev.keys[fid], None)]) == [(1, fid, 0)]
