# SPDX-License-Identifier: Apache-2.0
"""FolderSync, FolderCreate, FolderUpdate, FolderDelete and MoveItems on
either mail backend (mailstore.py), against a real httpd."""

import os

import eas
from sync_httpd import (PASSWORD, PATH, mailbox, message,  # noqa: F401
                        sync_log, sync_server)

F = "FolderHierarchy:"


# The tree helpers: direct children only, as these tests mean them.
kids = eas.children
text = eas.child_text
find_all = eas.find_all


class Phone:
    def __init__(self, srv, user, device="fold0001", version="14.1"):
        self.user, self.device, self.version = user, device, version
        self.http = eas.Client(srv.port, user=user, password=PASSWORD,
                               path=PATH)
        self.key = "0"

    def post(self, cmd, tree):
        r = self.http.post(eas.plain_query(cmd, user=self.user,
                                           device_id=self.device),
                           body=eas.encode(tree), version=self.version)
        assert r.status == 200, (cmd, r.status, r.body)
        return r.tree()

    def folder_sync(self, key=None):
        t = self.post("FolderSync", (F + "FolderSync",
                                     [(F + "SyncKey", key or self.key)]))
        if int(text(t, F + "Status")) == 1:
            self.key = text(t, F + "SyncKey")
        return t

    def edit(self, cmd, **fields):
        kids_ = [(F + "SyncKey", fields.pop("key", self.key))]
        for name in ("ServerId", "ParentId", "DisplayName", "Type"):
            if name in fields:
                kids_.append((F + name, str(fields[name])))
        t = self.post(cmd, (F + cmd, kids_))
        if int(text(t, F + "Status")) == 1:
            self.key = text(t, F + "SyncKey")
        return t


def changes(t):
    out = {"Add": {}, "Update": {}, "Delete": []}
    for kind in ("Add", "Update"):
        for n in find_all(t, F + kind):
            out[kind][text(n, F + "DisplayName")] = (
                text(n, F + "ServerId"), text(n, F + "ParentId"),
                int(text(n, F + "Type")))
    out["Delete"] = [text(n, F + "ServerId") for n in find_all(t, F + "Delete")]
    return out


def status(t):
    return int(text(t, F + "Status"))


def test_initial_folder_sync_lists_special_folders(sync_server, sync_log,
                                                   mailbox):
    mailbox.make_folder("Projets.2026 été")
    p = Phone(sync_server, mailbox.user)
    t = p.folder_sync()
    assert status(t) == 1 and p.key != "0"
    c = changes(t)["Add"]
    assert int(text(find_all(t, F + "Changes")[0], F + "Count")) == len(c)
    types = {v[2] for v in c.values()}
    assert {2, 3, 4, 5} <= types, c          # Inbox, Drafts, Deleted, Sent
    parent = c["Projets"][0]
    assert c["2026 été"][1] == parent        # Unicode name under its parent
    assert all(v[1] == "0" for k, v in c.items() if k != "2026 été")
    # nothing new: same key, no changes
    t = p.folder_sync()
    assert status(t) == 1 and changes(t)["Add"] == {}


def test_changes_by_another_program_and_another_device(sync_server, sync_log,
                                                       mailbox):
    p = Phone(sync_server, mailbox.user)
    p.folder_sync()
    mailbox.make_folder("Archive")
    other = Phone(sync_server, mailbox.user, device="fold0002")
    other.folder_sync()
    t = other.edit("FolderCreate", ParentId="0", DisplayName="Reçus", Type=12)
    assert status(t) == 1
    new_id = text(t, F + "ServerId")
    c = changes(p.folder_sync())
    assert set(c["Add"]) == {"Archive", "Reçus"}
    assert c["Add"]["Reçus"][0] == new_id
    # the device that created it is not told again
    assert changes(other.folder_sync())["Add"] == {}
    # renamed by another program: an Update with the same id
    mailbox.rename_folder("Archive", "Archives")
    c = changes(p.folder_sync())
    assert list(c["Update"]) == ["Archives"] and not c["Add"]
    # deleted elsewhere
    other.edit("FolderDelete", ServerId=new_id)
    assert changes(p.folder_sync())["Delete"] == [new_id]


