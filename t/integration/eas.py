# SPDX-License-Identifier: Apache-2.0
"""ActiveSync client side for the integration tests (stdlib only).

- a WBXML encoder and decoder driven by mod_eas/wbxml_tags.h, so the tests
  build request bodies from readable trees: ("FolderHierarchy:FolderSync",
  [("FolderHierarchy:SyncKey", "0")]).  A child list, a str (inline string),
  bytes (OPAQUE) or None (empty element);
- both request-line forms of MS-ASHTTP 2.2.1.1.1 (plain and base64);
- HTTP requests with Basic authentication.
"""

import base64
import http.client
import os
import re
import struct

# ---------------------------------------------------------------- tag table


def _load_tags():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "mod_eas", "wbxml_tags.h")
    pages, by_name, by_token = {}, {}, {}
    with open(path) as f:
        text = f.read()
    for num, ident, ns in re.findall(
            r'^EAS_PAGE\((\d+),\s*(\w+),\s*"([^"]*)"\)', text, re.M):
        pages[ident] = (int(num), ns)
    for ident, token, name in re.findall(
            r"^EAS_TAG\((\w+),\s*(0x[0-9A-Fa-f]+),\s*(\w+),", text, re.M):
        page, ns = pages[ident]
        by_name[(ns, name)] = (page, int(token, 16))
        by_token[(page, int(token, 16))] = (ns, name)
    return by_name, by_token


TAGS, TOKENS = _load_tags()

# ---------------------------------------------------------------- WBXML

SWITCH_PAGE, END, STR_I, OPAQUE = 0x00, 0x01, 0x03, 0xC3
HEADER = bytes([0x03, 0x01, 0x6A, 0x00])  # WBXML 1.3, unknown public id, UTF-8


