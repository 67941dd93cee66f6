#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Initial sync of contacts and calendars from Radicale, as a phone does it.

    bench_pim.py [--builddir DIR] [--contacts N] [--events M] [--seed S]
                 [--window W] [--repeat R]
                 [--conf 'Directive args']... [--keep]

A private Radicale (Debian's radicale 3) holds one address book of N
contacts (10% with a 5-30 KB photo) and one calendar of M events (20%
recurring, some of those with EXDATEs or overridden occurrences; four
time zones and UTC), made by gen_pim.py and written in Radicale's
documented file-system storage, then indexed by Radicale (one
sync-collection REPORT per collection, untimed).  A private httpd (event
MPM, one child of 16 threads, SQLite state) serves them through mod_eas's
dav backend (EASBackend dav, the phone's own credentials).

mod_eas: the phone's FolderSync, then for the contacts folder and then the
calendar folder Sync with SyncKey 0 and Sync with WindowSize W until no
MoreAvailable (FilterType 0, BodyPreference Type 1 truncated at 32 KB).
Every response is decoded (t/integration/eas.py); the Adds must number N
and M with no ServerId twice, with as many photos, recurrences and
exception lists as were loaded.  Measured: wall time, items per second,
httpd CPU (all its processes, user+system, from /proc) per 1,000 items,
Radicale's CPU, httpd's peak RSS (VmHWM of its children).

A first run reaches Radicale through a small recording proxy (a Python
thread per connection, one kept-alive upstream connection each), which
records and times each request it forwards; the timed runs (R of them,
the median shown) go straight to Radicale, as a deployment does, so the
proxy's own hop is in no figure but its own line.  The floor: exactly
the requests mod_eas sent (method, path, headers, body), in the same
order on one kept-alive connection, timed against Radicale alone.  The
target is mod_eas's wall time at most 1.3 times that.  For reference also what a minimal client needs for the same
items: one sync-collection REPORT per collection, then multigets of W.

python3 standard library; Debian's /usr/bin/python3 (radicale installed);
run as root or as a user who may start httpd on a free port.
"""

import argparse
import base64
import hashlib
import http.client
import http.server
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "bench", "sync"))
sys.path.insert(0, HERE)

import bench_sync as bs  # noqa: E402  (stubs pytest where it is missing)
import eas  # noqa: E402
import gen_pim  # noqa: E402
import httpd  # noqa: E402

A = "AirSync:"
B = "AirSyncBase:"
F = "FolderHierarchy:"
C = "Contacts:"
CAL = "Calendar:"
USER = "alice"
PASSWORD = "alice-bench-pw"
TRUNCATION = 32768
RADICALE_PY = "/usr/bin/python3"
TARGET_CPU = 0.3            # httpd CPU s per 1,000 items
TARGET_RATIO = 1.3          # wall time over the floor's


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------- Radicale

class Radicale:
    """A private Radicale with one user, its storage written beforehand."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="mod_eas-bench-pim-dav-")
        self.port = httpd.free_port()
        self.storage = os.path.join(self.root, "collections")
        self.proc = None
        self.auth = eas.basic_auth(USER, PASSWORD)

    def load(self, contacts, events):
        """The address book and the calendar, in the storage: their paths,
        sizes, and how many items hold a photo, a recurrence and
        exceptions."""
        home = os.path.join(self.storage, "collection-root", USER)
        book = gen_pim.write_collection(
            os.path.join(home, "contacts"),
            {"tag": "VADDRESSBOOK", "D:displayname": "Kontakte"}, contacts)
        cal = gen_pim.write_collection(
            os.path.join(home, "calendar"),
            {"tag": "VCALENDAR", "D:displayname": "Kalender",
             "C:supported-calendar-component-set": "VEVENT",
             "ICAL:calendar-color": "#2a7ab0ff"}, events)
        want = {C + "Picture": sum("\nPHOTO" in t for _, t in contacts),
                CAL + "Recurrence": sum("\nRRULE" in t.partition("BEGIN:VEVENT")[2]
                                       for _, t in events),
                CAL + "Exceptions": sum("\nRECURRENCE-ID" in t
                                        or "\nEXDATE" in t
                                        for _, t in events)}
        return (["/%s/contacts/" % USER, "/%s/calendar/" % USER],
                [book, cal], want)

    def start(self):
        with open(os.path.join(self.root, "users"), "w") as f:
            f.write("%s:%s\n" % (USER, PASSWORD))
        conf = os.path.join(self.root, "config")
        with open(conf, "w") as f:
            f.write("[server]\nhosts = 127.0.0.1:%d\nmax_connections = 20\n"
                    "timeout = 300\n\n[auth]\ntype = htpasswd\n"
                    "htpasswd_filename = %s/users\n"
                    "htpasswd_encryption = plain\ndelay = 0\n\n"
                    "[rights]\ntype = owner_only\n\n[storage]\n"
                    "filesystem_folder = %s\n\n[web]\ntype = none\n\n"
                    "[logging]\nlevel = warning\n"
                    % (self.port, self.root, self.storage))
        self.logf = open(os.path.join(self.root, "radicale.log"), "a")
        self.proc = subprocess.Popen(
            [RADICALE_PY, "-m", "radicale", "-C", conf], stdout=self.logf,
            stderr=subprocess.STDOUT, cwd=self.root, start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("radicale exited: see %s" % self.root)
            try:
                if self.request("OPTIONS", "/")[0] < 500:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("radicale did not start")

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=600)

    def request(self, method, path, body=None, headers=None, conn=None):
        """(status, body) on conn (kept) or a connection of its own."""
        own = conn is None
        conn = conn or self.connection()
        hdrs = {"Authorization": self.auth}
        hdrs.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            if own:
                conn.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


SYNC_BODY = ('<?xml version="1.0" encoding="utf-8"?>'
             '<D:sync-collection xmlns:D="DAV:"><D:sync-token/>'
             '<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop>'
             '</D:sync-collection>')


def hrefs_of(body):
    """The hrefs of a multistatus (enough for the minimal floor)."""
    import xml.etree.ElementTree as ET
    out = []
    for resp in ET.fromstring(body).findall("{DAV:}response"):
        href = resp.find("{DAV:}href").text
        if not href.endswith("/"):
            out.append(href)
    return out


def multiget_body(kind, hrefs):
    if kind == "card":
        head = ('<C:addressbook-multiget xmlns:D="DAV:" '
                'xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop>'
                '<D:getetag/><C:address-data/></D:prop>')
        tail = "</C:addressbook-multiget>"
    else:
        head = ('<C:calendar-multiget xmlns:D="DAV:" '
                'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>'
                '<D:getetag/><C:calendar-data/></D:prop>')
        tail = "</C:calendar-multiget>"
    return ('<?xml version="1.0" encoding="utf-8"?>' + head + "".join(
        "<D:href>%s</D:href>" % h for h in hrefs) + tail).encode()


def index(dav, colls):
    """Radicale reads every item once (its cache) and starts its sync
    history: one sync-collection REPORT per collection."""
    for coll in colls:
        status, body = dav.request("REPORT", coll, SYNC_BODY.encode(),
                                   {"Depth": "1",
                                    "Content-Type": "application/xml"})
        if status != 207:
            raise RuntimeError("REPORT %s: %d" % (coll, status))


def minimal_floor(dav, colls, window):
    """One sync-collection per collection, then multigets of window
    hrefs: (seconds, requests, bytes)."""
    conn = dav.connection()
    n, size, t0 = 0, 0, time.perf_counter()
    for coll, kind in zip(colls, ("card", "cal")):
        status, body = dav.request("REPORT", coll, SYNC_BODY.encode(),
                                   {"Depth": "1",
                                    "Content-Type": "application/xml"},
                                   conn)
        n, size = n + 1, size + len(body)
        hrefs = hrefs_of(body)
        for i in range(0, len(hrefs), window):
            status, body = dav.request(
                "REPORT", coll, multiget_body(kind, hrefs[i:i + window]),
                {"Depth": "1", "Content-Type": "application/xml"}, conn)
            if status != 207:
                raise RuntimeError("multiget: %d" % status)
            n, size = n + 1, size + len(body)
    conn.close()
    return time.perf_counter() - t0, n, size


# ---------------------------------------------------------------- recorder

class Recorder(http.server.ThreadingHTTPServer):
    """A proxy to Radicale that keeps every request it forwards."""

    daemon_threads = True

    def __init__(self, upstream_port):
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.upstream_port = upstream_port
        self.records = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self):
        return self.server_address[1]

    def count(self):
        with self.lock:
            return len(self.records)

    def close(self):
        self.shutdown()
        self.server_close()


HOP = ("host", "connection", "keep-alive", "content-length",
       "transfer-encoding", "expect", "proxy-connection")


class RecordingHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None

    def log_message(self, *args):
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if not size:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else None

    def forward(self):
        body = self.body()
        hdrs = {k: v for k, v in self.headers.items()
                if k.lower() not in HOP}
        if self.upstream is None:
            self.upstream = http.client.HTTPConnection(
                "127.0.0.1", self.server.upstream_port, timeout=600)
        t0 = time.perf_counter()
        self.upstream.request(self.command, self.path, body=body,
                              headers=hdrs)
        resp = self.upstream.getresponse()
        data = resp.read()
        took = time.perf_counter() - t0
        with self.server.lock:
            self.server.records.append(dict(
                method=self.command, path=self.path, headers=hdrs,
                body=body, status=resp.status, size=len(data), took=took))
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.forward
        raise AttributeError(name)


def replay(dav, records):
    """The recorded requests again, in order, on one connection:
    (seconds, Radicale CPU seconds)."""
    conn = dav.connection()
    cpu0 = bs.Usage(dav.proc.pid)
    t0 = time.perf_counter()
    for r in records:
        conn.request(r["method"], r["path"], body=r["body"],
                     headers=r["headers"])
        resp = conn.getresponse()
        resp.read()
        if resp.status != r["status"]:
            raise RuntimeError("replay %s %s: %d, recorded %d" % (
                r["method"], r["path"], resp.status, r["status"]))
    took = time.perf_counter() - t0
    cpu = (bs.Usage(dav.proc.pid) - cpu0).cpu
    conn.close()
    return took, cpu


def request_kinds(records):
    """"REPORT sync-collection 3 (2.1 s), GET 200 (0.4 s), ...": each kind
    of request with its count and the time Radicale took (as the proxy
    saw it), the costliest first."""
    kinds = {}
    for r in records:
        k = r["method"]
        if r["method"] == "REPORT" and r["body"]:
            for name in (b"sync-collection", b"multiget", b"calendar-query",
                         b"addressbook-query"):
                if name in r["body"]:
                    k += " " + name.decode()
                    break
        elif r["method"] == "PROPFIND":
            k += " Depth " + r["headers"].get("Depth", "-")
        n, t = kinds.get(k, (0, 0.0))
        kinds[k] = (n + 1, t + r["took"])
    return ", ".join("%s %d (%.1f s)" % (k, n, t) for k, (n, t) in sorted(
        kinds.items(), key=lambda kv: -kv[1][1]))


# ---------------------------------------------------------------- httpd

class PimHttpd(httpd.Httpd):
    """mod_eas with mail (an empty Maildir) and the dav backend on the
    bench's Radicale; production log levels, one child."""

    def __init__(self, cfg, dav_port, extra=()):
        loc = ('    EASMaildir "{root}/mail/%l/Maildir"\n'
               "    EASProvisioning Off\n    EASBackend maildir\n"
               "    EASBackend dav\n"
               "    EASDAVURL http://127.0.0.1:" + str(dav_port) + "/\n")
        super().__init__(cfg, locations={eas.EAS_PATH: loc}, dbd=True)
        self.locations = {p: x.replace("{root}", self.root)
                          for p, x in self.locations.items()}
        self.server_extra = "\n".join([
            "LogLevel warn",
            "StartServers 1", "ServerLimit 1", "ThreadsPerChild 16",
            "MaxRequestWorkers 16", "MinSpareThreads 1",
            "MaxSpareThreads 16", "MaxConnectionsPerChild 0",
            "Timeout 300",
        ] + list(extra))

    def write_htpasswd(self):
        path = os.path.join(self.root, "htpasswd")
        digest = base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest())
        with open(path, "w") as f:
            f.write("%s:{SHA}%s\n" % (USER, digest.decode()))
        os.chmod(path, 0o644)

    def start(self):
        mail = os.path.join(self.root, "mail")
        os.makedirs(os.path.join(mail, USER))
        httpd.give_to_run_user(mail)
        super().start()