def test_create_update_delete_statuses(sync_server, sync_log, mailbox):
    p = Phone(sync_server, mailbox.user)
    c = changes(p.folder_sync())["Add"]
    inbox = next(v[0] for v in c.values() if v[2] == 2)
    t = p.edit("FolderCreate", ParentId="0", DisplayName="Clients", Type=12)
    assert status(t) == 1
    fid = text(t, F + "ServerId")
    assert os.path.isdir(mailbox.folder_dir("Clients"))
    assert status(p.edit("FolderCreate", ParentId="0", DisplayName="Clients",
                         Type=12)) == 2
    assert sync_log.wait_for("FolderCreate refused by the store: Status 2")
    assert status(p.edit("FolderCreate", ParentId="99999",
                         DisplayName="X", Type=12)) == 5
    sub = text(p.edit("FolderCreate", ParentId=fid, DisplayName="Sous",
                      Type=12), F + "ServerId")
    assert os.path.isdir(mailbox.folder_dir("Clients.Sous"))
    t = p.edit("FolderUpdate", ServerId=fid, ParentId="0",
               DisplayName="Clientèle")
    assert status(t) == 1
    renamed = [n for n in os.listdir(mailbox.root) if n.startswith(".Client")
               and not n.startswith(".Clients") and not n.endswith(".Sous")]
    assert renamed and os.path.isdir(mailbox.folder_dir(
        renamed[0][1:] + ".Sous")), os.listdir(mailbox.root)
    assert status(p.edit("FolderUpdate", ServerId="424242", ParentId="0",
                         DisplayName="Y")) == 4
    assert status(p.edit("FolderDelete", ServerId=inbox)) == 3
    assert status(p.edit("FolderDelete", ServerId="424242")) == 4
    assert status(p.edit("FolderDelete", ServerId=fid)) == 1
    assert not any(n.startswith(".Client") for n in os.listdir(mailbox.root))
    # the device made these changes itself: FolderSync reports none of them
    c = changes(p.folder_sync())
    assert c == {"Add": {}, "Update": {}, "Delete": []}, c
    assert sub  # deleted with its parent


def test_bad_keys_and_malformed_requests(sync_server, sync_log, mailbox):
    p = Phone(sync_server, mailbox.user)
    assert status(p.folder_sync("{deadbeef}7")) == 9
    assert sync_log.wait_for("unknown SyncKey")
    assert status(p.folder_sync("not a key")) == 9
    p.folder_sync()
    assert status(p.edit("FolderCreate", key="{00000000}1", ParentId="0",
                         DisplayName="Z", Type=12)) == 9
    assert status(p.edit("FolderCreate", key="0", ParentId="0",
                         DisplayName="Z", Type=12)) == 9
    for name in ("../../escape", "a/b", ""):
        t = p.edit("FolderCreate", ParentId="0", DisplayName=name, Type=12)
        assert status(t) == 10, name
    t = p.edit("FolderCreate", ParentId="../..", DisplayName="Z", Type=12)
    assert status(t) == 10
    for bad_type in (0, 99):
        t = p.edit("FolderCreate", ParentId="0", DisplayName="Z", Type=bad_type)
        assert status(t) == 10, bad_type
    assert sync_log.wait_for("DisplayName or Type")
    assert not os.path.exists(os.path.join(mailbox.root, "..", "escape"))
    assert status(p.post("FolderSync", (F + "FolderSync", []))) == 10


