#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Initial Sync of a large Maildir through HTTP, as a phone does it.

    bench_sync.py [--builddir DIR] [--messages N] [--window W] [--seed S]
                  [--state sqlite|pgsql|both] [--body mime|plain|both]
                  [--repeat R] [--conf 'Directive args']... [--keep]
                  [--backend maildir|imap|both]

Starts a private httpd (event MPM) with the module built in DIR, a
Maildir of N realistic messages (gen_maildir.py, cached in bench/out/),
and runs the client loop of a phone's first sync: FolderSync, Sync with
SyncKey 0, then Sync with WindowSize W until no MoreAvailable.  Each
response is decoded (t/integration/eas.py); the Add items must number N
with no ServerId twice, each with a Body of the asked Type and no more
Data than TruncationSize.  Every run starts from scratch: a new httpd, an
empty state database, a Maildir the server has never indexed (its own
files are removed; the message files themselves stay in the page cache).

Each run is done with SQLite state (mod_dbd, sqlite3) and with a private
PostgreSQL 15 (durable: fsync on), for BodyPreference Type 4 (MIME,
MIMESupport 2) and Type 1 (plain text), both truncated to 32 KB, with
WindowSize W and 512.  References measured in the same run: OPTIONS and
FolderSync (current key, nothing new) round trips per second, the floor
of HTTP, authentication and state look-ups.

Columns: wall time of the whole sync, items per second, httpd CPU seconds
(all its processes, user+system, from /proc) per 1,000 items and the
system share of it, httpd's minor page faults per item, the database
server's CPU per 1,000 items (PostgreSQL only), the client's own CPU
(WBXML decoding in Python), peak RSS of httpd's children (sum of VmHWM
and the largest one) and the WBXML bytes received.  --conf adds httpd
directives (e.g. --conf 'MaxMemFree 0') to compare server settings.

--backend imap serves the same Maildir through a private Dovecot
(t/integration/dovecot.py, no push plugin; a fresh Dovecot for every run,
its index removed as the server's are) to the imap backend (EASBackend
imap, EASIMAPAuth user); both runs each case on Maildir and on IMAP in
the same run.  The floor, measured in the same run against the same
Dovecot set-up (fresh, so it indexes the Maildir as it does for mod_eas):
a plain IMAP client that logs in, SELECTs INBOX and fetches every
message with UID FETCH BODY.PEEK[] 100 UIDs at a time, then all in one
UID FETCH 1:*; done by Python's imaplib and by the project's own C client
(out/t/unit/imap_client_check fetch100 / fetch, when built).  The IMAP
rows add Dovecot's CPU per 1,000 items, its processes' peak RSS (sum of
VmHWM and the largest one, the imap process) and the wall time over the
floor's (the faster client's window of W).