# ---------------------------------------------------------------- phone

class Phone:
    """One device's requests; counts what comes back, and the requests
    the recorder saw per Sync page when there is one."""

    def __init__(self, port, device, recorder=None):
        self.http = eas.Client(port, user=USER, password=PASSWORD)
        # A first page may take long (the bench's point): no 30 s limit.
        self.http.conn = http.client.HTTPConnection("127.0.0.1", port,
                                                    timeout=600)
        self.device = device
        self.recorder = recorder
        self.requests = 0
        self.bytes = 0
        self.dav_per_page = []

    def post(self, cmd, tree):
        before = self.recorder.count() if self.recorder else 0
        r = self.http.post(eas.plain_query(cmd, user=USER,
                                           device_id=self.device),
                           body=eas.encode(tree))
        self.requests += 1
        self.bytes += len(r.body)
        if r.status != 200:
            raise RuntimeError("%s answered HTTP %d: %r"
                               % (cmd, r.status, r.body[:200]))
        if self.recorder and cmd == "Sync":
            self.dav_per_page.append(self.recorder.count() - before)
        return r

    def folders(self):
        t = self.post("FolderSync", (F + "FolderSync",
                                     [(F + "SyncKey", "0")])).tree()
        if eas.text_of(t, F + "Status") != "1":
            raise RuntimeError("FolderSync: %r" % (t,))
        return {int(eas.text_of(a, F + "Type")): eas.text_of(a, F + "ServerId")
                for a in eas.find_all(t, F + "Add")}

    def sync(self, fid, key, window=None, options=None):
        node = [(A + "SyncKey", key), (A + "CollectionId", fid)]
        if window is not None:
            node += [(A + "GetChanges", None), (A + "WindowSize", str(window))]
        if options is not None:
            node.append((A + "Options", options))
        r = self.post("Sync", (A + "Sync", [(A + "Collections",
                                             [(A + "Collection", node)])]))
        if not r.body:
            return None
        colls = eas.find_all(r.tree(), A + "Collection")
        if len(colls) != 1 or eas.text_of(colls[0], A + "Status") != "1":
            raise RuntimeError("Sync of %s: %r" % (fid, colls))
        return colls[0]

    def close(self):
        self.http.close()