def test_folder_sync_zero_resets_collection_keys(sync_server, sync_log,
                                                 mailbox):
    mailbox.deliver(message(1))
    p = Phone(sync_server, mailbox.user)
    inbox = next(v[0] for v in changes(p.folder_sync())["Add"].values()
                 if v[2] == 2)
    body = eas.encode(("AirSync:Sync", [("AirSync:Collections", [
        ("AirSync:Collection", [("AirSync:SyncKey", "0"),
                                ("AirSync:CollectionId", inbox)])])]))
    r = p.http.post(eas.plain_query("Sync", user=p.user, device_id=p.device),
                    body=body)
    key = text(find_all(r.tree(), "AirSync:Collection")[0], "AirSync:SyncKey")
    p.key = "0"
    p.folder_sync()
    body = eas.encode(("AirSync:Sync", [("AirSync:Collections", [
        ("AirSync:Collection", [("AirSync:SyncKey", key),
                                ("AirSync:CollectionId", inbox)])])]))
    r = p.http.post(eas.plain_query("Sync", user=p.user, device_id=p.device),
                    body=body)
    coll = find_all(r.tree(), "AirSync:Collection")[0]
    assert int(text(coll, "AirSync:Status")) == 3


def test_move_items(sync_server, sync_log, mailbox):
    mailbox.make_folder("Classés")
    mailbox.deliver(message(1, subject="à classer"))
    p = Phone(sync_server, mailbox.user)
    adds = changes(p.folder_sync())["Add"]
    inbox = next(v[0] for v in adds.values() if v[2] == 2)
    dest = adds["Classés"][0]

    def sync(coll, key):
        body = eas.encode(("AirSync:Sync", [("AirSync:Collections", [
            ("AirSync:Collection", [("AirSync:SyncKey", key),
                                    ("AirSync:CollectionId", coll)])])]))
        r = p.http.post(eas.plain_query("Sync", user=p.user,
                                        device_id=p.device), body=body)
        if not r.body:
            return key, []
        c = find_all(r.tree(), "AirSync:Collection")[0]
        return (text(c, "AirSync:SyncKey"),
                [(n[0], text(n, "AirSync:ServerId"))
                 for n in find_all(c, "AirSync:Add")
                 + find_all(c, "AirSync:Delete")])

    ki, _ = sync(inbox, "0")
    ki, items = sync(inbox, ki)
    assert len(items) == 1
    src = items[0][1]
    kd, _ = sync(dest, "0")
    kd, _ = sync(dest, kd)

    def move(src_msg, src_fld, dst_fld):
        t = p.post("MoveItems", ("Move:MoveItems", [("Move:Move", [
            ("Move:SrcMsgId", src_msg), ("Move:SrcFldId", src_fld),
            ("Move:DstFldId", dst_fld)])]))
        r = find_all(t, "Move:Response")[0]
        return int(text(r, "Move:Status")), text(r, "Move:DstMsgId")

    st, dst_msg = move(src, inbox, dest)
    assert st == 3 and dst_msg.startswith(dest + ":")
    assert mailbox.files("Classés") and not mailbox.files()
    # neither folder reports the device's own move back
    assert sync(inbox, ki)[1] == []
    assert sync(dest, kd)[1] == []
    assert move(src, inbox, dest)[0] == 1             # already moved
    assert move(dst_msg, dest, "777777")[0] == 2      # no such destination
    assert sync_log.wait_for("to folder '777777': Status 2")
    assert move(dst_msg, dest, dest)[0] == 4          # same folder
    assert move("../../x:1", "../..", dest)[0] == 1   # never a path


def test_other_user_cannot_use_folder_ids(sync_server, sync_log, mailbox):
    mailbox.make_folder("Privé")
    a = Phone(sync_server, mailbox.user)
    priv = changes(a.folder_sync())["Add"]["Privé"][0]
    b_user = sync_server.next_user()
    from sync_httpd import Mailbox
    Mailbox(sync_server, b_user)
    b = Phone(sync_server, b_user, device="fold0001")
    b.folder_sync()
    # ids are per user: B can only ever reach B's own folders
    t = b.edit("FolderDelete", ServerId=priv)
    assert status(t) in (1, 3, 4)
    assert [n for n in os.listdir(mailbox.root) if n.startswith(".Priv")]