def mb_u_int32(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def encode(tree):
    """WBXML bytes of a tree (see the module docstring)."""
    out = bytearray(HEADER)
    state = {"page": 0}

    def element(node):
        name, content = node
        ns, local = name.split(":")
        page, token = TAGS[(ns, local)]
        if page != state["page"]:
            out.extend([SWITCH_PAGE, page])
            state["page"] = page
        if content is None:
            out.append(token)
            return
        out.append(token | 0x40)
        if isinstance(content, str):
            out.append(STR_I)
            out.extend(content.encode("utf-8") + b"\0")
        elif isinstance(content, bytes):
            out.append(OPAQUE)
            out.extend(mb_u_int32(len(content)) + content)
        else:
            for child in content:
                element(child)
        out.append(END)

    element(tree)
    return bytes(out)


def _read_mb(buf, pos):
    n = 0
    while True:
        b = buf[pos]
        pos += 1
        n = (n << 7) | (b & 0x7F)
        if not b & 0x80:
            return n, pos


def decode(buf):
    """Tree of a WBXML document (inverse of encode, text as str)."""
    pos = 1
    _, pos = _read_mb(buf, pos)          # public id
    _, pos = _read_mb(buf, pos)          # charset
    strtbl, pos = _read_mb(buf, pos)
    pos += strtbl
    page = 0

    def element(pos, page):
        while buf[pos] == SWITCH_PAGE:
            page = buf[pos + 1]
            pos += 2
        tok = buf[pos]
        pos += 1
        ns, local = TOKENS[(page, tok & 0x3F)]
        name = ns + ":" + local
        if not tok & 0x40:
            return (name, None), pos, page
        children, text = [], None
        while True:
            b = buf[pos]
            if b == END:
                pos += 1
                break
            if b == STR_I:
                end = buf.index(b"\0", pos + 1)
                text = (text or "") + buf[pos + 1:end].decode("utf-8")
                pos = end + 1
            elif b == OPAQUE:
                n, p = _read_mb(buf, pos + 1)
                text = buf[p:p + n]
                pos = p + n
            else:
                child, pos, page = element(pos, page)
                children.append(child)
        return (name, children if children else text), pos, page

    tree, pos, _ = element(pos, page)
    assert pos == len(buf), "trailing bytes after the root element"
    return tree


def status_of(tree):
    """The Status child's value of a response root."""
    name, children = tree
    statuses = [v for (n, v) in children if n.endswith(":Status")]
    assert len(statuses) == 1, tree
    return int(statuses[0])


def find_all(tree, name):
    """Every element called name in tree (itself included), in document
    order; none in None."""
    found = []

    def walk(node):
        if node[0] == name:
            found.append(node)
        if isinstance(node[1], list):
            for child in node[1]:
                walk(child)

    if tree is not None:
        walk(tree)
    return found


def find(tree, name):
    """The first element called name in tree (itself included, depth
    first), or None."""
    if tree is None:
        return None
    if tree[0] == name:
        return tree
    if isinstance(tree[1], list):
        for child in tree[1]:
            hit = find(child, name)
            if hit:
                return hit
    return None


def text_of(tree, name):
    """The content of the first element called name in tree, or None."""
    hit = find(tree, name)
    return hit[1] if hit else None


def children(node, name=None):
    """The node's child elements (those called name), [] for text."""
    if not node or not isinstance(node[1], list):
        return []
    return [c for c in node[1] if name is None or c[0] == name]


def child_text(node, name):
    """The content of the node's first child called name, or None."""
    hit = children(node, name)
    return hit[0][1] if hit else None


# ---------------------------------------------------------------- request lines

CMD_CODES = {
    "Sync": 0, "SendMail": 1, "SmartForward": 2, "SmartReply": 3,
    "GetAttachment": 4, "FolderSync": 9, "FolderCreate": 10,
    "FolderDelete": 11, "FolderUpdate": 12, "MoveItems": 13,
    "GetItemEstimate": 14, "MeetingResponse": 15, "Search": 16,
    "Settings": 17, "Ping": 18, "ItemOperations": 19, "Provision": 20,
    "ResolveRecipients": 21, "ValidateCert": 22,
}
# Each command's root element (request and response), GetAttachment
# (no body) aside.
ROOTS = {
    "Sync": "AirSync:Sync", "SendMail": "ComposeMail:SendMail",
    "SmartForward": "ComposeMail:SmartForward",
    "SmartReply": "ComposeMail:SmartReply",
    "FolderSync": "FolderHierarchy:FolderSync",
    "FolderCreate": "FolderHierarchy:FolderCreate",
    "FolderDelete": "FolderHierarchy:FolderDelete",
    "FolderUpdate": "FolderHierarchy:FolderUpdate",
    "MoveItems": "Move:MoveItems",
    "GetItemEstimate": "GetItemEstimate:GetItemEstimate",
    "MeetingResponse": "MeetingResponse:MeetingResponse",
    "Search": "Search:Search", "Settings": "Settings:Settings",
    "Ping": "Ping:Ping", "ItemOperations": "ItemOperations:ItemOperations",
    "Provision": "Provision:Provision",
    "ResolveRecipients": "ResolveRecipients:ResolveRecipients",
    "ValidateCert": "ValidateCert:ValidateCert",
}
PARAM_TAGS = {
    "AttachmentName": 0, "CollectionId": 1, "CollectionName": 2, "ItemId": 3,
    "LongId": 4, "ParentId": 5, "Occurrence": 6, "Options": 7, "User": 8,
}


def plain_query(cmd="FolderSync", user="alice", device_id="dev0001",
                device_type="TestPhone", **params):
    """Plain text query; a None value leaves the parameter out."""
    from urllib.parse import quote
    parts = [("Cmd", cmd), ("User", user), ("DeviceId", device_id),
             ("DeviceType", device_type)] + list(params.items())
    return "&".join("%s=%s" % (k, quote(v, safe=""))
                    for k, v in parts if v is not None)


def base64_raw(version=141, cmd="FolderSync", locale=0x0409,
               device_id=b"dev0001", policy_key=None, device_type=b"TestPhone",
               params=()):
    """The byte sequence of MS-ASHTTP 2.2.1.1.1.1 (before base64)."""
    code = CMD_CODES[cmd] if isinstance(cmd, str) else cmd
    out = struct.pack("<BBH", version, code, locale)
    out += bytes([len(device_id)]) + device_id
    if policy_key is None:
        out += b"\0"
    else:
        out += b"\x04" + struct.pack("<I", policy_key)
    out += bytes([len(device_type)]) + device_type
    for name, value in params:
        tag = PARAM_TAGS[name] if isinstance(name, str) else name
        out += bytes([tag, len(value)]) + value
    return out


def base64_query(*args, **kwargs):
    return base64.b64encode(base64_raw(*args, **kwargs)).decode("ascii")


# ---------------------------------------------------------------- HTTP

WBXML_TYPE = "application/vnd.ms-sync.wbxml"
EAS_PATH = "/Microsoft-Server-ActiveSync"

# The test server's Basic-auth accounts: user -> password.
USERS = {
    "alice": "alice-pw-1",
    "bob@example.org": "bob-pw-2",
}


def basic_auth(user, password):
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return "Basic " + token


class Response:
    def __init__(self, resp):
        self.status = resp.status
        self.headers = resp.headers
        self.body = resp.read()

    def header(self, name):
        return self.headers.get(name)

    def tree(self):
        assert self.header("Content-Type") == WBXML_TYPE
        return decode(self.body)


class Client:
    """Requests to one server as one user, over a kept-alive connection."""

    def __init__(self, port, user="alice", password=None, path=None):
        self.port = port
        self.path = path or EAS_PATH
        self.auth = (basic_auth(user, password or USERS[user])
                     if user else None)
        self.conn = None

    def connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                   timeout=30)
        return self.conn

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, query=None, body=None, headers=None, path=None):
        url = (path or self.path) + ("?" + query if query is not None else "")
        hdrs = {}
        if self.auth:
            hdrs["Authorization"] = self.auth
        hdrs.update(headers or {})
        conn = self.connection()
        conn.request(method, url, body=body, headers=hdrs)
        resp = Response(conn.getresponse())
        if resp.headers.get("Connection", "").lower() == "close":
            self.close()
        return resp

    def options(self, **kw):
        return self.request("OPTIONS", **kw)

    def post(self, query, body=b"", version="14.1", content_type=WBXML_TYPE,
             headers=None, path=None):
        """POST a command; version None leaves MS-ASProtocolVersion out."""
        hdrs = {}
        if version is not None:
            hdrs["MS-ASProtocolVersion"] = version
        if content_type is not None and body:
            hdrs["Content-Type"] = content_type
        hdrs.update(headers or {})
        return self.request("POST", query=query, body=body, headers=hdrs,
                            path=path)


# ---------------------------------------------------------------- bodies

def folder_sync(sync_key="0"):
    return encode(("FolderHierarchy:FolderSync",
                   [("FolderHierarchy:SyncKey", sync_key)]))


def nested(depth):
    """A FolderSync whose elements nest depth levels deep."""
    node = ("FolderHierarchy:SyncKey", "0")
    for _ in range(depth - 2):
        node = ("FolderHierarchy:Changes", [node])
    return encode(("FolderHierarchy:FolderSync", [node]))


def wide(count):
    """A FolderSync root with count children (count + 1 elements)."""
    return encode(("FolderHierarchy:FolderSync",
                   [("FolderHierarchy:SyncKey", str(i)) for i in range(count)]))