OPTIONS = [(A + "FilterType", "0"),
           (B + "BodyPreference", [(B + "Type", "1"),
                                   (B + "TruncationSize", str(TRUNCATION))])]


def sync_folder(phone, fid, window, counts):
    """SyncKey 0, then pages until no MoreAvailable; the items received."""
    coll = phone.sync(fid, "0")
    key = eas.text_of(coll, A + "SyncKey")
    seen = set()
    while True:
        coll = phone.sync(fid, key, window=window, options=OPTIONS)
        if coll is None:
            break
        counts["pages"] += 1
        key = eas.text_of(coll, A + "SyncKey")
        for add in eas.find_all(coll, A + "Add"):
            sid = eas.text_of(add, A + "ServerId")
            if sid in seen:
                raise RuntimeError("ServerId %s sent twice" % sid)
            seen.add(sid)
            for name in (C + "Picture", CAL + "Recurrence",
                         CAL + "Exceptions"):
                if eas.find_all(add, name):
                    counts[name] = counts.get(name, 0) + 1
        if not eas.find_all(coll, A + "MoreAvailable"):
            break
    return len(seen)


def initial_sync(port, device, window, recorder=None):
    phone = Phone(port, device, recorder)
    counts = {"pages": 0}
    t0, c0 = time.perf_counter(), time.process_time()
    folders = phone.folders()
    if 9 not in folders or 8 not in folders:
        raise RuntimeError("FolderSync lists no Contacts or Calendar folder:"
                           " %r" % folders)
    counts["contacts"] = sync_folder(phone, folders[9], window, counts)
    t1 = time.perf_counter()
    counts["events"] = sync_folder(phone, folders[8], window, counts)
    wall = time.perf_counter() - t0
    counts.update(wall=wall, wall_contacts=t1 - t0, wall_events=wall - (t1 - t0),
                  client=time.process_time() - c0, requests=phone.requests,
                  bytes=phone.bytes, dav_per_page=phone.dav_per_page)
    phone.close()
    return counts


