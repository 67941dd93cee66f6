# SPDX-License-Identifier: Apache-2.0
"""A private Radicale (Debian's radicale 3, CalDAV/CardDAV) for the tests.

Use it from a test module by importing the fixture:

    from radicale import radicale  # noqa: F401  (the fixture)

One server per test module; it listens on a free port of 127.0.0.1, with
its config, htpasswd file (plain), storage and log in a fresh temporary
directory.  Rights are owner-only: each user reaches /<user>/ and below,
nothing else.  USERS holds the accounts (user -> password).

A suite that needs Radicale's storage hook (a command run after every
change, e.g. a notification to mod_eas) makes its own instance with
Radicale(hook="...") and serves it with conftest.serve().

Seeding is plain HTTP (python stdlib): mkcalendar(), mkaddressbook(),
put(), delete(), request().
"""

import base64
import http.client
import os
import re
import subprocess
import sys
import time
import uuid
from xml.etree import ElementTree

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import conftest  # noqa: E402
from procs import Server, free_port  # noqa: E402

PYTHON = "/usr/bin/python3"

USERS = {
    "alice": "alice-dav-pw",
    "bob": "bob-dav-pw",
    "carol": "carol-dav-pw",
}

# Written into the server's log on a failure it did not expect.
CRASH_MARKS = ("Traceback", "An exception occurred")