python3 standard library only; run it with /usr/bin/python3 as root or as
a user who may start httpd on a free port.
"""

import argparse
import imaplib
import importlib.util
import os
import platform
import pwd
import grp
import re
import resource
import shlex
import shutil
import subprocess
import sys
import threading
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "t", "integration"))
sys.path.insert(0, HERE)

if importlib.util.find_spec("pytest") is None:
    # pg.py defines a pytest fixture beside the server class used here.
    sys.modules["pytest"] = types.SimpleNamespace(fixture=lambda **kw: (
        lambda f: f))

import dovecot  # noqa: E402
import eas  # noqa: E402
import gen_maildir  # noqa: E402
import httpd  # noqa: E402
import pg  # noqa: E402

A = "AirSync:"
B = "AirSyncBase:"
F = "FolderHierarchy:"
TRUNCATION = 32768
USER = "alice"
CACHE = os.path.join(TOP, "bench", "out")
TICK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- build

def load_config(builddir):
    path = os.path.join(builddir, "t", "config.py")
    if not os.path.exists(path):
        sys.exit("%s is missing: configure and build in %s first "
                 "(build/build.sh %s)" % (path, builddir, builddir))
    spec = importlib.util.spec_from_file_location("eas_build_config", path)
    cfg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cfg)
    if not cfg.HTTPD or not os.path.exists(cfg.MODULE):
        sys.exit("httpd or the module (%s) is missing: make -C %s"
                 % (cfg.MODULE, builddir))
    return cfg


def build_flags(builddir):
    """CC and CFLAGS as the build directory's Makefile has them."""
    out = {}
    try:
        with open(os.path.join(builddir, "Makefile")) as f:
            for line in f:
                m = re.match(r"^(CC|CFLAGS|SAN_CFLAGS) = ?(.*)$", line)
                if m:
                    out[m.group(1)] = m.group(2).strip()
    except OSError:
        pass
    cc = out.get("CC", "?")
    try:
        ver = subprocess.run([cc, "--version"], capture_output=True,
                             text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        ver = cc
    flags = " ".join(x for x in (out.get("CFLAGS"), out.get("SAN_CFLAGS"))
                     if x)
    return "%s, CFLAGS %s" % (ver, flags or "(none)")


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024
    return "%s, %d cores, %d MB RAM, Linux %s" % (
        model, os.cpu_count(), mem, platform.release())


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---------------------------------------------------------------- Maildir

def owner():
    user = httpd.run_user()
    if not user:
        return None
    return pwd.getpwnam(user[0]).pw_uid, grp.getgrnam(user[1]).gr_gid


def chown_tree(path, ids):
    if not ids:
        return
    for top, dirs, files in os.walk(path):
        for n in dirs + files:
            os.lchown(os.path.join(top, n), *ids)
    os.lchown(path, *ids)


def cached_maildir(count, seed):
    """The generated Maildir for (count, seed), made on first use."""
    base = os.path.join(CACHE, "maildir-n%d-s%d" % (count, seed))
    root = os.path.join(base, "Maildir")
    if os.path.exists(os.path.join(base, "complete")):
        return root
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    print("generating %d messages in %s ..." % (count, root), flush=True)
    t0 = time.time()
    total = gen_maildir.generate(root, count, seed, lambda n, b: print(
        "  %d messages, %.0f MB" % (n, b / 1e6), flush=True))
    chown_tree(root, owner())
    with open(os.path.join(base, "complete"), "w") as f:
        f.write("%d messages, %d bytes, seed %d\n" % (count, total, seed))
    print("  done in %.0f s" % (time.time() - t0), flush=True)
    return root


def maildir_bytes(root):
    cur = os.path.join(root, "cur")
    return sum(os.path.getsize(os.path.join(cur, n)) for n in os.listdir(cur))


def reset_maildir(root, count):
    """Back to what the generator wrote: the server's index, folders and
    locks go, the messages stay."""
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if name in ("cur", "new", "tmp"):
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    n = len(os.listdir(os.path.join(root, "cur")))
    if n != count or os.listdir(os.path.join(root, "new")):
        sys.exit("%s has %d messages in cur/ (and new/ is not empty?): "
                 "remove %s to regenerate" % (root, n, os.path.dirname(root)))
    chown_tree(root, owner())


# ---------------------------------------------------------------- servers

class BenchHttpd(httpd.Httpd):
    """The test suite's private httpd with mod_dbd, one Location serving
    the benchmark Maildir, provisioning off and production log levels."""

    def __init__(self, cfg, maildir, dbd, extra=(), imap_port=None):
        if imap_port:
            loc = ("    EASBackend imap\n"
                   "    EASIMAPServer imap://127.0.0.1:%d\n"
                   "    EASIMAPLogin %%u\n"
                   "    EASIMAPWatch plugin\n"
                   "    EASIMAPCheckInterval 3600\n"
                   "    EASProvisioning Off\n" % imap_port)
        else:
            loc = ('    EASMaildir "%s"\n    EASProvisioning Off\n'
                   % maildir)
        super().__init__(cfg, modules=["dbd"], locations={eas.EAS_PATH: loc})
        self.server_extra = "\n".join(dbd + [
            "LogLevel warn",
            # One child with enough threads, so that no child is started
            # or stopped during a run and /proc sees all of them.
            "StartServers 1", "ServerLimit 1", "ThreadsPerChild 16",
            "MaxRequestWorkers 16", "MinSpareThreads 1",
            "MaxSpareThreads 16", "MaxConnectionsPerChild 0",
            "Timeout 120",
            # A crashed child leaves its core here (see stop_httpd).
            'CoreDumpDirectory "%s/cores"' % self.root,
        ] + list(extra))

    def start(self):
        cores = os.path.join(self.root, "cores")
        # the test suite's Httpd may have made it already
        os.makedirs(cores, exist_ok=True)
        chown_tree(cores, owner())
        super().start()


class DurablePostgreSQL(pg.PostgreSQL):
    """The test suite's private server (pg.py), started with fsync on:
    SQLite's WAL syncs its commits too, so both stores are durable."""

    def start(self, timeout=60):
        self._run_as_server([self._bin("initdb"), "-D", self.data,
                             "-U", pg.SUPERUSER, "-A", "trust", "-E", "UTF8",
                             "--locale=C"])
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                self._as + [self._bin("postgres"), "-D", self.data,
                            "-p", str(self.port),
                            "-c", "listen_addresses=127.0.0.1",
                            "-c", "unix_socket_directories="],
                cwd=self.root, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("postgres exited:\n" + self.log_text())
            ready = subprocess.run([self._bin("pg_isready"), "-q", "-h",
                                    "127.0.0.1", "-p", str(self.port), "-U",
                                    pg.SUPERUSER, "-d", "postgres"])
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("postgres did not start:\n" + self.log_text())


def pids_of(parent):
    """parent and its children's pids."""
    out = [parent]
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == parent:
            out.append(int(name))
    return out


class Usage:
    """User and system CPU seconds and minor page faults of a process and
    its children, reaped ones included (proc(5) stat fields 10-17)."""

    def __init__(self, parent):
        self.user = self.sys = self.faults = 0
        for pid in pids_of(parent):
            try:
                with open("/proc/%d/stat" % pid) as f:
                    v = [int(x) for x in
                         f.read().rpartition(")")[2].split()[7:15]]
            except OSError:
                continue
            minflt, cminflt, utime, stime, cutime, cstime = (
                v[0], v[1], v[4], v[5], v[6], v[7])
            self.faults += minflt + cminflt
            self.user += (utime + cutime) / TICK
            self.sys += (stime + cstime) / TICK

    def __sub__(self, before):
        out = object.__new__(Usage)
        out.user = self.user - before.user
        out.sys = self.sys - before.sys
        out.faults = self.faults - before.faults
        return out

    @property
    def cpu(self):
        return self.user + self.sys


def peak_rss(parent):
    """(sum, largest) VmHWM of parent's children, in MB."""
    peaks = []
    for pid in pids_of(parent)[1:]:
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return (sum(peaks), max(peaks)) if peaks else (0, 0)


class Peaks:
    """Peak RSS (VmHWM) of a server's processes, children that exit
    meanwhile included: sampled every 50 ms by a thread until stop()."""

    def __init__(self, parent):
        self.parent = parent
        self.seen = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def sample(self):
        for pid in pids_of(self.parent)[1:]:
            try:
                with open("/proc/%d/status" % pid) as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            kb = int(line.split()[1])
                            self.seen[pid] = max(self.seen.get(pid, 0), kb)
            except OSError:
                continue

    def run(self):
        while not self.done.wait(0.05):
            self.sample()

    def stop(self):
        """(sum, largest) in MB."""
        self.sample()
        self.done.set()
        self.thread.join()
        peaks = [kb / 1024 for kb in self.seen.values()]
        return (sum(peaks), max(peaks)) if peaks else (0, 0)


def start_dovecot(maildir, count):
    """A fresh private Dovecot serving the benchmark Maildir as USER's
    INBOX, with the index of any earlier run removed."""
    reset_maildir(maildir, count)
    d = dovecot.Dovecot(users={USER: eas.USERS[USER]})
    d.maildirs[USER] = maildir
    d.start()
    return d


def stop_dovecot(d, keep):
    d.stop()
    crashes = d.crashes()
    if crashes:
        print("  Dovecot logged failures (kept in %s):\n  %s"
              % (d.root, "\n  ".join(crashes[:5])), flush=True)
    elif keep:
        print("  (Dovecot config and log kept in %s)" % d.root)
    else:
        d.cleanup()


# ---------------------------------------------------------------- floors

def floor_imaplib(port, window):
    """Log in, SELECT INBOX, UID SEARCH ALL, UID FETCH BODY.PEEK[] of
    window UIDs at a time (None: all at once); (messages, bytes)."""
    c = imaplib.IMAP4("127.0.0.1", port, timeout=300)
    c.login(USER, eas.USERS[USER])
    c.select("INBOX", readonly=True)
    if window is None:
        sets = ["1:*"]
    else:
        typ, data = c.uid("SEARCH", None, "ALL")
        uids = data[0].split()
        sets = ["%s:%s" % (uids[i].decode(),
                           uids[min(i + window, len(uids)) - 1].decode())
                for i in range(0, len(uids), window)]
    n = size = 0
    for uset in sets:
        typ, data = c.uid("FETCH", uset, "(BODY.PEEK[])")
        if typ != "OK":
            raise RuntimeError("UID FETCH %s: %s %r" % (uset, typ, data))
        for item in data:
            if isinstance(item, tuple):
                n += 1
                size += len(item[1])
    c.logout()
    return n, size


def c_client(builddir):
    path = os.path.join(builddir, "t", "unit", "imap_client_check")
    return path if os.access(path, os.X_OK) else None


def floor_c(path, port, window):
    """The project's own client (imap_client_check fetch100 or fetch)."""
    script = "fetch100" if window else "fetch"
    out = subprocess.run([path, "--timeout", "300000", script, "127.0.0.1",
                          str(port), USER, eas.USERS[USER]],
                         capture_output=True, text=True).stdout
    m = re.search(r"^%s: ok .*fetched=(\d+) bytes=(\d+)" % script, out,
                  re.M)
    if not m:
        raise RuntimeError("imap_client_check %s: %s" % (script, out))
    return int(m.group(1)), int(m.group(2))


def run_floor(maildir, count, how, window, keep, cpath):
    """One floor run against a fresh Dovecot."""
    d = start_dovecot(maildir, count)
    try:
        peaks = Peaks(d.proc.pid)
        use0 = Usage(d.proc.pid)
        kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0, c0 = time.perf_counter(), time.process_time()
        if how == "imaplib":
            n, size = floor_imaplib(d.port, window)
        else:
            n, size = floor_c(cpath, d.port, window)
        wall = time.perf_counter() - t0
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        client = time.process_time() - c0 + (
            kids.ru_utime + kids.ru_stime - kids0.ru_utime - kids0.ru_stime)
        time.sleep(0.2)             # the imap process is reaped
        dove = Usage(d.proc.pid) - use0
        rss = peaks.stop()
    finally:
        stop_dovecot(d, keep)
    if n != count:
        raise RuntimeError("floor %s fetched %d of %d messages"
                           % (how, n, count))
    return dict(wall=wall, client=client, items=n, bytes=size, httpd=None,
                db_cpu=None, rss_sum=None, rss_max=None, crashed=False,
                dove_cpu=dove.cpu, dove_rss=rss, truncated=0)


# ---------------------------------------------------------------- client

def find_all(tree, name, out=None):
    out = [] if out is None else out
    if tree[0] == name:
        out.append(tree)
    if isinstance(tree[1], list):
        for child in tree[1]:
            find_all(child, name, out)
    return out


def child(node, name):
    if isinstance(node[1], list):
        for c in node[1]:
            if c[0] == name:
                return c[1]
    return None


class Phone:
    """One device's requests, counting what comes back."""

    def __init__(self, port, device):
        self.http = eas.Client(port, user=USER)
        self.device = device
        self.requests = 0
        self.bytes = 0

    def post(self, cmd, body):
        r = self.http.post(eas.plain_query(cmd, user=USER,
                                           device_id=self.device), body=body)
        self.requests += 1
        self.bytes += len(r.body)
        if r.status != 200:
            raise RuntimeError("%s answered HTTP %d: %r"
                               % (cmd, r.status, r.body[:200]))
        return r

    def folder_sync(self, key="0"):
        tree = self.post("FolderSync", eas.folder_sync(key)).tree()
        if int(child(tree, F + "Status")) != 1:
            raise RuntimeError("FolderSync: %r" % (tree,))
        return tree

    def inbox(self):
        for add in find_all(self.folder_sync(), F + "Add"):
            if child(add, F + "Type") == "2":
                return child(add, F + "ServerId")
        raise RuntimeError("FolderSync lists no Inbox")

    def sync(self, fid, key, window=None, options=None):
        node = [(A + "SyncKey", key), (A + "CollectionId", fid)]
        if window is not None:
            node.append((A + "WindowSize", str(window)))
        if options is not None:
            node.append((A + "Options", options))
        body = eas.encode((A + "Sync", [(A + "Collections",
                                         [(A + "Collection", node)])]))
        r = self.post("Sync", body)
        if not r.body:
            return None
        coll = find_all(r.tree(), A + "Collection")
        if len(coll) != 1 or child(coll[0], A + "Status") != "1":
            raise RuntimeError("Sync: %r" % (coll,))
        return coll[0]

    def close(self):
        self.http.close()


def options_of(btype):
    return [(A + "FilterType", "0"),
            (A + "MIMESupport", "2" if btype == 4 else "0"),
            (B + "BodyPreference", [(B + "Type", str(btype)),
                                    (B + "TruncationSize", str(TRUNCATION))])]


def initial_sync(port, device, count, window, btype):
    """The phone's first sync; returns its numbers (client side)."""
    phone = Phone(port, device)
    opts = options_of(btype)
    t0, c0 = time.perf_counter(), time.process_time()
    fid = phone.inbox()
    coll = phone.sync(fid, "0", options=opts)
    key = child(coll, A + "SyncKey")
    seen, pages, truncated = set(), 0, 0
    while True:
        coll = phone.sync(fid, key, window=window, options=opts)
        if coll is None:
            break
        pages += 1
        key = child(coll, A + "SyncKey")
        for add in find_all(coll, A + "Add"):
            sid = child(add, A + "ServerId")
            if sid in seen:
                raise RuntimeError("ServerId %s sent twice" % sid)
            seen.add(sid)
            body = find_all(add, B + "Body")
            if not body or child(body[0], B + "Type") != str(btype):
                raise RuntimeError("item %s has no Body of Type %d"
                                   % (sid, btype))
            data = child(body[0], B + "Data") or b""
            size = len(data.encode() if isinstance(data, str) else data)
            if size > TRUNCATION:
                raise RuntimeError("item %s: %d bytes of Data, more than "
                                   "TruncationSize" % (sid, size))
            if child(body[0], B + "Truncated") == "1":
                truncated += 1
        if not any(c[0] == A + "MoreAvailable" for c in coll[1]):
            break
    wall = time.perf_counter() - t0
    client = time.process_time() - c0
    phone.close()
    if len(seen) != count:
        raise RuntimeError("%d items synced, %d expected"
                           % (len(seen), count))
    return dict(wall=wall, client=client, items=len(seen), pages=pages,
                btype=btype,
                requests=phone.requests, bytes=phone.bytes,
                truncated=truncated)


def round_trips(port, cmd, seconds=3.0):
    """Requests per second of one kept-alive client."""
    phone = Phone(port, "benchref")
    key = None
    if cmd == "FolderSync":
        key = child(phone.folder_sync(), F + "SyncKey")
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        if cmd == "OPTIONS":
            if phone.http.options().status != 200:
                raise RuntimeError("OPTIONS failed")
        else:
            phone.folder_sync(key)
        n += 1
    rate = n / (time.perf_counter() - t0)
    phone.close()
    return rate


# ---------------------------------------------------------------- runs

def start_httpd(cfg, maildir, count, dbd, extra=(), imap_port=None):
    if not imap_port:
        reset_maildir(maildir, count)
    srv = BenchHttpd(cfg, maildir, dbd, extra, imap_port)
    state_dir = os.path.join(srv.root, "state")
    os.mkdir(state_dir)
    chown_tree(state_dir, owner())
    srv.server_extra = srv.server_extra.replace("{state}", state_dir)
    srv.start()
    return srv


CRASHES = []


def stop_httpd(srv, keep):
    """Stops srv.  A crash is recorded in CRASHES with the directory, kept,
    that holds the logs and any core, and whether it happened while the
    client ran or when httpd was told to stop."""
    # The worker may still be closing the connection the client has just
    # closed; httpd's immediate stop (SIGTERM) races with that.
    time.sleep(0.5)
    during = srv.crashes()
    srv.stop()
    at_stop = [c for c in srv.crashes() if c not in during]
    if during or at_stop:
        lines = (["during the run: " + c for c in during]
                 + ["at the stop (SIGTERM): " + c for c in at_stop])
        CRASHES.append((srv.root, lines))
        print("  httpd crashed; config, logs and cores kept in %s:\n  %s"
              % (srv.root, "\n  ".join(lines)), flush=True)
    elif keep:
        print("  (httpd config and logs kept in %s)" % srv.root)
    else:
        srv.cleanup()
    return bool(during or at_stop)


def run_refs(cfg, maildir, count, dbd, keep, extra=(), backend="maildir"):
    d = start_dovecot(maildir, count) if backend == "imap" else None
    try:
        srv = start_httpd(cfg, maildir, count, dbd, extra,
                          d.port if d else None)
        try:
            return (round_trips(srv.port, "OPTIONS"),
                    round_trips(srv.port, "FolderSync"))
        finally:
            stop_httpd(srv, keep)
    finally:
        if d:
            stop_dovecot(d, keep)


def run_sync(cfg, maildir, count, dbd, window, btype, keep, pgsrv=None,
             extra=(), backend="maildir"):
    d = start_dovecot(maildir, count) if backend == "imap" else None
    try:
        srv = start_httpd(cfg, maildir, count, dbd, extra,
                          d.port if d else None)
        try:
            use0 = Usage(srv.proc.pid)
            pg0 = Usage(pgsrv.proc.pid) if pgsrv else None
            if d:
                dpeaks = Peaks(d.proc.pid)
                dove0 = Usage(d.proc.pid)
            res = initial_sync(srv.port, "bench%d%d" % (btype, window),
                               count, window, btype)
            res["httpd"] = Usage(srv.proc.pid) - use0
            res["db_cpu"] = ((Usage(pgsrv.proc.pid) - pg0).cpu if pgsrv
                             else None)
            res["rss_sum"], res["rss_max"] = peak_rss(srv.proc.pid)
            if d:
                res["dove_cpu"] = (Usage(d.proc.pid) - dove0).cpu
                res["dove_rss"] = dpeaks.stop()
        finally:
            crashed = stop_httpd(srv, keep)
    finally:
        if d:
            stop_dovecot(d, keep)
    res["crashed"] = crashed
    return res


COLUMNS = [("backend", ""), ("state", ""), ("body", "32 KB"), ("win", ""),
           ("wall s", ""), ("items/s", ""), ("httpd CPU", "s/1000"),
           ("sys", "share"), ("faults", "/item"), ("DB CPU", "s/1000"),
           ("client", "s/1000"), ("httpd peak", "RSS sum/max"),
           ("WBXML", "MB"), ("Dovecot CPU", "s/1000"),
           ("Dovecot peak", "RSS sum/max"), ("x floor", "wall")]
LEFT = 4


def fmt_row(backend, state, btype, window, r, floor=None):
    """A table row; floor: the floor's wall time for the last column."""
    k = r["items"] / 1000.0
    h = r["httpd"]
    dove = r.get("dove_rss")
    return [backend, state + (" *" if r["crashed"] else ""),
            {4: "MIME", 1: "plain", 0: "full"}[btype], str(window),
            "%.2f" % r["wall"], "%.0f" % (r["items"] / r["wall"]),
            "%.2f" % (h.cpu / k) if h else "-",
            "%.0f%%" % (100 * h.sys / max(h.cpu, 1e-9)) if h else "-",
            "%.0f" % (h.faults / r["items"]) if h else "-",
            "%.2f" % (r["db_cpu"] / k) if r["db_cpu"] is not None else "-",
            "%.2f" % (r["client"] / k),
            "%.0f / %.0f MB" % (r["rss_sum"], r["rss_max"]) if h else "-",
            "%.1f" % (r["bytes"] / 1e6) if h else
            "(%.0f MB IMAP)" % (r["bytes"] / 1e6),
            "%.2f" % (r["dove_cpu"] / k) if dove else "-",
            "%.0f / %.0f MB" % dove if dove else "-",
            "%.2f" % (r["wall"] / floor) if floor else "-"]


def table(rows):
    """A Markdown table of COLUMNS and rows, numbers right-aligned."""
    widths = [max(len(c[0]), len(c[1]), *(len(r[i]) for r in rows))
              for i, c in enumerate(COLUMNS)]

    def line(cells, left=False):
        return "| " + " | ".join(
            c.ljust(w) if left or i < LEFT else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    out = [line([c[0] for c in COLUMNS], True),
           line([c[1] for c in COLUMNS], True),
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    return "\n".join(out + [line(r) for r in rows])


def dbd_lines(state, pgsrv, dbname):
    """mod_dbd's directives for a new, empty state database."""
    if state == "sqlite":
        return ["DBDriver sqlite3", 'DBDParams "{state}/state.db"']
    return ["DBDriver pgsql",
            'DBDParams "%s"' % pgsrv.create_database(dbname)]


def median_run(runs):
    r = sorted(runs, key=lambda x: x["wall"])[(len(runs) - 1) // 2]
    r["crashed"] = sum(x["crashed"] for x in runs)
    return r


def progress(row):
    print("  " + ", ".join("%s %s" % (c[0], v) for c, v in
                           zip(COLUMNS[4:], row[4:]) if v != "-"),
          flush=True)


def run_floors(maildir, count, window, repeat, keep, cpath):
    """[(client, window or None, result)] of the floor runs."""
    out = []
    for how in (["C"] if cpath else []) + ["imaplib"]:
        for win in (window, None):
            print("floor: %s, %s ..." % (how, "window %d" % win if win
                                         else "all at once"), flush=True)
            r = median_run([run_floor(maildir, count, how, win, keep, cpath)
                            for _ in range(repeat)])
            out.append((how, win, r))
            progress(fmt_row("floor", "-", 0, win or "all", r))
    return out


def main():
    ap = argparse.ArgumentParser(
        description="Initial Sync of a large Maildir through HTTP.")
    ap.add_argument("--builddir", default=os.path.join(TOP, "out"),
                    help="build directory with the module (default out/)")
    ap.add_argument("--messages", type=int, default=10000, metavar="N")
    ap.add_argument("--window", type=int, default=100, metavar="W",
                    help="WindowSize (512 is measured too)")
    ap.add_argument("--seed", type=int, default=1,
                    help="seed of the generated Maildir")
    ap.add_argument("--state", choices=("sqlite", "pgsql", "both"),
                    default="both")
    ap.add_argument("--body", choices=("mime", "plain", "both"),
                    default="both", help="BodyPreference Type 4, 1 or both")
    ap.add_argument("--backend", choices=("maildir", "imap", "both"),
                    default="maildir",
                    help="the Maildir directly, through Dovecot (with the "
                    "floor: a plain IMAP client), or both in one run")
    ap.add_argument("--repeat", type=int, default=1, metavar="R",
                    help="run each case R times, report the median wall")
    ap.add_argument("--conf", action="append", default=[], metavar="LINE",
                    help="a server-level httpd directive to add (repeatable)")
    ap.add_argument("--keep", action="store_true",
                    help="keep each run's httpd directory and logs")
    args = ap.parse_args()
    if args.repeat < 1 or args.messages < 1:
        ap.error("--repeat and --messages must be at least 1")
    builddir = os.path.abspath(args.builddir)
    # Cores of crashed children, if any, go to the server's directory.
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    cfg = load_config(builddir)

    command = "/usr/bin/python3 %s" % " ".join(
        shlex.quote(a) for a in [os.path.relpath(os.path.abspath(__file__),
                                                 TOP)]
        + ["--builddir", builddir, "--messages", str(args.messages),
           "--window", str(args.window), "--seed", str(args.seed)]
        + (["--state", args.state] if args.state != "both" else [])
        + (["--body", args.body] if args.body != "both" else [])
        + (["--backend", args.backend] if args.backend != "maildir" else [])
        + (["--repeat", str(args.repeat)] if args.repeat != 1 else [])
        + [x for c in args.conf for x in ("--conf", c)])
    maildir = cached_maildir(args.messages, args.seed)
    size = maildir_bytes(maildir)

    windows = [args.window] + ([512] if args.window != 512 else [])
    states = ["sqlite", "pgsql"] if args.state == "both" else [args.state]
    btypes = {"mime": [4], "plain": [1], "both": [4, 1]}[args.body]
    backends = (["maildir", "imap"] if args.backend == "both"
                else [args.backend])
    cpath = c_client(builddir) if "imap" in backends else None
    pgsrv = None
    results, refs, truncated, floors = [], [], {}, []
    keepmem_row = None
    load_before = loadavg()
    try:
        if "imap" in backends:
            floors = run_floors(maildir, args.messages, args.window,
                                args.repeat, args.keep, cpath)
        for state in states:
            if state == "pgsql":
                pgsrv = DurablePostgreSQL()
                pgsrv.start()
            for backend in backends:
                for btype in btypes:
                    for window in windows:
                        print("%s, %s, body type %d, window %d ..."
                              % (backend, state, btype, window), flush=True)
                        r = median_run([run_sync(
                            cfg, maildir, args.messages,
                            dbd_lines(state, pgsrv, "bench_%s_%d_%d_%d"
                                      % (backend, btype, window, i)),
                            window, btype, args.keep, pgsrv, args.conf,
                            backend) for i in range(args.repeat)])
                        results.append((backend, state, btype, window, r))
                        truncated[btype] = r["truncated"]
                        progress(fmt_row(backend, state, btype, window, r))
                refs.append((backend, state) + run_refs(
                    cfg, maildir, args.messages,
                    dbd_lines(state, pgsrv, "bench_refs_" + backend),
                    args.keep, args.conf, backend))
            if state == states[0] and not any(
                    c.lower().startswith("maxmemfree") for c in args.conf):
                # The first case again, with httpd keeping the memory its
                # requests free: what allocating fresh pages costs.
                print("%s, %s, body type %d, window %d, MaxMemFree 0 ..."
                      % (backends[0], state, btypes[0], windows[0]),
                      flush=True)
                keepmem = run_sync(
                    cfg, maildir, args.messages,
                    dbd_lines(state, pgsrv, "bench_keepmem"), windows[0],
                    btypes[0], args.keep, pgsrv,
                    list(args.conf) + ["MaxMemFree 0"], backends[0])
                keepmem_row = fmt_row(backends[0], state, btypes[0],
                                      windows[0], keepmem)
            if pgsrv:
                pgsrv.stop()
                pgsrv.cleanup()
                pgsrv = None
    finally:
        if pgsrv:
            pgsrv.stop()
            pgsrv.cleanup()

    # the fastest plain client fetching in the same window
    floor_ref = min((f for f in floors if f[1] == args.window),
                    key=lambda f: f[2]["wall"], default=None)
    rows = [fmt_row(b, st, bt, w, r, floor_ref[2]["wall"]
                    if floor_ref and b == "imap" else None)
            for b, st, bt, w, r in results]
    rows += [fmt_row("floor: " + how, "-", 0, win or "all", r,
                     floor_ref[2]["wall"])
             for how, win, r in floors]

    print()
    print("Initial Sync of %d messages (%.0f MB Maildir, seed %d) over HTTP,"
          % (args.messages, size / 1e6, args.seed)
          + (" median of %d runs," % args.repeat if args.repeat > 1 else ""))
    print("FolderSync + Sync key 0 + Sync pages until no MoreAvailable;"
          " TruncationSize %d." % TRUNCATION)
    print()
    print(table(rows))
    print()
    print("Bodies truncated at %d bytes: %s." % (TRUNCATION, ", ".join(
        "%s %d of %d" % ({4: "MIME", 1: "plain"}[t], n, args.messages)
        for t, n in sorted(truncated.items(), reverse=True))))
    if floors:
        print("imap: EASBackend imap against a fresh private Dovecot %s "
              "(no push plugin) per run;" % dovecot_version())
        print("floor: a plain IMAP client against its own fresh Dovecot: "
              "LOGIN, SELECT INBOX, UID FETCH BODY.PEEK[] %d UIDs at a "
              "time (win %d) or 1:* (all);" % (args.window, args.window))
        print("  C = out/t/unit/imap_client_check (the backend's own "
              "client), imaplib = Python's; x floor: wall over the %s "
              "client's window of %d." % (floor_ref[0], args.window))
    for root, lines in CRASHES:
        print("* httpd crashed in that case (logs and cores in %s):\n  %s"
              % (root, "\n  ".join(lines)))
    print()
    print("Reference round trips (one kept-alive client, 3 s each, "
          "own httpd):")
    for backend, state, opt, fs in refs:
        print("  %-7s %-6s OPTIONS %.0f/s, FolderSync (current key) %.0f/s"
              % (backend, state, opt, fs))
    if keepmem_row:
        print("The first case with MaxMemFree 0 (httpd keeps the memory "
              "requests free, one run):")
        print("  " + ", ".join("%s %s" % (c[0], v) for c, v in zip(
            COLUMNS[4:], keepmem_row[4:]) if v != "-"))
    print()
    print("machine:  %s" % machine())
    print("build:    %s" % build_flags(builddir))
    print("httpd:    %s, event MPM, 1 child x 16 threads" % cfg.HTTPD)
    print("load:     %s before, %s after (1/5/15 min)"
          % (load_before, loadavg()))
    print("command:  %s" % command)


def dovecot_version():
    try:
        return subprocess.run([dovecot.DOVECOT, "--version"],
                              capture_output=True, text=True
                              ).stdout.split()[0]
    except (OSError, IndexError):
        return "?"


if __name__ == "__main__":
    main()