def run_mod_eas(cfg, dav, window, extra, keep, expect, recorder=None,
                device="benchpim"):
    srv = PimHttpd(cfg, recorder.port if recorder else dav.port, extra)
    srv.start()
    try:
        use0, dav0 = bs.Usage(srv.proc.pid), bs.Usage(dav.proc.pid)
        res = initial_sync(srv.port, device, window, recorder)
        res["httpd"] = bs.Usage(srv.proc.pid) - use0
        res["dav_cpu"] = (bs.Usage(dav.proc.pid) - dav0).cpu
        res["rss_sum"], res["rss_max"] = bs.peak_rss(srv.proc.pid)
    finally:
        time.sleep(0.3)
        crashes = srv.crashes()
        srv.stop()
        if crashes or keep:
            log("  httpd directory kept: %s" % srv.root)
        else:
            srv.cleanup()
    if crashes:
        raise RuntimeError("httpd crashed: %s" % "\n".join(crashes))
    got = (res["contacts"], res["events"])
    if got != expect[:2]:
        raise RuntimeError("%d contacts and %d events synced, %d and %d "
                           "loaded" % (got + expect[:2]))
    want = expect[2]
    for name, n in want.items():
        if res.get(name, 0) != n:
            raise RuntimeError("%d items with %s, %d loaded"
                               % (res.get(name, 0), name, n))
    return res


