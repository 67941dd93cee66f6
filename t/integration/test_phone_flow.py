# SPDX-License-Identifier: Apache-2.0
"""A phone's whole flow against one httpd with provisioning on: the gate,
both Provision phases, FolderSync, the initial Sync of 1,000 messages in
pages, Read/Flag/Delete/MoveItems, SendMail with an attachment, changes
by other mail programs, a second device of the same user, and a second
user holding every id of the first who reaches none of the first user's
mail or state."""

import email
import email.policy
import os
import time
import uuid
from email.message import EmailMessage

import pytest

import eas
from mail_httpd import (find, find_all, mail_log, mail_server,  # noqa: F401
                        smtp_sink, text)

PATH = "/eas-mail-prov"
POLICY_TYPE = "MS-EAS-Provisioning-WBXML"
A = "AirSync:"
E = "Email:"
F = "FolderHierarchy:"
COUNT = 1000
ATTACHMENT = b"%PDF-1.4\n" + bytes(range(256)) * 12 + b"\n%%EOF\n"
SENT_ATTACHMENT = bytes(range(255, -1, -1)) * 16 + b"phone attachment end"


# ---------------------------------------------------------------- mailboxes

def flow_maildir(srv, user, folder=""):
    base = os.path.join(srv.root, "flow", user.split("@")[0], "Maildir")
    return os.path.join(base, "." + folder) if folder else base


def make_home(srv, user):
    home = os.path.join(srv.root, "flow", user.split("@")[0])
    os.makedirs(home, exist_ok=True)
    srv.give(os.path.join(srv.root, "flow"))


def templates():
    """A few realistic messages with placeholders for subject and id:
    plain text, HTML alternative, a PDF attachment."""
    out = []
    for kind in range(4):
        m = EmailMessage()
        m["From"] = "Léa Fontaine <lea@example.net>"
        m["To"] = "Alice <alice@example.org>"
        m["Subject"] = "@@SUBJECT@@"
        m["Date"] = "Tue, 24 Nov 2026 09:%02d:00 +0100" % (10 + kind)
        m["Message-ID"] = "<msgidplaceholder@example.net>"
        m.set_content("Bonjour Alice,\n\nle point n° %d sur le projet.\n"
                      "– Léa\n" % kind)
        if kind == 1:
            m.add_alternative("<p>Bonjour <b>Alice</b>, point %d.</p>" % kind,
                              subtype="html")
        if kind == 3:
            m.add_attachment(ATTACHMENT, maintype="application",
                             subtype="pdf", filename="rapport.pdf")
        out.append(m.as_bytes(policy=email.policy.SMTP))
    return out