class Radicale(Server):
    def __init__(self, users=None, hook=None, rights=None,
                 log_level="warning"):
        """rights: the text of a Radicale rights file (type from_file)
        instead of owner-only; log_level "debug" logs request bodies
        (request_bodies())."""
        super().__init__("mod_eas-radicale-", "radicale.log")
        self.log_level = log_level
        self.rights = rights
        self.users = dict(USERS if users is None else users)
        self.hook = hook
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.conf = os.path.join(self.root, "config")
        self.storage = os.path.join(self.root, "collections")
        self.logf = None
        self.forgiven = []      # log ranges whose tracebacks were expected

    # ------------------------------------------------------------ process

    def config_text(self):
        text = """[server]
hosts = 127.0.0.1:{port}

[auth]
type = htpasswd
htpasswd_filename = {root}/users
htpasswd_encryption = plain
delay = 0

[rights]
{rights}

[storage]
filesystem_folder = {storage}
""".format(port=self.port, root=self.root, storage=self.storage,
           rights="type = from_file\nfile = %s/rights" % self.root
           if self.rights else "type = owner_only")
        if self.hook:
            text += "hook = %s\n" % self.hook
        return text + "\n[web]\ntype = none\n\n[logging]\nlevel = %s\n" \
            % self.log_level

    def write_files(self):
        with open(os.path.join(self.root, "users"), "w") as f:
            for user, pw in self.users.items():
                f.write("%s:%s\n" % (user, pw))
        if self.rights:
            with open(os.path.join(self.root, "rights"), "w") as f:
                f.write(self.rights)
        with open(self.conf, "w") as f:
            f.write(self.config_text())

    def start(self):
        self.write_files()
        self.logf = open(self.log, "a")
        # In its own directory: "-m radicale" must find the package, never
        # this helper.
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "radicale", "-C", self.conf],
            stdout=self.logf, stderr=subprocess.STDOUT,
            cwd=self.root, start_new_session=True)
        self.wait_ready()

    def wait_ready(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("radicale exited with %s:\n%s"
                                   % (self.proc.returncode, self.log_text()))
            try:
                if self.request("OPTIONS", "/", user=None)[0] < 500:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("radicale did not answer on port %d" % self.port)

    def stop(self):
        super().stop()
        if self.logf:
            self.logf.close()
            self.logf = None

    def crashes(self, offset=0):
        text, out, pos = self.log_text(), [], offset
        for line in text[offset:].splitlines(True):
            if any(m in line for m in CRASH_MARKS) and not any(
                    a <= pos < b for a, b in self.forgiven):
                out.append(line.rstrip("\n"))
            pos += len(line)
        return out

    def forgive(self, offset):
        """What Radicale logged since offset was a test's doing (such as
        its warning, with a traceback, about a sync-token it no longer
        has): not a crash."""
        self.forgiven.append((offset, self.log_size()))

    # ------------------------------------------------------------ HTTP

    def request_bodies(self, method, path, offset=0):
        """The bodies of the method's requests on path logged since offset
        (log_level "debug" only)."""
        text = self.log_text()[offset:]
        out = []
        for m in re.finditer(r"%s request for '%s'" % (method,
                                                          re.escape(path)),
                             text):
            c = text.find("Request content:\n", m.end())
            nxt = text.find(" request for '", m.end())
            if c >= 0 and (nxt < 0 or c < nxt):
                end = text.find("\n[", c + 17)
                out.append(text[c + 17:end if end >= 0 else None])
        return out

    def request(self, method, path, body=None, headers=None, user="alice"):
        """(status, headers dict with lower-case names, body bytes)."""
        hdrs = dict(headers or {})
        if user:
            cred = "%s:%s" % (user, self.users[user])
            hdrs["Authorization"] = "Basic " + base64.b64encode(
                cred.encode()).decode()
        if isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return (resp.status,
                    {k.lower(): v for k, v in resp.getheaders()}, data)
        finally:
            conn.close()

    def _expect(self, want, method, path, **kw):
        status, hdrs, data = self.request(method, path, **kw)
        if status not in want:
            raise RuntimeError("%s %s: %d %s" % (method, path, status,
                                                 data[:200]))
        return hdrs

    def mkcalendar(self, user, name=None, comps=("VEVENT",), color=None):
        """A new calendar of user; its path."""
        path = "/%s/%s/" % (user, uuid.uuid4())
        body = ('<?xml version="1.0" encoding="utf-8"?>'
                '<C:mkcalendar xmlns:D="DAV:" '
                'xmlns:C="urn:ietf:params:xml:ns:caldav" '
                'xmlns:I="http://apple.com/ns/ical/"><D:set><D:prop>'
                '<D:displayname>%s</D:displayname>%s'
                '<C:supported-calendar-component-set>%s'
                '</C:supported-calendar-component-set>'
                '</D:prop></D:set></C:mkcalendar>'
                % (name or "Calendar",
                   "<I:calendar-color>%s</I:calendar-color>" % color
                   if color else "",
                   "".join('<C:comp name="%s"/>' % c for c in comps)))
        self._expect((201,), "MKCALENDAR", path, body=body, user=user)
        return path

    def mkaddressbook(self, user, name=None):
        path = "/%s/%s/" % (user, uuid.uuid4())
        body = ('<?xml version="1.0" encoding="utf-8"?>'
                '<D:mkcol xmlns:D="DAV:" '
                'xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>'
                '<D:resourcetype><D:collection/><CR:addressbook/>'
                '</D:resourcetype><D:displayname>%s</D:displayname>'
                '</D:prop></D:set></D:mkcol>' % (name or "Contacts"))
        self._expect((201,), "MKCOL", path, body=body, user=user)
        return path

    def members(self, user, coll):
        """href -> data of every item of a collection, as another client
        sees it (PROPFIND Depth 1, then GET)."""
        status, _, body = self.request("PROPFIND", coll, user=user,
                                       headers={"Depth": "1"})
        assert status == 207, status
        out = {}
        for resp in ElementTree.fromstring(body).findall("{DAV:}response"):
            href = resp.find("{DAV:}href").text
            if href.rstrip("/") != coll.rstrip("/"):
                out[href] = self.request("GET", href, user=user)[2].decode()
        return out

    def put(self, user, path, data, ctype=None):
        """Store data at path; its new ETag."""
        if ctype is None:
            ctype = ("text/vcard" if path.endswith(".vcf")
                     else "text/calendar")
        hdrs = self._expect((201, 204), "PUT", path, body=data, user=user,
                            headers={"Content-Type": ctype + "; charset=utf-8"})
        return hdrs.get("etag")

    def delete(self, user, path):
        self._expect((200, 204), "DELETE", path, user=user)


def event(uid, summary="Event", start="20260310T090000Z",
          end="20260310T100000Z", rrule=None):
    """A small VEVENT calendar object."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//mod_eas//tests//EN",
             "BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20260101T000000Z",
             "DTSTART:" + start, "DTEND:" + end, "SUMMARY:" + summary]
    if rrule:
        lines.append("RRULE:" + rrule)
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


def todo(uid, summary="Task", completed=False):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//mod_eas//tests//EN",
             "BEGIN:VTODO", "UID:" + uid, "DTSTAMP:20260101T000000Z",
             "SUMMARY:" + summary]
    if completed:
        lines += ["STATUS:COMPLETED", "COMPLETED:20260102T000000Z"]
    lines += ["END:VTODO", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


def vcard(uid, name="Ann Example"):
    return ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s\r\nFN:%s\r\n"
            "N:%s;;;;\r\nEND:VCARD\r\n" % (uid, name, name.split()[-1]))


@pytest.fixture(scope="module")
def radicale(request):
    """A module may set RADICALE_LOG_LEVEL ("debug": request bodies)."""
    level = getattr(request.module, "RADICALE_LOG_LEVEL", "warning")
    yield from conftest.serve(Radicale(log_level=level), request,
                              "radicale")