# ---------------------------------------------------------------- report

def median_run(runs):
    return sorted(runs, key=lambda r: r["wall"])[(len(runs) - 1) // 2]


def main():
    ap = argparse.ArgumentParser(
        description="Initial sync of contacts and events from Radicale.")
    ap.add_argument("--builddir", default=os.path.join(TOP, "out"))
    ap.add_argument("--contacts", type=int, default=5000, metavar="N")
    ap.add_argument("--events", type=int, default=5000, metavar="M")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--window", type=int, default=100, metavar="W")
    ap.add_argument("--repeat", type=int, default=1, metavar="R",
                    help="timed runs (median wall shown)")
    ap.add_argument("--conf", action="append", default=[], metavar="LINE",
                    help="a server-level httpd directive to add")
    ap.add_argument("--keep", action="store_true",
                    help="keep the httpd and Radicale directories")
    args = ap.parse_args()
    if args.repeat < 1 or args.contacts < 1 or args.events < 1:
        ap.error("--repeat, --contacts and --events must be at least 1")
    builddir = os.path.abspath(args.builddir)
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    cfg = bs.load_config(builddir)
    command = "/usr/bin/python3 %s" % " ".join(shlex.quote(a) for a in (
        [os.path.relpath(os.path.abspath(__file__), TOP),
         "--builddir", builddir, "--contacts", str(args.contacts),
         "--events", str(args.events), "--seed", str(args.seed),
         "--window", str(args.window)]
        + (["--repeat", str(args.repeat)] if args.repeat != 1 else [])
        + [x for c in args.conf for x in ("--conf", c)]))
    load_before = bs.loadavg()

    cards = evs = None
    base = os.path.join(bs.CACHE, "pim-c%d-e%d-s%d" % (
        args.contacts, args.events, args.seed))
    if not os.path.exists(os.path.join(base, "complete")):
        log("generating %d contacts and %d events ..."
            % (args.contacts, args.events))
        cards = gen_pim.contacts(args.contacts, args.seed)
        evs = gen_pim.events(args.events, args.seed)
    dav = Radicale()
    try:
        indexing = None
        if cards is not None:
            shutil.rmtree(base, ignore_errors=True)
            colls, sizes, want = dav.load(cards, evs)
            dav.start()
            log("Radicale indexing the storage ...")
            t0 = time.perf_counter()
            index(dav, colls)
            indexing = time.perf_counter() - t0
            log("  %.1f s; kept in %s" % (indexing, base))
            dav.stop()
            shutil.copytree(dav.storage, os.path.join(base, "collections"),
                            symlinks=True)
            with open(os.path.join(base, "complete"), "w") as f:
                json.dump(dict(colls=colls, sizes=sizes, want=want,
                               indexing=indexing), f)
        else:
            shutil.copytree(os.path.join(base, "collections"), dav.storage,
                            symlinks=True)
        with open(os.path.join(base, "complete")) as f:
            saved = json.load(f)
        colls, sizes, want = saved["colls"], saved["sizes"], saved["want"]
        indexing = saved["indexing"]
        expect = (args.contacts, args.events, want)
        dav.start()
        index(dav, colls)

        log("mod_eas run through the recording proxy (what it asks "
            "Radicale) ...")
        rec = Recorder(dav.port)
        try:
            proxied = run_mod_eas(cfg, dav, args.window, args.conf,
                                  args.keep, expect, rec, device="benchpimrec")
        finally:
            rec.close()
        records = rec.records
        proxied["dav_wait"] = sum(x["took"] for x in records)
        log("  %.2f s (%.2f s of it waiting for Radicale), httpd CPU "
            "%.2f s, Radicale CPU %.2f s; %d requests to Radicale: %s"
            % (proxied["wall"], proxied["dav_wait"], proxied["httpd"].cpu,
               proxied["dav_cpu"], len(records), request_kinds(records)))
        runs = []
        for i in range(args.repeat):
            log("mod_eas run %d of %d, straight to Radicale ..."
                % (i + 1, args.repeat))
            runs.append(run_mod_eas(cfg, dav, args.window, args.conf,
                                    args.keep, expect,
                                    device="benchpim%d" % i))
            log("  %.2f s, httpd CPU %.2f s, Radicale CPU %.2f s"
                % (runs[-1]["wall"], runs[-1]["httpd"].cpu,
                   runs[-1]["dav_cpu"]))
        floors = []
        for i in range(args.repeat):
            log("floor: the last run's requests against Radicale alone "
                "(%d of %d) ..." % (i + 1, args.repeat))
            floors.append(replay(dav, records))
            log("  %.2f s, Radicale CPU %.2f s" % floors[-1])
        log("minimal client: sync-collection + multiget of %d ..."
            % args.window)
        minimal = minimal_floor(dav, colls, args.window)
        log("  %.2f s, %d requests" % minimal[:2])
    finally:
        dav.stop()
        if args.keep:
            log("Radicale directory kept: %s" % dav.root)
        else:
            dav.cleanup()

    r = median_run(runs)
    floor, floor_cpu = sorted(floors)[(len(floors) - 1) // 2]
    items = r["contacts"] + r["events"]
    k = items / 1000.0
    cpu_k = r["httpd"].cpu / k
    ratio = r["wall"] / floor
    pages = proxied["pages"]
    per_page = proxied["dav_per_page"]
    print()
    print("Initial sync of %d contacts (%d with photos, %.1f MB) and %d "
          "events (%d recurring, %d with exceptions, %.1f MB) from Radicale,"
          % (args.contacts, want[C + "Picture"], sizes[0] / 1e6, args.events,
             want[CAL + "Recurrence"], want[CAL + "Exceptions"],
             sizes[1] / 1e6))
    print("FolderSync + per folder Sync key 0 + Sync pages of %d until no "
          "MoreAvailable%s." % (args.window, ", median of %d runs"
                                % args.repeat if args.repeat > 1 else ""))
    print()
    rows = [
        ("wall time", "%.2f s (contacts %.2f, events %.2f)"
         % (r["wall"], r["wall_contacts"], r["wall_events"])),
        ("items/s", "%.0f" % (items / r["wall"])),
        ("httpd CPU per 1,000 items", "%.3f s (%.0f%% system); target "
         "%.1f: %s" % (cpu_k, 100 * r["httpd"].sys / max(r["httpd"].cpu,
                                                         1e-9),
                       TARGET_CPU, "met" if cpu_k <= TARGET_CPU
                       else "MISSED")),
        ("httpd peak RSS", "%.0f MB (largest process %.0f MB)"
         % (r["rss_sum"], r["rss_max"])),
        ("Radicale CPU during the sync", "%.2f s" % r["dav_cpu"]),
        ("through the recording proxy", "wall %.2f s, %.2f s of it "
         "waiting for Radicale" % (proxied["wall"], proxied["dav_wait"])),
        ("floor (the same %d requests, Radicale alone)" % len(records),
         "%.2f s (Radicale CPU %.2f s)" % (floor, floor_cpu)),
        ("wall / floor", "%.2f; target %.1f: %s" % (
            ratio, TARGET_RATIO, "met" if ratio <= TARGET_RATIO
            else "MISSED")),
        ("minimal client (sync-collection + multiget)",
         "%.2f s, %d requests, %.1f MB" % (minimal[0], minimal[1],
                                            minimal[2] / 1e6)),
        ("Radicale requests per Sync page",
         "median %d, max %d (%d pages)" % (
             statistics.median(per_page), max(per_page), pages)),
        ("Radicale requests", request_kinds(records)),
        ("EAS requests, WBXML received", "%d, %.1f MB"
         % (r["requests"], r["bytes"] / 1e6)),
        ("client CPU (WBXML decoding)", "%.2f s" % r["client"]),
        ("Radicale indexing (untimed)", "%.1f s" % indexing),
    ]
    width = max(len(a) for a, _ in rows)
    for a, b in rows:
        print("%s  %s" % (a.ljust(width), b))
    if args.repeat > 1:
        print("all runs: wall %s s; floors %s s" % (
            ", ".join("%.2f" % x["wall"] for x in runs),
            ", ".join("%.2f" % f for f, _ in floors)))
    print()
    print("machine:  %s" % bs.machine())
    print("build:    %s" % bs.build_flags(builddir))
    print("httpd:    %s, event MPM, 1 child x 16 threads, SQLite state"
          % cfg.HTTPD)
    print("load:     %s before, %s after (1/5/15 min)"
          % (load_before, bs.loadavg()))
    print("command:  %s" % command)


if __name__ == "__main__":
    main()