def write_message(srv, user, raw, folder="", seq=0):
    """Deliver into new/ the way a delivery agent does (tmp, then rename);
    returns the path.  The caller gives the tree to httpd's user."""
    base = flow_maildir(srv, user, folder)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(base, sub), exist_ok=True)
    name = "%d.M%06dP%d.flowhost" % (time.time(), seq, os.getpid())
    tmp = os.path.join(base, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(raw)
    path = os.path.join(base, "new", name)
    os.rename(tmp, path)
    return path


def deliver_many(srv, user, subjects):
    tpl = templates()
    for i, subject in enumerate(subjects):
        raw = tpl[i % len(tpl)].replace(b"@@SUBJECT@@", subject.encode()) \
            .replace(b"msgidplaceholder", b"flow%d.%s" % (i, uuid.uuid4().hex.encode()))
        write_message(srv, user, raw, seq=i)
    srv.give(os.path.join(srv.root, "flow"))


def by_subject(srv, user, folder=""):
    """subject -> (path, flags) of every message in a folder."""
    out = {}
    base = flow_maildir(srv, user, folder)
    for sub in ("cur", "new"):
        d = os.path.join(base, sub)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            path = os.path.join(d, name)
            with open(path, "rb") as f:
                msg = email.message_from_binary_file(
                    f, policy=email.policy.default)
            flags = name.split(":2,")[1] if ":2," in name else ""
            out[str(msg["Subject"])] = (path, flags)
    return out


def snapshot(srv, user):
    """Every file name under the user's Maildir."""
    root = flow_maildir(srv, user)
    return sorted(os.path.relpath(os.path.join(top, n), root)
                  for top, _, names in os.walk(root) for n in names)


def wait_sent(srv, subject, timeout=5.0):
    deadline = time.time() + timeout
    while True:
        for rec in srv.sent_mail():
            msg = email.message_from_bytes(rec["message"],
                                           policy=email.policy.default)
            if msg["Subject"] == subject:
                return rec, msg
        assert time.time() < deadline, "nothing sent with %r" % subject
        time.sleep(0.05)


# ---------------------------------------------------------------- the phone

class Phone:
    """One user's device speaking one version at PATH, sending its policy
    key with every request once it has one."""

    def __init__(self, srv, user="alice", device_id=None, version="14.1"):
        self.http = eas.Client(srv.port, user=user, path=PATH)
        self.user = user
        self.device_id = device_id or "flow%s" % uuid.uuid4().hex[:12]
        self.version = version
        self.policy_key = None
        self.folder_key = "0"
        self.keys = {}

    def close(self):
        self.http.close()

    def post(self, cmd, tree=None, raw=None, pkey="own", content_type=None,
             **params):
        """pkey: the X-MS-PolicyKey to send instead of the device's own."""
        key = self.policy_key if pkey == "own" else pkey
        headers = {"X-MS-PolicyKey": str(key)} if key is not None else {}
        body = raw if raw is not None else eas.encode(tree)
        return self.http.post(
            eas.plain_query(cmd, user=self.user, device_id=self.device_id,
                            **params),
            body=body, version=self.version, headers=headers,
            content_type=content_type or eas.WBXML_TYPE)

    def call(self, cmd, tree, **kw):
        r = self.post(cmd, tree, **kw)
        assert r.status == 200, (cmd, r.status, r.body)
        return r.tree()

    # provisioning
    def provision(self):
        t1 = self.call("Provision", ("Provision:Provision", [
            ("Provision:Policies", [("Provision:Policy", [
                ("Provision:PolicyType", POLICY_TYPE)])])]), pkey="0")
        assert eas.status_of(t1) == 1, t1
        policy = find(t1, "Provision:Policy")
        assert text(policy, "Provision:Status") == "1", t1
        doc = find(policy, "Provision:EASProvisionDoc")
        assert text(doc, "Provision:DevicePasswordEnabled") == "1"
        assert text(doc, "Provision:MinDevicePasswordLength") == "4"
        temp = text(policy, "Provision:PolicyKey")
        t2 = self.call("Provision", ("Provision:Provision", [
            ("Provision:Policies", [("Provision:Policy", [
                ("Provision:PolicyType", POLICY_TYPE),
                ("Provision:PolicyKey", temp),
                ("Provision:Status", "1")])])]), pkey=temp)
        assert eas.status_of(t2) == 1, t2
        policy = find(t2, "Provision:Policy")
        assert text(policy, "Provision:Status") == "1", t2
        final = int(text(policy, "Provision:PolicyKey"))
        assert final not in (0, int(temp))
        self.policy_key = final
        return final

    # folders
    def folder_sync(self, key=None, **kw):
        return self.call("FolderSync", (F + "FolderSync", [
            (F + "SyncKey", key or self.folder_key)]), **kw)

    def folders(self):
        """FolderSync 0: name -> (id, type)."""
        t = self.folder_sync("0")
        assert int(text(t, F + "Status")) == 1, t
        self.folder_key = text(t, F + "SyncKey")
        return {text(a, F + "DisplayName"): (text(a, F + "ServerId"),
                                             int(text(a, F + "Type")))
                for a in find_all(t, F + "Add")}

    def folder_create(self, name):
        t = self.call("FolderCreate", (F + "FolderCreate", [
            (F + "SyncKey", self.folder_key), (F + "ParentId", "0"),
            (F + "DisplayName", name), (F + "Type", "12")]))
        assert int(text(t, F + "Status")) == 1, t
        self.folder_key = text(t, F + "SyncKey")
        return text(t, F + "ServerId")

    # Sync
    def sync(self, fid, key=None, window=None, commands=None, **kw):
        node = [(A + "SyncKey", key or self.keys[fid]),
                (A + "CollectionId", fid)]
        if commands is not None:
            node.append((A + "DeletesAsMoves", "1"))
        if key != "0":
            node.append((A + "GetChanges", None))
        if window is not None:
            node.append((A + "WindowSize", str(window)))
        if commands is not None:
            node.append((A + "Commands", commands))
        r = self.post("Sync", (A + "Sync", [(A + "Collections", [
            (A + "Collection", node)])]), **kw)
        assert r.status == 200, (r.status, r.body)
        if not r.body:
            return None
        t = r.tree()
        coll = find(t, A + "Collection")
        assert coll is not None, t
        if text(coll, A + "Status") == "1":
            self.keys[fid] = text(coll, A + "SyncKey")
        return coll

    def prime(self, fid):
        coll = self.sync(fid, key="0")
        assert text(coll, A + "Status") == "1", coll
        assert find(coll, A + "Commands") is None
        return self.keys[fid]

    def initial(self, fid, window=100):
        """Sync 0, then pages until no MoreAvailable: (ServerId ->
        subject, ServerIds in order, round trips)."""
        self.prime(fid)
        items, order, trips = {}, [], 0
        for _ in range(COUNT // window + 5):
            coll = self.sync(fid, window=window)
            trips += 1
            if coll is None:
                break
            assert text(coll, A + "Status") == "1", coll
            for add in find_all(coll, A + "Add"):
                sid = text(add, A + "ServerId")
                order.append(sid)
                items[sid] = text(add, E + "Subject")
            if find(coll, A + "MoreAvailable") is None:
                break
        else:
            raise AssertionError("MoreAvailable never ended")
        return items, order, trips


def commands_of(coll):
    """kind -> [command node] of a Sync collection (None: empty)."""
    out = {}
    cmds = find(coll, A + "Commands") if coll else None
    for node in (cmds[1] if cmds else []):
        out.setdefault(node[0][len(A):], []).append(node)
    return out


def change(sid, read=None, flag=None):
    data = []
    if read is not None:
        data.append((E + "Read", str(read)))
    if flag is not None:
        data.append((E + "Flag", [(E + "Status", str(flag))]))
    return (A + "Change", [(A + "ServerId", sid),
                           (A + "ApplicationData", data)])


def move(phone, sid, src, dst):
    t = phone.call("MoveItems", ("Move:MoveItems", [("Move:Move", [
        ("Move:SrcMsgId", sid), ("Move:SrcFldId", src),
        ("Move:DstFldId", dst)])]))
    r = find(t, "Move:Response")
    return int(text(r, "Move:Status")), text(r, "Move:DstMsgId")


def folder_status(t):
    return int(text(t, F + "Status"))


def outgoing(subject):
    m = EmailMessage()
    m["From"] = "Somebody Else <mallory@evil.example>"
    m["To"] = "Bob Martin <bob.martin@example.net>"
    m["Subject"] = subject
    m.set_content("Hello Bob,\n\nthe figures are attached.\n")
    m.add_attachment(SENT_ATTACHMENT, maintype="application",
                     subtype="octet-stream", filename="figures.bin")
    return m.as_bytes(policy=email.policy.SMTP)


@pytest.fixture
def phones(mail_server):
    made = []

    def make(**kw):
        p = Phone(mail_server, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


# ---------------------------------------------------------------- 14.1

def test_phone_flow_14_1(mail_server, mail_log, phones):
    srv = mail_server
    for user in ("alice", "bob@example.org"):
        make_home(srv, user)
    token = uuid.uuid4().hex[:8]
    subjects = ["Alice only %s no %04d" % (token, i) for i in range(COUNT)]
    deliver_many(srv, "alice", subjects)
    bob_subjects = ["Bob's own %s no %d" % (token, i) for i in range(3)]
    for i, s in enumerate(bob_subjects):
        write_message(srv, "bob@example.org",
                      templates()[0].replace(b"@@SUBJECT@@", s.encode())
                      .replace(b"msgidplaceholder", b"bob%d" % i), seq=i)
    srv.give(os.path.join(srv.root, "flow"))

    # 1. The gate, then both phases.
    phone = phones(user="alice")
    t = phone.folder_sync("0")
    assert folder_status(t) == 142, t
    mail_log.wait_for("EAS00920")
    key1 = phone.provision()
    assert folder_status(phone.folder_sync("0", pkey=str(key1 ^ 1))) == 144

    # 2. The special folders.
    folders = phone.folders()
    types = {t: fid for fid, t in folders.values()}
    assert {2, 3, 4, 5} <= set(types), folders
    inbox, deleted, sent = types[2], types[4], types[5]

    # 3. The initial Sync of 1,000 messages, 100 at a time.
    items, order, trips = phone.initial(inbox)
    assert len(order) == COUNT and len(set(order)) == COUNT
    assert sorted(items.values()) == sorted(subjects)
    assert trips in (10, 11), trips
    sid_of = {s: sid for sid, s in items.items()}

    # 4. Read, Flag, Delete (to Trash), MoveItems to a new folder.
    s_read, s_flag, s_del, s_move, s_ext = subjects[10:15]
    coll = phone.sync(inbox, commands=[
        change(sid_of[s_read], read=1), change(sid_of[s_flag], flag=2),
        (A + "Delete", [(A + "ServerId", sid_of[s_del])])])
    assert text(coll, A + "Status") == "1", coll
    assert find(coll, A + "Responses") is None, coll
    assert commands_of(coll) == {}, coll
    files = by_subject(srv, "alice")
    assert "S" in files[s_read][1] and "F" not in files[s_read][1]
    assert "F" in files[s_flag][1] and "S" not in files[s_flag][1]
    assert s_del not in files
    assert s_del in by_subject(srv, "alice", "Trash")
    projects = phone.folder_create("Projects %s" % token)
    st, new_sid = move(phone, sid_of[s_move], inbox, projects)
    assert st == 3 and new_sid, (st, new_sid)
    assert s_move not in by_subject(srv, "alice")
    assert s_move in by_subject(srv, "alice", "Projects %s" % token)
    coll = phone.sync(inbox)
    assert commands_of(coll) == {}, coll

    # 5. SendMail with an attachment, kept in Sent.
    sent_subject = "Figures from the phone %s" % token
    r = phone.post("SendMail", ("ComposeMail:SendMail", [
        ("ComposeMail:ClientId", uuid.uuid4().hex),
        ("ComposeMail:SaveInSentItems", None),
        ("ComposeMail:Mime", outgoing(sent_subject))]))
    assert r.status == 200 and r.body == b"", (r.status, r.body)
    rec, msg = wait_sent(srv, sent_subject)
    assert msg["From"].addresses[0].addr_spec == "alice@example.org"
    assert "mallory" not in rec["message"].decode("latin-1").lower()
    assert {p.get_filename(): p.get_content()
            for p in msg.iter_attachments()} == {
        "figures.bin": SENT_ATTACHMENT}
    assert "bob.martin@example.net" in rec["args"]
    phone.prime(sent)
    coll = phone.sync(sent)
    adds = commands_of(coll).get("Add", [])
    assert [text(a, E + "Subject") for a in adds] == [sent_subject]

    # 6. Another program delivers one message and flags another.
    new_subject = "Arrived meanwhile %s" % token
    write_message(srv, "alice", templates()[3]
                  .replace(b"@@SUBJECT@@", new_subject.encode())
                  .replace(b"msgidplaceholder", b"late" + token.encode()), seq=COUNT)
    path, flags = by_subject(srv, "alice")[s_ext]
    if "/new/" in path:
        os.rename(path, path.replace("/new/", "/cur/") + ":2,F")
    else:
        os.rename(path, path + "F")
    srv.give(os.path.join(srv.root, "flow"))
    coll = phone.sync(inbox)
    cmds = commands_of(coll)
    assert sorted(cmds) == ["Add", "Change"], coll
    (add,) = cmds["Add"]
    assert text(add, E + "Subject") == new_subject
    (chg,) = cmds["Change"]
    assert text(chg, A + "ServerId") == sid_of[s_ext]
    assert text(find(chg, E + "Flag"), E + "Status") == "2"
    assert phone.sync(inbox) is None

    # 7. A second device of the same user provisions itself.
    second = phones(user="alice")
    assert folder_status(second.folder_sync("0")) == 142
    assert folder_status(second.folder_sync("0", pkey=str(key1))) in \
        (142, 144)
    key2 = second.provision()
    assert key2 != key1
    folders2 = second.folders()
    assert {n: v for n, v in folders2.items()} == dict(
        folders, **{"Projects %s" % token: (projects, 12)})
    items2, order2, trips2 = second.initial(inbox)
    expected = set(subjects) - {s_del, s_move} | {new_subject}
    assert len(order2) == len(set(order2)) == COUNT - 1
    assert set(items2.values()) == expected
    assert trips2 in (10, 11), trips2
    assert phone.sync(inbox) is None            # the first key still works
    assert folder_status(phone.folder_sync()) == 1

    # 8. Another user with every id, key and the DeviceId of the first.
    before = snapshot(srv, "alice")
    bob = phones(user="bob@example.org", device_id=phone.device_id)
    assert folder_status(bob.folder_sync("0", pkey=str(key1))) in (142, 144)
    bob_key = bob.provision()
    assert bob_key != key1
    bob_folders = bob.folders()
    assert not any(token in n and n.startswith("Projects")
                   for n in bob_folders), bob_folders
    # Alice's SyncKey is not Bob's state.
    coll = bob.sync(inbox, key=phone.keys[inbox])
    assert text(coll, A + "Status") in ("3", "8"), coll
    # Alice's collection ids: at most Bob's own folders, never her mail.
    seen, bob_ids = [], set()
    for fid in (inbox, projects, deleted, sent):
        coll = bob.sync(fid, key="0")
        if text(coll, A + "Status") != "1":
            continue
        got, _, _ = bob.initial(fid)
        seen += got.values()
        bob_ids |= set(got)
        # Her ServerIds (those that are not also his own, ServerIds being
        # per user): changed, deleted, fetched from his side - none.
        hers = [s for s in order if s not in got][:3]
        coll = bob.sync(fid, commands=[
            change(hers[0], read=1),
            (A + "Delete", [(A + "ServerId", hers[1])]),
            (A + "Fetch", [(A + "ServerId", hers[2])])])
        assert text(coll, A + "Status") == "1", coll
        assert sorted(text(r, A + "Status")
                      for r in find(coll, A + "Responses")[1]) == ["8"] * 3
        assert find(coll, E + "Subject") is None, coll
    assert not [s for s in seen if token in s and s.startswith("Alice")]
    assert sorted(s for s in seen if s.startswith("Bob's")) == bob_subjects
    hers = [s for s in order if s not in bob_ids]
    st, _ = move(bob, hers[3], inbox, projects)
    assert st != 3
    r = bob.call("ItemOperations", ("ItemOperations:ItemOperations", [
        ("ItemOperations:Fetch", [
            ("ItemOperations:Store", "Mailbox"),
            (A + "CollectionId", inbox), (A + "ServerId", hers[4])])]))
    assert find(r, E + "Subject") is None, r
    assert int(text(find(r, "ItemOperations:Fetch"),
                    "ItemOperations:Status")) != 1, r
    # Alice's mail and state are as they were.
    assert snapshot(srv, "alice") == before
    assert phone.sync(inbox) is None
    assert second.sync(inbox) is None
    assert folder_status(phone.folder_sync()) == 1
    # Her keys do not pass his gate, and his passes.
    assert folder_status(bob.folder_sync("0", pkey=str(key1))) == 144
    assert folder_status(bob.folder_sync("0", pkey=str(key2))) == 144
    assert folder_status(bob.folder_sync()) == 1


# ---------------------------------------------------------------- 12.1

def test_phone_flow_12_1(mail_server, mail_log, phones):
    srv = mail_server
    # Bob's Maildir: the 14.1 flow counts Alice's Inbox exactly.
    make_home(srv, "bob@example.org")
    token = uuid.uuid4().hex[:8]
    subjects = ["Twelve one %s no %d" % (token, i) for i in range(5)]
    deliver_many(srv, "bob@example.org", subjects)
    phone = phones(user="bob@example.org", version="12.1")
    # Before provisioning: HTTP 449 and no body.
    r = phone.post("FolderSync", (F + "FolderSync", [(F + "SyncKey", "0")]))
    assert r.status == 449 and r.body == b"", (r.status, r.body)
    mail_log.wait_for("answering 449")
    key = phone.provision()
    folders = phone.folders()
    inbox = {t: fid for fid, t in folders.values()}[2]
    phone.prime(inbox)
    got = {}
    for _ in range(COUNT):
        coll = phone.sync(inbox, window=2)
        if coll is None:
            break
        for add in find_all(coll, A + "Add"):
            got[text(add, A + "ServerId")] = text(add, E + "Subject")
        if find(coll, A + "MoreAvailable") is None:
            break
    assert set(subjects) <= set(got.values())
    # A wrong key: 449 again; the right one still passes.
    r = phone.post("FolderSync", (F + "FolderSync", [(F + "SyncKey", "0")]),
                   pkey=str(key ^ 1))
    assert r.status == 449
    assert folder_status(phone.folder_sync()) == 1
