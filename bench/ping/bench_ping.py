#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Direct Push under load: N phones each holding a Ping, then new mail.

    bench_ping.py [--builddir DIR] [--n N[,N...]] [--mpm event|prefork[,...]]
                  [--deliveries M] [--rate R] [--heartbeat S] [--repeat R]
                  [--state sqlite|pgsql] [--threads-per-child T]
                  [--stack BYTES] [--messages K] [--devices D]
                  [--conf LINE]... [--env NAME=VALUE]... [--raise-sysctls]
                  [--backend maildir|imap|both]
                  [--watch plugin|notify|idle[,...]] [--keep]

For each case (by default: event MPM with N = 1,000 and N = 10,000, and
prefork with N = 1,000, the one-process-per-phone model), a private httpd
on 127.0.0.1 runs the freshly built module with N users, one phone each
(or N/D users with D phones each), each with a small Maildir (K messages
in the Inbox).  Authentication is
mod_authn_dbm (an SDBM file of SHA1 hashes: a look-up per request, no
password hashing cost); provisioning is off.

1. setup: every phone does what a phone does before it pushes: FolderSync,
   Sync of the Inbox with SyncKey 0, then with its keys until it has all
   K items (100 per page).  Bounded
   concurrency; a phone that fails is reported and left out.
2. idle: httpd's processes are measured (RSS and PSS summed over all of
   them, threads, open files, and RSS by kind of mapping: thread stacks,
   heap, files...) with no request in flight.
3. hold: each phone opens its own connection and sends a Ping on its Inbox
   (HeartbeatInterval S, 600 by default).  Once mod_status counts N busy
   workers for 3 s, httpd is measured again: the difference over N is what
   one held Ping costs.  httpd's CPU time over 10 s with every Ping held
   is the idle cost of push.
4. deliveries: M messages, at R per second, each into the Inbox of a random
   phone whose Ping is held: written in tmp/ and renamed into new/ as an
   MTA does.  The latency is the time from the rename to the arrival of
   that phone's Ping response (Status 2 naming the Inbox).  The phone then
   does what a phone does: Sync (gets the one new item), Ping again.
5. checks under load: every phone is held again after the deliveries (no
   worker left behind); a tenth of the phones hang up and their workers and
   descriptors must come back; a graceful restart (SIGUSR1) must answer
   every remaining Ping with Status 1 (so phones come back at once).

Everything is bounded: each phase has a deadline, the whole case too, and a
watchdog kills httpd and exits if the script itself stalls.

Machine limits.  The script raises its soft RLIMIT_NOFILE and RLIMIT_NPROC
to the hard limits; httpd inherits them.  One held Ping costs httpd two
descriptors (the socket and an eventfd) and the generator one, so the hard
`ulimit -n` bounds ThreadsPerChild (about half of it per child) and N.
System-wide settings it only checks (and, with --raise-sysctls, raises for
the run and puts back): fs.inotify.max_user_instances (two per httpd child,
twice over during a graceful restart: prefork needs about 4 x N) and
fs.inotify.max_user_watches (a few per phone).  It reports, without
changing them, fs.file-max, kernel.threads-max and kernel.pid_max (every
worker thread takes a pid), vm.max_map_count (two mappings per thread
stack), net.core.somaxconn (ListenBacklog) and the local port range (the
generator's connections to one port).

--backend imap: the same phones on the imap backend (EASBackend imap,
EASIMAPAuth user, EASIMAPCheckInterval 3600 so that only the watch wakes
a Ping) against a private Dovecot (t/integration/dovecot.py) serving the
same Maildirs, once per --watch (default plugin,notify,idle): plugin is
EASIMAPWatch plugin with Dovecot's push_notification plugin calling the
eas-notify endpoint (build/dovecot-push.lua); notify and idle are
EASIMAPWatch notify / idle with a Dovecot without that plugin (one
NOTIFY or IDLE connection per watched user).  Deliveries go through LMTP
(an MTA's delivery to Dovecot) in a thread beside the phones; the latency
runs from the start of the LMTP session to the Ping's answer, and the
LMTP session's own time is printed beside it.  At idle (after the setup)
and with every Ping held the script prints Dovecot's processes, its
established IMAP connections (ss -tn, all from httpd) and their RSS sum.
--backend both runs each case on Maildir and on IMAP in one run.

python3 standard library only; run it with /usr/bin/python3 as root (httpd
serves as www-data), like the test suite.
"""

import argparse
import asyncio
import base64
import ctypes
import email.utils
import hashlib
import importlib.util
import os
import platform
import pwd
import grp
import random
import re
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "t", "integration"))

if importlib.util.find_spec("pytest") is None:
    # pg.py defines a pytest fixture beside the server class used here.
    sys.modules["pytest"] = types.SimpleNamespace(fixture=lambda **kw: (
        lambda f: f))

import dovecot  # noqa: E402
import eas  # noqa: E402

P = "Ping:"
A = "AirSync:"
B = "AirSyncBase:"
F = "FolderHierarchy:"
PASSWORD = "bench-pw"
TICK = os.sysconf("SC_CLK_TCK")
STATUS_PATH = "/bench-status"
NOTIFY_PATH = "/eas-notify"
NOTIFY_SECRET = "bench-ping-imap-0123456789"
DEFAULT_CASES = [("event", 1000), ("event", 10000), ("prefork", 1000)]


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------- machine

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
    if cfg.SAN_PRELOAD:
        sys.exit("%s is a sanitizer build: benchmark a normal build"
                 % builddir)
    return cfg


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


def sysctl(name):
    try:
        with open("/proc/sys/" + name.replace(".", "/")) as f:
            return f.read().split()
    except OSError:
        return ["?"]


def limits_report(needed_fds):
    """The machine limits that bound held requests, and the soft limits
    raised for the processes started here (httpd inherits them)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    nsoft, nhard = resource.getrlimit(resource.RLIMIT_NPROC)
    if nsoft != resource.RLIM_INFINITY and nsoft < nhard:
        resource.setrlimit(resource.RLIMIT_NPROC, (nhard, nhard))
    lines = [
        "ulimit -n %d (hard %d; was %d), ulimit -u %s"
        % (hard, hard, soft, resource.getrlimit(resource.RLIMIT_NPROC)[0]),
        "fs.file-max %s, fs.nr_open %s, fs.inotify.max_user_watches %s, "
        "fs.inotify.max_user_instances %s, max_queued_events %s"
        % (sysctl("fs.file-max")[0], sysctl("fs.nr_open")[0],
           sysctl("fs.inotify.max_user_watches")[0],
           sysctl("fs.inotify.max_user_instances")[0],
           sysctl("fs.inotify.max_queued_events")[0]),
        "kernel.threads-max %s, kernel.pid_max %s, vm.max_map_count %s, "
        "net.core.somaxconn %s, ip_local_port_range %s"
        % (sysctl("kernel.threads-max")[0], sysctl("kernel.pid_max")[0],
           sysctl("vm.max_map_count")[0], sysctl("net.core.somaxconn")[0],
           "-".join(sysctl("net.ipv4.ip_local_port_range"))),
    ]
    if hard < needed_fds:
        lines.append("WARNING: the generator needs about %d descriptors "
                     "and the hard limit is %d" % (needed_fds, hard))
    return lines


def inotify_needs(cases, args):
    """(instances, watches) the largest case needs for httpd's user: each
    child has two inotify instances (the push hub's doorbell and the
    Maildir change source); each phone's Inbox takes a few watches."""
    inst = watches = 0
    for mpm, n in cases:
        workers, lines = mpm_settings(mpm, n, args.threads_per_child,
                                      args.stack)
        children = workers if mpm == "prefork" else int(
            lines[0].split()[1])
        # a graceful restart runs two generations side by side
        inst = max(inst, 2 * 2 * children + 16)
        watches = max(watches, 4 * n + 1024)
    return inst, watches


class Sysctls:
    """With --raise-sysctls: the inotify limits raised for the run and put
    back at the end (they are system-wide, not per process)."""

    def __init__(self):
        self.saved = []

    def need(self, name, value, raise_them):
        cur = sysctl(name)[0]
        if not cur.isdigit() or int(cur) >= value:
            return None
        if not raise_them:
            return ("%s is %s; this run needs about %d (sysctl -w %s=%d, "
                    "or --raise-sysctls)" % (name, cur, value, name, value))
        path = "/proc/sys/" + name.replace(".", "/")
        try:
            with open(path, "w") as f:
                f.write(str(value))
        except OSError as e:
            return "cannot raise %s to %d: %s" % (name, value, e)
        self.saved.append((path, cur))
        return "%s raised from %s to %d for the run" % (name, cur, value)

    def restore(self):
        for path, value in reversed(self.saved):
            try:
                with open(path, "w") as f:
                    f.write(value)
            except OSError:
                pass
        self.saved = []


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---------------------------------------------------------------- /proc

def children_of(parent):
    out = []
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


def status_fields(pid, names):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                key, _, val = line.partition(":")
                if key in names:
                    out[key] = int(val.split()[0])
    except OSError:
        pass
    return out


def pss_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_by_kind(pid):
    """A process's resident memory (KB) by kind of mapping: thread stacks
    (a read-write anonymous mapping right above a one-page guard), heap
    (the brk heap and malloc's arenas: anonymous mappings followed by a
    reserve without access), shared (System V or tmpfs segments), code and
    data of files, and the rest."""
    kinds = dict.fromkeys(("stacks", "heap", "shared", "files", "other"), 0)
    maps = []
    try:
        with open("/proc/%d/smaps" % pid) as f:
            for line in f:
                head = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ "
                                r"(\d+)\s*(.*)$", line)
                if head:
                    lo, hi = int(head.group(1), 16), int(head.group(2), 16)
                    maps.append([lo, hi, head.group(3), head.group(4) != "0",
                                 head.group(5).strip(), 0])
                elif line.startswith("Rss:") and maps:
                    maps[-1][5] = int(line.split()[1])
    except OSError:
        return kinds
    for i, (lo, hi, perm, inode, name, rss) in enumerate(maps):
        before = maps[i - 1] if i else None
        after = maps[i + 1] if i + 1 < len(maps) else None
        if name == "[heap]":
            kind = "heap"
        elif "s" in perm or name.startswith("/dev/shm") or \
                name.startswith("/SYSV"):
            kind = "shared"
        elif inode or name.startswith("/"):
            kind = "files"
        elif name == "[stack]" or (before and before[2].startswith("---")
                                   and before[1] == lo
                                   and before[1] - before[0] == 4096):
            kind = "stacks"
        elif after and after[2].startswith("---") and after[0] == hi:
            kind = "heap"
        else:
            kind = "other"
        kinds[kind] += rss
    return kinds


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return 0


def cpu_seconds(pids):
    total = 0.0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                v = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(v[11]) + int(v[12])) / TICK
    return total


class Snapshot:
    """httpd's processes (parent and children) at one moment."""

    def __init__(self, parent):
        self.pids = [parent] + children_of(parent)
        self.rss = self.pss = self.threads = self.fds = 0
        self.largest = 0
        self.kinds = {}
        for pid in self.pids:
            for kind, kb in rss_by_kind(pid).items():
                self.kinds[kind] = self.kinds.get(kind, 0) + kb
            st = status_fields(pid, ("VmRSS", "Threads"))
            self.rss += st.get("VmRSS", 0)
            self.largest = max(self.largest, st.get("VmRSS", 0))
            self.threads += st.get("Threads", 0)
            self.pss += pss_kb(pid)
            self.fds += fd_count(pid)
        self.procs = len(self.pids)

    def __str__(self):
        return ("%d processes, %d threads, RSS %.0f MB (PSS %.0f MB, "
                "largest process %.0f MB), %d open files"
                % (self.procs, self.threads, self.rss / 1024, self.pss / 1024,
                   self.largest / 1024, self.fds)
                + "; RSS by kind: " + ", ".join(
                    "%s %.0f MB" % (k, v / 1024)
                    for k, v in self.kinds.items()))


def idle_cpu(parent, seconds):
    """httpd's CPU use (all processes, user + system) over seconds, in %
    of one core.  Children's ticks are read per process, so a child that
    exits in the window would be missed: none should."""
    pids = [parent] + children_of(parent)
    c0, t0 = cpu_seconds(pids), time.monotonic()
    time.sleep(seconds)
    c1, t1 = cpu_seconds(pids), time.monotonic()
    return 100.0 * (c1 - c0) / (t1 - t0)


def settle(parent, limit, window=2.0, below=5.0):
    """Wait until httpd has finished taking the Pings in: its CPU use over
    a window falls below `below` % of one core (a Ping is held once its
    worker sleeps, which the busy count cannot tell).  Returns the seconds
    waited, or None if it did not settle within limit."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if idle_cpu(parent, window) < below:
            return time.monotonic() - t0
    return None


# ---------------------------------------------------------------- files

def run_ids():
    if os.geteuid() != 0:
        return None
    for name in ("www-data", "nobody"):
        try:
            pw = pwd.getpwnam(name)
            return name, grp.getgrgid(pw.pw_gid).gr_name, pw.pw_uid, \
                pw.pw_gid
        except KeyError:
            continue
    sys.exit("no unprivileged account for httpd's children")


def user_name(i):
    return "u%05d" % i


def message(i, user, subject="Message"):
    """A small plain text message (bytes)."""
    return ("From: Bench Sender <sender@example.org>\r\n"
            "To: %s@example.org\r\n"
            "Subject: %s %d\r\n"
            "Date: %s\r\n"
            "Message-ID: <bench.%d.%d.%s@example.org>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n"
            "Hello %s, this is message %d.\r\n"
            % (user, subject, i, email.utils.formatdate(localtime=True),
               i, time.monotonic_ns(), user, user, i)).encode()


def make_maildirs(mail_root, n, per_user, ids):
    """N Maildirs with per_user messages each in cur/, plain files."""
    t0 = time.monotonic()
    stamp = int(time.time()) - 3600
    for u in range(n):
        user = user_name(u)
        home = os.path.join(mail_root, user)
        md = os.path.join(home, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(md, sub))
        for k in range(per_user):
            path = os.path.join(md, "cur", "%d.M%dP%d.bench:2,S"
                                % (stamp + k, k, u))
            with open(path, "wb") as f:
                f.write(message(k, user))
            if ids:
                os.chown(path, ids[2], ids[3])
        if ids:
            for d in (home, md, md + "/cur", md + "/new", md + "/tmp"):
                os.chown(d, ids[2], ids[3])
    if ids:
        os.chown(mail_root, ids[2], ids[3])
    return time.monotonic() - t0


def make_userdb(root, n):
    """An SDBM file user -> {SHA}hash for mod_authn_dbm, via httxt2dbm."""
    digest = "{SHA}" + base64.b64encode(
        hashlib.sha1(PASSWORD.encode()).digest()).decode()
    txt = os.path.join(root, "users.txt")
    with open(txt, "w") as f:
        for u in range(n):
            f.write("%s %s\n" % (user_name(u), digest))
    out = os.path.join(root, "users")
    tool = shutil.which("httxt2dbm") or "/usr/sbin/httxt2dbm"
    subprocess.run([tool, "-f", "SDBM", "-i", txt, "-o", out], check=True,
                   stdout=subprocess.DEVNULL)
    for name in os.listdir(root):
        if name.startswith("users"):
            os.chmod(os.path.join(root, name), 0o644)
    return out


def deliver(md, i, user, ids):
    """An MTA's delivery: written in tmp/, renamed into new/.  Returns the
    monotonic time just before the rename."""
    name = "%d.M%dP%d.benchmta" % (time.time(), time.monotonic_ns(), i)
    tmp = os.path.join(md, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(message(i, user, "New mail"))
    if ids:
        os.chown(tmp, ids[2], ids[3])
    t0 = time.perf_counter()
    os.rename(tmp, os.path.join(md, "new", name))
    return t0


# ---------------------------------------------------------------- Dovecot

def start_dovecot(mail_root, users, watch, httpd_port, port):
    """A private Dovecot serving users' Maildirs under mail_root, with the
    push plugin calling httpd's eas-notify endpoint when watch is
    plugin."""
    push = (("http://127.0.0.1:%d%s" % (httpd_port, NOTIFY_PATH),
             NOTIFY_SECRET) if watch == "plugin" else None)
    names = dict({user_name(u): PASSWORD for u in range(users)},
                 **{REF_USER: PASSWORD})
    d = dovecot.Dovecot(users=names,
                        push=push, extra=(
                            "service imap {\n  process_limit = 4096\n}\n"
                            "service imap-login {\n  process_limit = 512\n"
                            "}\nservice anvil {\n  client_limit = 8192\n"
                            "}\n"))
    d.port = port
    for u in range(users):
        d.maildirs[user_name(u)] = os.path.join(mail_root, user_name(u),
                                                "Maildir")
    d.start()
    return d


class DoveSnapshot:
    """Dovecot at one moment: its processes, their RSS, and the
    established TCP connections to its IMAP port (all from httpd)."""

    def __init__(self, d):
        self.pids = [d.proc.pid] + children_of(d.proc.pid)
        self.procs = len(self.pids)
        self.rss = sum(status_fields(p, ("VmRSS",)).get("VmRSS", 0)
                       for p in self.pids)
        self.pss = sum(pss_kb(p) for p in self.pids)
        self.imap = sum(1 for p in self.pids if proc_name(p) == "imap")
        out = subprocess.run(["ss", "-tnH", "state", "established",
                              "( sport = :%d )" % d.port],
                             capture_output=True, text=True).stdout
        self.conns = len([x for x in out.splitlines() if x.strip()])

    def __str__(self):
        return ("Dovecot: %d processes (%d imap), %d established IMAP "
                "connections, RSS %.0f MB (PSS %.0f MB)"
                % (self.procs, self.imap, self.conns, self.rss / 1024,
                   self.pss / 1024))


REF_USER = "benchref"


def idle_reference(d, count):
    """The floor of the NOTIFY/IDLE path: a plain client IDLEs on the
    INBOX of a user no phone has, and each LMTP delivery is timed from
    the session's start to the client reading its EXISTS."""
    sock = socket.create_connection(("127.0.0.1", d.port), 10)
    f = sock.makefile("rwb")

    def cmd(tag, text):
        f.write(b"%s %s\r\n" % (tag, text.encode()))
        f.flush()
        while True:
            line = f.readline()
            if not line or line.startswith(tag + b" "):
                return line
    f.readline()                                    # greeting
    cmd(b"a1", "LOGIN %s %s" % (REF_USER, PASSWORD))
    d.deliver(REF_USER, message(0, REF_USER))      # makes the Maildir
    cmd(b"a2", "SELECT INBOX")
    out = []
    for i in range(count):
        f.write(b"i%d IDLE\r\n" % i)
        f.flush()
        while not f.readline().startswith(b"+"):
            pass
        t0 = time.perf_counter()
        d.deliver(REF_USER, message(i + 1, REF_USER, "New mail"))
        while b"EXISTS" not in f.readline():
            pass
        out.append(time.perf_counter() - t0)
        f.write(b"DONE\r\n")
        f.flush()
        while not f.readline().startswith(b"i%d " % i):
            pass
    cmd(b"a3", "LOGOUT")
    sock.close()
    return sorted(out)


def proc_name(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


# ---------------------------------------------------------------- httpd

def mpm_settings(mpm, n, tpc, stack):
    """The MPM directives that carry n held requests plus a margin (setup
    concurrency, the status page, graceful restart)."""
    margin = 64 + n // 50
    want = n + margin
    if mpm == "prefork":
        return want, [
            "StartServers %d" % want, "ServerLimit %d" % want,
            "MaxRequestWorkers %d" % want,
            "MinSpareServers %d" % min(want, 32),
            "MaxSpareServers %d" % want,
            "MaxConnectionsPerChild 0",
        ]
    children = -(-want // tpc)
    per = -(-want // children)
    return children * per, [
        "StartServers %d" % children,
        # room for a second generation during a graceful restart
        "ServerLimit %d" % (2 * children),
        "ThreadLimit %d" % per, "ThreadsPerChild %d" % per,
        "MaxRequestWorkers %d" % (children * per),
        "MinSpareThreads %d" % min(per, 25),
        "MaxSpareThreads %d" % (2 * children * per),
        "MaxConnectionsPerChild 0",
        "AsyncRequestWorkerFactor 2",
        "ThreadStackSize %d" % stack,
    ]


def store_lines(watch, mail, dove_port):
    """The Location's store: the Maildirs, or Dovecot with watch."""
    if not watch:
        return ['    EASMaildir "%s/%%l/Maildir"' % mail]
    return ["    EASBackend imap",
            "    EASIMAPServer imap://127.0.0.1:%d" % dove_port,
            "    EASIMAPLogin %u",
            "    EASIMAPWatch %s" % watch,
            "    EASIMAPCheckInterval 3600"]


class BenchHttpd:
    def __init__(self, cfg, mpm, n, args, dbd, watch=None):
        self.cfg = cfg
        self.mpm = mpm
        self.n = n
        self.root = tempfile.mkdtemp(prefix="mod_eas-bench-ping-")
        os.chmod(self.root, 0o755)
        self.ids = run_ids()
        for d in ("logs", "state", "mail", "cores"):
            os.mkdir(os.path.join(self.root, d))
            if self.ids and d != "logs":
                os.chown(os.path.join(self.root, d), self.ids[2],
                         self.ids[3])
        self.mail = os.path.join(self.root, "mail")
        self.port = free_port()
        self.dove_port = free_port() if watch else None
        self.error_log = os.path.join(self.root, "logs", "error.log")
        self.workers, mpm_lines = mpm_settings(mpm, n, args.threads_per_child,
                                               args.stack)
        self.mpm_lines = mpm_lines
        self.env = dict(os.environ)
        self.env.update(kv.split("=", 1) for kv in args.env)
        self.proc = None
        lib = cfg.APXS_LIBEXECDIR
        mods = ["mpm_" + mpm, "authn_core", "authn_dbm", "authz_core",
                "authz_user", "authz_host", "auth_basic", "dbd", "status"]
        user = (["User %s" % self.ids[0], "Group %s" % self.ids[1]]
                if self.ids else [])
        self.userdb = make_userdb(self.root, -(-n // args.devices))
        self.conf_lines = [
            'ServerRoot "%s"' % self.root,
            "Listen 127.0.0.1:%d" % self.port,
            "ListenBacklog 4096",
            'PidFile "%s/httpd.pid"' % self.root,
            'ErrorLog "%s"' % self.error_log,
            "LogLevel warn",
            "ServerName 127.0.0.1",
            'DefaultRuntimeDir "%s"' % self.root,
            "Mutex file:%s" % self.root,
            'CoreDumpDirectory "%s/cores"' % self.root,
        ] + user + ["LoadModule %s_module %s/mod_%s.so" % (m, lib, m)
                    for m in mods] + [
            "LoadModule eas_module %s" % cfg.MODULE,
        ] + mpm_lines + [
            # a held Ping's answer is written after up to a heartbeat
            "Timeout %d" % (args.heartbeat + 60),
            "KeepAlive On", "KeepAliveTimeout 30",
            "MaxKeepAliveRequests 0",
            "ExtendedStatus Off",
        ] + [x.replace("{root}", self.root) for x in dbd] + [
            "<Location %s>" % eas.EAS_PATH,
            "    SetHandler eas",
            "    AuthType Basic",
            '    AuthName "ActiveSync"',
            "    AuthBasicProvider dbm",
            "    AuthDBMType SDBM",
            '    AuthDBMUserFile "%s"' % self.userdb,
            "    Require valid-user",
        ] + store_lines(watch, self.mail, self.dove_port) + [
            "    EASMailTemplate %l@example.org",
            "    EASProvisioning Off",
            "</Location>",
            "<Location %s>" % NOTIFY_PATH,
            "    SetHandler eas-notify",
            "    EASNotifySecret %s" % NOTIFY_SECRET,
            "    Require ip 127.0.0.1",
            "</Location>",
            "<Location %s>" % STATUS_PATH,
            "    SetHandler server-status",
            "    Require ip 127.0.0.1",
            "</Location>",
        ] + list(args.conf)

    def start(self):
        conf = os.path.join(self.root, "httpd.conf")
        with open(conf, "w") as f:
            f.write("\n".join(self.conf_lines) + "\n")
        self.console = open(os.path.join(self.root, "logs", "console.log"),
                            "w")
        self.proc = subprocess.Popen(
            [self.cfg.HTTPD, "-d", self.root, "-f", conf, "-DFOREGROUND"],
            env=self.env, stdout=self.console, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=die_with_parent)
        deadline = time.time() + 60 + self.workers / 200
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("httpd exited with %s:\n%s" % (
                    self.proc.returncode, self.text("console.log")))
            try:
                socket.create_connection(("127.0.0.1", self.port),
                                         0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("httpd did not listen on port %d" % self.port)

    def wait_children(self, limit):
        """prefork forks StartServers processes one after the other: wait
        until they all run, so that every phone finds one (bounded)."""
        want = self.workers
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:
            have = len(children_of(self.proc.pid))
            if have >= want:
                log("  httpd runs its %d processes after %.1f s"
                    % (have, time.monotonic() - t0))
                return
            time.sleep(0.5)
        log("  httpd runs only %d of %d processes after %.0f s"
            % (len(children_of(self.proc.pid)), want, limit))

    def text(self, name):
        try:
            with open(os.path.join(self.root, "logs", name),
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def crashes(self):
        text = self.text("error.log") + self.text("console.log")
        return [line for line in text.splitlines()
                if re.search(r"exit signal|AddressSanitizer|runtime error:",
                             line)]

    def errors(self):
        """error.log lines at error level or worse (and warnings of the
        module), counted by their message with numbers removed."""
        out = {}
        for line in self.text("error.log").splitlines():
            if not re.search(r":(error|crit|alert|emerg)\]|\[eas:warn\]",
                             line):
                continue
            key = re.sub(r"\[pid [^]]*\]|\[client [^]]*\]|^\[[^]]*\]|\d+",
                         "#", line)
            out[key] = out.get(key, 0) + 1
        return out

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def graceful(self):
        self.proc.send_signal(signal.SIGUSR1)

    def stop(self):
        if not self.alive():
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        self.console.close()

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        self.proc.wait()

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


def die_with_parent():
    """In httpd's parent before exec: SIGTERM when this script dies, so a
    killed benchmark leaves no server behind."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- HTTP

class HTTPError(Exception):
    pass


async def read_response(reader):
    """(status, headers, body) of one HTTP/1.1 response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        key, sep, val = line.partition(":")
        if sep:
            headers[key.strip().lower()] = val.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    elif status in (204, 304) or 100 <= status < 200:
        body = b""
    else:
        body = await reader.read()
    return status, headers, body


def child(node, name):
    if isinstance(node[1], list):
        for c in node[1]:
            if c[0] == name:
                return c[1]
    return None


class Phone:
    """One device of one user, with its own kept-alive connection."""

    def __init__(self, port, index, heartbeat, devices=1):
        self.port = port
        self.index = index
        self.user = user_name(index // devices)
        self.device = "benchdev%05d" % index
        self.auth = eas.basic_auth(self.user, PASSWORD)
        self.heartbeat = heartbeat
        self.reader = self.writer = None
        self.inbox = None
        self.key = None
        self.items = 0
        self.held = False           # a Ping is in flight
        self.pending = None         # perf_counter of an unanswered delivery
        self.ping_body = None
        self.task = None

    async def connect(self):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                "127.0.0.1", self.port)

    def close(self):
        if self.writer is not None:
            try:
                self.writer.transport.abort()
            except RuntimeError:
                pass                # the loop is closed: so is the socket
        self.reader = self.writer = None

    def send(self, cmd, body):
        query = eas.plain_query(cmd, user=self.user, device_id=self.device,
                                device_type="BenchPhone")
        head = ("POST %s?%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                "Authorization: %s\r\nMS-ASProtocolVersion: 14.1\r\n"
                "Content-Type: %s\r\nContent-Length: %d\r\n\r\n"
                % (eas.EAS_PATH, query, self.port, self.auth, eas.WBXML_TYPE,
                   len(body)))
        self.writer.write(head.encode() + body)

    async def receive(self, cmd):
        status, headers, body = await read_response(self.reader)
        if headers.get("connection", "").lower() == "close":
            self.close()
        if status != 200:
            raise HTTPError("%s: HTTP %d" % (cmd, status))
        return eas.decode(body) if body else None

    async def post(self, cmd, body):
        """A request; once more on a new connection if the kept-alive one
        was closed by the server in between (event MPM does so when its
        workers are busy), as a phone's HTTP stack does."""
        fresh = self.writer is None
        await self.connect()
        self.send(cmd, body)
        try:
            return await self.receive(cmd)
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            if fresh or getattr(e, "partial", b"x") != b"":
                raise
        self.close()
        await self.connect()
        self.send(cmd, body)
        return await self.receive(cmd)

    MAX_PAGES = 1000

    async def setup(self):
        """FolderSync, Sync key 0, Sync until nothing more: the device has
        sync state and every item."""
        tree = await self.post("FolderSync", eas.folder_sync("0"))
        if int(child(tree, F + "Status")) != 1:
            raise HTTPError("FolderSync Status %s" % child(tree, F + "Status"))
        for add in eas.find_all(tree, F + "Add"):
            if child(add, F + "Type") == "2":
                self.inbox = child(add, F + "ServerId")
        if self.inbox is None:
            raise HTTPError("FolderSync lists no Inbox")
        coll = await self.sync("0")
        self.key = child(coll, A + "SyncKey")
        # every page (100 items each), as a phone does before it pushes:
        # a Ping on a folder with more to bring answers at once
        self.items = 0
        for _ in range(self.MAX_PAGES):
            coll = await self.sync(self.key)
            if coll is None:
                break
            self.key = child(coll, A + "SyncKey")
            self.items += len(eas.find_all(coll, A + "Add"))
            if not eas.find_all(coll, A + "MoreAvailable"):
                break
        self.ping_body = eas.encode((P + "Ping", [
            (P + "HeartbeatInterval", str(self.heartbeat)),
            (P + "Folders", [(P + "Folder", [(P + "Id", self.inbox),
                                             (P + "Class", "Email")])])]))

    def sync_body(self, key):
        node = [(A + "SyncKey", key), (A + "CollectionId", self.inbox)]
        if key != "0":
            node += [(A + "WindowSize", "100"), (A + "Options", [
                (A + "FilterType", "0"),
                (B + "BodyPreference", [(B + "Type", "1"),
                                        (B + "TruncationSize", "512")])])]
        return eas.encode((A + "Sync", [(A + "Collections", [
            (A + "Collection", node)])]))

    async def sync(self, key):
        tree = await self.post("Sync", self.sync_body(key))
        if tree is None:
            return None
        coll = eas.find_all(tree, A + "Collection")
        if len(coll) != 1 or child(coll[0], A + "Status") != "1":
            raise HTTPError("Sync: %r" % (tree,))
        return coll[0]

    async def fetch_new(self):
        """The Sync a phone does after its Ping said the Inbox changed."""
        coll = await self.sync(self.key)
        if coll is None:
            return 0
        self.key = child(coll, A + "SyncKey")
        return len(eas.find_all(coll, A + "Add"))


# ---------------------------------------------------------------- phases

class Case:
    """One run: an httpd, N phones, the measurements."""

    def __init__(self, cfg, mpm, n, args, dbd, backend="maildir"):
        self.cfg = cfg
        self.mpm = mpm
        self.n = n
        self.args = args
        self.watch = backend[5:] if backend.startswith("imap-") else None
        self.srv = BenchHttpd(cfg, mpm, n, args, dbd, self.watch)
        self.dove = None
        self.phones = []
        self.res = dict(mpm=mpm, n=n, notes=[], latencies=[], lost=0,
                        lmtp=[], backend=backend)
        self.answers = {}           # Ping outcome -> count (hold loop)
        self.graceful_t0 = None
        self.graceful_answers = []

    def note(self, msg):
        log("  " + msg)
        self.res["notes"].append(msg)

    async def busy_workers(self):
        reader, writer = await asyncio.open_connection("127.0.0.1",
                                                       self.srv.port)
        try:
            writer.write(("GET %s?auto HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Connection: close\r\n\r\n" % STATUS_PATH).encode())
            status, _, body = await asyncio.wait_for(read_response(reader),
                                                     10)
        finally:
            writer.transport.abort()
        m = re.search(rb"BusyWorkers: (\d+)", body)
        if status != 200 or not m:
            raise RuntimeError("server-status answered %d" % status)
        return int(m.group(1)) - 1      # not the status request itself

    async def wait_busy(self, want, timeout, exact=False, settle=3.0):
        """Until mod_status counts want busy workers (at least, or exactly)
        for settle seconds; returns (reached, last count, seconds)."""
        t0 = time.monotonic()
        since, count = None, -1
        while time.monotonic() - t0 < timeout:
            try:
                count = await self.busy_workers()
            except (asyncio.TimeoutError, OSError):
                # no worker free for the status page yet (prefork: the
                # processes are still being forked)
                since = None
                await asyncio.sleep(0.25)
                continue
            ok = count == want if exact else count >= want
            if ok:
                since = since or time.monotonic()
                if time.monotonic() - since >= settle:
                    return True, count, since - t0
            else:
                since = None
            await asyncio.sleep(0.25)
        return False, count, time.monotonic() - t0

    async def setup_all(self):
        sem = asyncio.Semaphore(self.args.setup_concurrency)
        failures = {}

        async def one(ph):
            async with sem:
                try:
                    await asyncio.wait_for(ph.setup(), 120)
                except (HTTPError, OSError, asyncio.TimeoutError,
                        asyncio.IncompleteReadError, ValueError) as e:
                    key = re.sub(r"\d+", "#", str(e) or type(e).__name__)
                    failures[key] = failures.get(key, 0) + 1
                    ph.inbox = None
                finally:
                    ph.close()
        t0 = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(one(p) for p in self.phones)),
                               self.args.setup_timeout)
        took = time.monotonic() - t0
        ok = [p for p in self.phones if p.inbox]
        bad_items = sum(1 for p in ok if p.items != self.args.messages)
        self.res["setup_s"] = took
        log("  setup: %d of %d phones in %.1f s (%.0f phones/s, 3 requests "
            "each)" % (len(ok), self.n, took, len(ok) / took))
        if failures:
            self.note("setup failures: %s" % ", ".join(
                "%s x%d" % kv for kv in failures.items()))
        if bad_items:
            self.note("%d phones got a number of items other than %d"
                      % (bad_items, self.args.messages))
        self.phones = ok

    async def hold_loop(self, ph):
        """Ping; on Status 2 Sync and Ping again, on 1 Ping again.  Any
        other answer stops the phone (counted), so nothing loops."""
        while True:
            tree, outcome = None, None
            try:
                await ph.connect()
                ph.send("Ping", ph.ping_body)
                ph.held = True
                tree = await ph.receive("Ping")
                arrived = time.perf_counter()
            except HTTPError as e:
                outcome = str(e)
            except (OSError, asyncio.IncompleteReadError) as e:
                outcome = "connection lost (%s)" % type(e).__name__
            ph.held = False
            status = child(tree, P + "Status") if tree else None
            if self.graceful_t0 is not None:
                self.graceful_answers.append(
                    (time.monotonic() - self.graceful_t0,
                     status or outcome))
                ph.close()
                return
            if tree is None:
                self.count(outcome or "Ping: empty answer")
                ph.close()
                return
            folders = [f[1] for f in eas.find_all(tree, P + "Folder")]
            if status == "2" and folders == [ph.inbox]:
                if ph.pending is not None:
                    self.res["latencies"].append(arrived - ph.pending)
                    ph.pending = None
                else:
                    self.count("Status 2 without a delivery")
                try:
                    got = await ph.fetch_new()
                except (HTTPError, OSError,
                        asyncio.IncompleteReadError) as e:
                    self.count("Sync after Ping: %s" % e)
                    ph.close()
                    return
                if got != 1:
                    self.count("Sync after Ping brought %d items" % got)
            elif status == "1":
                self.count("Status 1 (heartbeat)")
            else:
                self.count("Status %s %s" % (status, folders or ""))
                ph.close()
                return

    def count(self, outcome):
        self.answers[outcome] = self.answers.get(outcome, 0) + 1

    async def open_pings(self):
        """One connection and one Ping per phone, at a bounded pace."""
        batch = self.args.connect_batch
        for i in range(0, len(self.phones), batch):
            group = self.phones[i:i + batch]
            await asyncio.gather(*(ph.connect() for ph in group))
            for ph in group:
                ph.task = asyncio.ensure_future(self.hold_loop(ph))
            await asyncio.sleep(0.01)

    async def deliveries(self):
        m = self.args.deliveries
        rng = random.Random(self.args.seed)
        gap = 1.0 / self.args.rate
        ids = self.srv.ids
        t_next = time.perf_counter()
        sent, starved = 0, None
        while sent < m:
            # users all of whose phones hold a Ping with nothing pending
            by_user = {}
            for p in self.phones:
                ok = p.held and p.pending is None and p.task \
                    and not p.task.done()
                by_user.setdefault(p.user, []).append(p if ok else None)
            free = [v for v in by_user.values() if None not in v]
            if not free:
                starved = starved or time.monotonic()
                if time.monotonic() - starved > self.args.lost_after:
                    self.note("deliveries stopped after %d: no phone holds "
                              "a Ping" % sent)
                    break
                await asyncio.sleep(0.05)
                continue
            starved = None
            group = rng.choice(free)
            user = group[0].user
            if self.dove:
                await self.deliver_lmtp(group, sent, user)
            else:
                md = os.path.join(self.srv.mail, user, "Maildir")
                t0 = deliver(md, sent, user, ids)
                for ph in group:
                    ph.pending = t0
            sent += 1
            t_next += gap
            await asyncio.sleep(max(0.0, t_next - time.perf_counter()))
        # the last answers
        t0 = time.monotonic()
        while time.monotonic() - t0 < self.args.lost_after:
            if not any(p.pending is not None for p in self.phones):
                break
            await asyncio.sleep(0.05)
        lost = [p for p in self.phones if p.pending is not None]
        self.res["lost"] = len(lost)
        if lost:
            self.note("%d deliveries had no Ping answer within %.0f s "
                      "(users %s)" % (len(lost), self.args.lost_after,
                                      ", ".join(p.user for p in lost[:10])))
            for p in lost:
                p.pending = None

    async def deliver_lmtp(self, group, i, user):
        """An MTA's delivery to Dovecot by LMTP, in a thread (the phones'
        answers are read meanwhile); the latency runs from its start."""
        msg = message(i, user, "New mail")
        t0 = time.perf_counter()
        for ph in group:
            ph.pending = t0
        await asyncio.get_running_loop().run_in_executor(
            None, self.dove.deliver, user, msg)
        self.res["lmtp"].append(time.perf_counter() - t0)

    def dove_snapshot(self, key):
        if self.dove:
            snap = DoveSnapshot(self.dove)
            self.res[key] = snap
            log("  %s" % snap)

    async def run(self):
        args, srv = self.args, self.srv
        users = -(-self.n // args.devices)
        t = make_maildirs(srv.mail, users, args.messages, srv.ids)
        log("  %d Maildirs (%d messages each) in %.1f s"
            % (users, args.messages, t))
        if self.watch:
            self.dove = start_dovecot(srv.mail, users, self.watch, srv.port,
                                      srv.dove_port)
            log("  Dovecot on port %d, EASIMAPWatch %s"
                % (self.dove.port, self.watch))
        srv.start()
        if self.mpm == "prefork":
            await asyncio.get_running_loop().run_in_executor(
                None, srv.wait_children, 60 + self.n / 10)
        self.res["mpm_lines"] = srv.mpm_lines
        self.phones = [Phone(srv.port, i, args.heartbeat, args.devices)
                       for i in range(self.n)]
        await self.setup_all()
        if not self.phones:
            raise RuntimeError("no phone finished its setup")
        await asyncio.sleep(2)
        idle = Snapshot(srv.proc.pid)
        log("  idle: %s" % idle)
        self.res["idle"] = idle
        self.dove_snapshot("dove_idle")

        # hold
        t0 = time.monotonic()
        await self.open_pings()
        held = len(self.phones)
        reached, count, _ = await self.wait_busy(
            held, args.hold_timeout + held / 200)
        took = time.monotonic() - t0 - (3.0 if reached else 0.0)
        self.res["hold_s"] = took
        if not reached:
            self.note("only %d of %d Pings held after %.0f s (answers: %s)"
                      % (count, held, time.monotonic() - t0, self.answers))
            if count <= 0:
                raise RuntimeError("no Ping is held: the server answers %s"
                                   % (self.answers,))
        log("  %d Pings held after %.1f s" % (count, took))
        self.res["held"] = count
        loop = asyncio.get_running_loop()
        quiet = await loop.run_in_executor(None, settle, srv.proc.pid,
                                           60 + held / 50)
        if quiet is None:
            self.note("httpd still busy taking Pings in at the deadline")
        else:
            log("  httpd settled %.1f s later (every Ping asleep)" % quiet)
        self.res["settle_s"] = quiet
        full = await loop.run_in_executor(None, Snapshot, srv.proc.pid)
        log("  held: %s" % full)
        self.res["full"] = full
        self.dove_snapshot("dove_full")
        self.res["cpu"] = await loop.run_in_executor(
            None, idle_cpu, srv.proc.pid, args.idle_seconds)
        log("  httpd CPU with every Ping held: %.2f%% of one core over "
            "%.0f s" % (self.res["cpu"], args.idle_seconds))
        early = dict(self.answers)
        if early:
            self.note("answers before any delivery: %s" % early)
        self.answers.clear()

        # deliveries
        t0 = time.monotonic()
        await self.deliveries()
        lat = sorted(self.res["latencies"])
        log("  %d deliveries in %.1f s, %d answered: p50 %s, p99 %s, "
            "max %s" % (args.deliveries, time.monotonic() - t0, len(lat),
                        ms(pct(lat, 50)), ms(pct(lat, 99)),
                        ms(lat[-1] if lat else None)))
        if self.res["lmtp"]:
            lm = sorted(self.res["lmtp"])
            log("  LMTP sessions alone: p50 %s, p99 %s, max %s"
                % (ms(pct(lm, 50)), ms(pct(lm, 99)), ms(lm[-1])))
            ref = await asyncio.get_running_loop().run_in_executor(
                None, idle_reference, self.dove, 20)
            self.note("reference: a plain IMAP client IDLE on another "
                      "user's INBOX, LMTP start to its EXISTS, 20 "
                      "deliveries: p50 %s, p90 %s, max %s"
                      % (ms(pct(ref, 50)), ms(pct(ref, 90)), ms(ref[-1])))
        if self.answers:
            self.note("other outcomes during deliveries: %s"
                      % self.answers)
        alive = sum(1 for p in self.phones if p.task and not p.task.done())
        reached, count, _ = await self.wait_busy(alive, 30)
        self.res["reheld"] = (count, alive)
        if not reached:
            self.note("after the deliveries %d workers are busy for %d "
                      "phones still holding" % (count, alive))
        await self.hang_ups()
        await self.graceful()
        return self.res

    async def run_and_close(self):
        try:
            return await self.run()
        finally:
            self.close_all()

    async def hang_ups(self):
        """A tenth of the held phones hang up: their workers and files must
        come back at once."""
        busy = await self.busy_workers()
        before = Snapshot(self.srv.proc.pid)
        gone = [p for p in self.phones if p.held and p.pending is None
                and p.task and not p.task.done()]
        gone = gone[:max(1, len(gone) // 10)]
        for p in gone:
            p.task.cancel()
            p.close()
        want = busy - len(gone)
        reached, count, took = await self.wait_busy(want, 30, exact=True,
                                                    settle=1.0)
        after = Snapshot(self.srv.proc.pid)
        self.res["hangup"] = (len(gone), reached, count, took,
                              before.fds - after.fds)
        log("  %d phones hung up: busy workers %s %d in %.1f s, %d fewer "
            "open files" % (len(gone), "back to" if reached else "NOT back "
                            "to, still", count if not reached else want,
                            took, before.fds - after.fds))
        if not reached:
            self.note("after %d hang-ups %d workers are busy, %d expected"
                      % (len(gone), count, want))

    async def graceful(self):
        """A graceful restart answers the held Pings (Status 1)."""
        holding = [p for p in self.phones if p.task and not p.task.done()]
        self.graceful_t0 = time.monotonic()
        self.srv.graceful()
        deadline = time.monotonic() + self.args.graceful_timeout
        while time.monotonic() < deadline:
            if all(p.task.done() for p in holding):
                break
            await asyncio.sleep(0.1)
        ans = self.graceful_answers
        ones = [t for t, s in ans if s == "1"]
        self.res["graceful"] = (len(holding), len(ones), len(ans),
                                max(ones) if ones else None)
        log("  graceful restart: %d of %d held Pings answered Status 1 "
            "(%d answers in all), the last after %s"
            % (len(ones), len(holding), len(ans),
               "%.1f s" % max(ones) if ones else "-"))
        if len(ones) != len(holding):
            self.note("graceful restart answered %d of %d held Pings "
                      "with Status 1 within %.0f s"
                      % (len(ones), len(holding), self.args.graceful_timeout))

    def close_all(self):
        for p in self.phones:
            if p.task and not p.task.done():
                p.task.cancel()
            p.close()

    def stop_dovecot(self):
        """Stops Dovecot (kept with httpd's directory when asked)."""
        if not self.dove:
            return
        self.dove.stop()
        crashes = self.dove.crashes()
        if crashes:
            self.note("Dovecot logged failures (log in %s): %s"
                      % (self.dove.root, "; ".join(crashes[:3])))
        elif not self.args.keep:
            self.dove.cleanup()


def pct(values, p):
    if not values:
        return None
    k = (len(values) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def ms(v):
    return "-" if v is None else "%.1f ms" % (v * 1000)


# ---------------------------------------------------------------- main

def run_case(cfg, backend, mpm, n, args, dbd_for, watchdog):
    """One run of (mpm, n); returns its results (and keeps its httpd's
    directory when it crashed or --keep)."""
    dbd, cleanup_db = dbd_for(mpm, n)
    case = Case(cfg, mpm, n, args, dbd, backend)
    watchdog.arm(case.srv, args.case_timeout + 120)
    res = case.res
    try:
        asyncio.run(asyncio.wait_for(case.run_and_close(),
                                     args.case_timeout))
    except (RuntimeError, asyncio.TimeoutError, OSError) as e:
        res["error"] = "%s: %s" % (type(e).__name__, e)
        log("  FAILED: %s" % res["error"])
    finally:
        case.close_all()
        crashes_running = case.srv.crashes()
        case.srv.stop()
        crashes = case.srv.crashes()
        case.stop_dovecot()
        watchdog.disarm()
        cleanup_db()
    res["crashes"] = crashes
    res["errors"] = case.srv.errors()
    if crashes:
        log("  httpd crashed (%s); config, logs and cores kept in %s:\n  %s"
            % ("while running" if crashes_running else "at its stop",
               case.srv.root, "\n  ".join(crashes[:10])))
    if res["errors"]:
        log("  error.log: %s" % "; ".join(
            "%s x%d" % kv for kv in list(res["errors"].items())[:8]))
    if crashes or args.keep or "error" in res:
        log("  (httpd config and logs kept in %s)" % case.srv.root)
    else:
        case.srv.cleanup()
    return res


class Watchdog:
    """Kills httpd and exits if a case outlives its deadline (the script's
    own bounds failed)."""

    def __init__(self):
        self.timer = None

    def arm(self, srv, seconds):
        def fire():
            log("watchdog: case still running after %.0f s: killing httpd"
                % seconds)
            if srv.proc is not None:
                srv.kill()
            os._exit(3)
        self.timer = threading.Timer(seconds, fire)
        self.timer.daemon = True
        self.timer.start()

    def disarm(self):
        if self.timer:
            self.timer.cancel()
        self.timer = None


def median_of(runs, key):
    vals = [key(r) for r in runs]
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


COLUMNS = ["", "held", "httpd RSS", "PSS", "threads", "open files",
           "RSS/Ping", "files/Ping", "idle CPU", "p50", "p90", "p99", "max",
           "lost", "LMTP p50", "Dovecot procs", "IMAP conns",
           "Dovecot PSS"]


def dove_cells(ok, m):
    """Dovecot's columns: LMTP session p50, processes, established IMAP
    connections and RSS, each idle -> with every Ping held."""
    if not any("dove_full" in r for r in ok):
        return ["-"] * 4

    def pair(attr, fmt):
        return "%s -> %s" % (
            fmt % m(lambda r: getattr(r["dove_idle"], attr)),
            fmt % m(lambda r: getattr(r["dove_full"], attr)))
    return [ms(median_of(ok, lambda r: pct(sorted(r["lmtp"]), 50))),
            pair("procs", "%d"), pair("conns", "%d"),
            "%.0f -> %.0f MB" % (m(lambda r: r["dove_idle"].pss) / 1024,
                                 m(lambda r: r["dove_full"].pss) / 1024)]


def row(backend, mpm, n, runs):
    ok = [r for r in runs if "full" in r]
    if not ok:
        return ["%s %s N=%d" % (backend, mpm, n), "failed"] + [""] * (
            len(COLUMNS) - 2)

    def m(key):
        return median_of(ok, key)
    held = m(lambda r: r["held"])
    lat = [sorted(r["latencies"]) for r in ok]
    return [
        "%s %s N=%s" % (backend, mpm, "{:,}".format(n)),
        "{:,}".format(int(held)),
        "%.0f MB" % (m(lambda r: r["full"].rss) / 1024),
        "%.0f MB" % (m(lambda r: r["full"].pss) / 1024),
        "{:,}".format(int(m(lambda r: r["full"].threads))),
        "{:,}".format(int(m(lambda r: r["full"].fds))),
        "%.1f KB" % m(lambda r: (r["full"].rss - r["idle"].rss)
                      / max(r["held"], 1)),
        "%.2f" % m(lambda r: (r["full"].fds - r["idle"].fds)
                   / max(r["held"], 1)),
        "%.2f%%" % m(lambda r: r["cpu"]),
        ms(median_of(lat, lambda v: pct(v, 50))),
        ms(median_of(lat, lambda v: pct(v, 90))),
        ms(median_of(lat, lambda v: pct(v, 99))),
        ms(median_of(lat, lambda v: v[-1] if v else None)),
        "%d" % m(lambda r: r["lost"]),
    ] + dove_cells(ok, m)


def table(rows):
    widths = [max(len(COLUMNS[i]), *(len(r[i]) for r in rows))
              for i in range(len(COLUMNS))]

    def line(cells):
        return "| " + " | ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    return "\n".join([line(COLUMNS),
                      "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
                     + [line(r) for r in rows])


def parse_list(text, conv):
    return [conv(x) for x in text.split(",") if x]


def main():
    ap = argparse.ArgumentParser(
        description="N phones holding a Ping; delivery-to-push latency.")
    ap.add_argument("--builddir", default=os.path.join(TOP, "out"),
                    help="build directory with the module (default out/)")
    ap.add_argument("--n", metavar="N[,N...]",
                    help="phones (default: 1000,10000 on event, 1000 on "
                    "prefork)")
    ap.add_argument("--mpm", metavar="event|prefork[,...]",
                    help="MPMs (default: both, see --n)")
    ap.add_argument("--deliveries", type=int, default=200, metavar="M")
    ap.add_argument("--rate", type=float, default=20.0, metavar="R",
                    help="deliveries per second (default 20)")
    ap.add_argument("--heartbeat", type=int, default=600, metavar="S",
                    help="Ping HeartbeatInterval (default 600)")
    ap.add_argument("--devices", type=int, default=1, metavar="D",
                    help="phones per user (N phones, N/D users; default 1)")
    ap.add_argument("--messages", type=int, default=3, metavar="K",
                    help="messages in each Inbox before the run")
    ap.add_argument("--repeat", type=int, default=1, metavar="R",
                    help="runs per case; the table shows medians")
    ap.add_argument("--state", choices=("sqlite", "pgsql"), default="sqlite")
    ap.add_argument("--threads-per-child", type=int, default=2048,
                    metavar="T", help="event MPM: most threads per child "
                    "(default 2048; the children are sized to carry N)")
    ap.add_argument("--stack", type=int, default=131072, metavar="BYTES",
                    help="event MPM ThreadStackSize (default 131072)")
    ap.add_argument("--setup-concurrency", type=int, default=16)
    ap.add_argument("--connect-batch", type=int, default=100)
    ap.add_argument("--idle-seconds", type=float, default=10.0)
    ap.add_argument("--conf", action="append", default=[], metavar="LINE",
                    help="a server-level httpd directive to add (repeatable)")
    ap.add_argument("--env", action="append", metavar="NAME=VALUE",
                    help="set in httpd's environment (default: "
                    "G_SLICE=always-malloc, as the README advises; "
                    "--env '' for none)")
    ap.add_argument("--raise-sysctls", action="store_true",
                    help="raise fs.inotify.max_user_instances and "
                    "max_user_watches for the run if they are too low "
                    "(root; put back at the end)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--backend", choices=("maildir", "imap", "both"),
                    default="maildir",
                    help="Maildirs directly, through Dovecot, or both")
    ap.add_argument("--watch", default="plugin,notify,idle",
                    metavar="plugin|notify|idle[,...]",
                    help="imap: EASIMAPWatch modes to run (default all)")
    ap.add_argument("--keep", action="store_true",
                    help="keep each run's httpd directory and logs")
    args = ap.parse_args()
    if args.env is None:
        args.env = ["G_SLICE=always-malloc"]
    args.env = [kv for kv in args.env if kv]
    for kv in args.env:
        if "=" not in kv:
            ap.error("--env wants NAME=VALUE, not %r" % kv)
    # bounds of each phase (seconds)
    # (the setup of 10,000 phones on IMAP takes about 17 minutes on two
    # shared cores: a first login and LIST-STATUS per user)
    most = max([int(x) for x in (args.n or "10000").split(",") if x])
    args.setup_timeout = 900.0 + most / 10
    args.hold_timeout = 120.0
    args.lost_after = 10.0
    args.graceful_timeout = 30.0
    args.case_timeout = 1800.0 + most / 5
    if args.repeat < 1 or args.deliveries < 0 or args.rate <= 0 \
            or args.devices < 1:
        ap.error("--repeat must be at least 1, --deliveries at least 0 and "
                 "--rate positive")

    if args.n is None and args.mpm is None:
        cases = DEFAULT_CASES
    else:
        mpms = parse_list(args.mpm or "event", str)
        ns = parse_list(args.n, int) if args.n else None
        cases = [(m, n) for m in mpms
                 for n in (ns or ([1000] if m == "prefork" else
                                  [1000, 10000]))]
    for m, n in cases:
        if m not in ("event", "prefork") or n < 1:
            ap.error("bad case %s N=%d" % (m, n))
    watches_ = parse_list(args.watch, str)
    if any(w not in ("plugin", "notify", "idle") for w in watches_):
        ap.error("--watch takes plugin, notify and idle")
    backends = (["maildir"] if args.backend != "imap" else []) + (
        ["imap-" + w for w in watches_] if args.backend != "maildir"
        else [])
    builddir = os.path.abspath(args.builddir)
    cfg = load_config(builddir)
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    limits = limits_report(max(n for _, n in cases) + 256)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    sysctls = Sysctls()
    inst, watches = inotify_needs(cases, args)
    for name, value in (("fs.inotify.max_user_instances", inst),
                        ("fs.inotify.max_user_watches", watches)):
        msg = sysctls.need(name, value, args.raise_sysctls)
        if msg:
            log(msg)
            limits.append(msg)

    command = "/usr/bin/python3 %s" % " ".join(shlex.quote(a) for a in (
        [os.path.relpath(os.path.abspath(__file__), TOP),
         "--builddir", builddir]
        + (["--n", args.n] if args.n else [])
        + (["--mpm", args.mpm] if args.mpm else [])
        + ["--deliveries", str(args.deliveries), "--rate", "%g" % args.rate,
           "--heartbeat", str(args.heartbeat),
           "--messages", str(args.messages),
           "--devices", str(args.devices),
           "--threads-per-child", str(args.threads_per_child),
           "--stack", str(args.stack), "--seed", str(args.seed)]
        + (["--backend", args.backend] if args.backend != "maildir" else [])
        + (["--watch", args.watch] if args.backend != "maildir" else [])
        + (["--repeat", str(args.repeat)] if args.repeat != 1 else [])
        + (["--state", args.state] if args.state != "sqlite" else [])
        + (["--raise-sysctls"] if args.raise_sysctls else [])
        + [x for c in args.conf for x in ("--conf", c)]
        + ([x for e in args.env for x in ("--env", e)] if args.env
           else ["--env", ""])))

    pgsrv = None
    if args.state == "pgsql":
        import pg
        # prefork: each process keeps its own connection
        most = max(mpm_settings(m, n, args.threads_per_child, args.stack)[0]
                   for m, n in cases)
        pgsrv = pg.PostgreSQL(max_connections=max(200, most + 100))
        pgsrv.start()

    def dbd_for(mpm, n):
        if pgsrv is None:
            return ['DBDriver sqlite3', 'DBDParams "%s/state/state.db"'
                    % "{root}"], lambda: None
        name = "bench_ping_%s_%d_%d" % (mpm, n, time.monotonic_ns())
        dsn = pgsrv.create_database(name)
        # few pooled connections per child: held Pings hold none
        return ['DBDriver pgsql', 'DBDParams "%s"' % dsn, "DBDMin 0",
                "DBDKeep 1", "DBDMax 4"], lambda: None

    watchdog = Watchdog()
    results = {}
    load_before = loadavg()
    try:
        for mpm, n in cases:
            for b in backends:
                for i in range(args.repeat):
                    log("%s, %s MPM, N = %d%s ..." % (
                        b, mpm, n, ", run %d of %d" % (i + 1, args.repeat)
                        if args.repeat > 1 else ""))
                    results.setdefault((b, mpm, n), []).append(
                        run_case(cfg, b, mpm, n, args, dbd_for, watchdog))
    finally:
        sysctls.restore()
        if pgsrv:
            pgsrv.stop()
            pgsrv.cleanup()

    print()
    print("Direct Push: N phones each holding a Ping (HeartbeatInterval %d s)"
          " on its Inbox;" % args.heartbeat)
    print("%d deliveries at %g/s into random held Inboxes, latency from the "
          "rename into new/ (maildir)" % (args.deliveries, args.rate))
    print("or the LMTP session's start (imap-*: EASIMAPWatch plugin, notify, "
          "idle; LMTP p50: the session alone)")
    print("to the Ping response (Status 2).  %s state%s."
          % ("SQLite" if args.state == "sqlite" else "PostgreSQL",
             ", median of %d runs" % args.repeat if args.repeat > 1 else ""))
    print()
    print(table([row(b, m, n, results[(b, m, n)]) for m, n in cases
                 for b in backends]))
    print()
    print("RSS and PSS: summed over httpd's processes (parent and children) "
          "with every Ping held;")
    print("RSS/Ping and files/Ping: (held - idle before the Pings) / held.")
    for (b, m, n), runs in results.items():
        for r in runs:
            extra = []
            if "idle" in r:
                extra.append("idle before the Pings: %s" % r["idle"])
            if "hangup" in r:
                g, ok, c, took, fds = r["hangup"]
                extra.append("%d hang-ups: workers %s in %.1f s, %d files "
                             "closed" % (g, "freed" if ok else
                                         "NOT freed (%d busy)" % c, took, fds))
            if "graceful" in r:
                h, ones, all_, last = r["graceful"]
                extra.append("graceful restart: %d of %d held Pings got "
                             "Status 1%s" % (ones, h, ", the last after "
                                             "%.1f s" % last if last else ""))
            if "setup_s" in r:
                extra.append("setup %.0f s" % r["setup_s"])
            for key, when in (("dove_idle", "idle"),
                              ("dove_full", "every Ping held")):
                if key in r:
                    extra.append("%s: %s" % (when, r[key]))
            for note in r["notes"]:
                extra.append(note)
            if r.get("error"):
                extra.append("FAILED: " + r["error"])
            if r.get("crashes"):
                extra.append("CRASHED: " + "; ".join(r["crashes"][:3]))
            print("%s %s N=%d: %s" % (b, m, n, "\n    ".join(extra)))
            if "mpm_lines" in r:
                print("    MPM: " + ", ".join(r["mpm_lines"]))
                print("    httpd's environment: %s"
                      % (" ".join(args.env) or "as the script's"))
    print()
    print("machine:  %s" % machine())
    for line in limits:
        print("limits:   %s" % line)
    print("httpd:    %s" % cfg.HTTPD)
    print("load:     %s before, %s after (1/5/15 min)"
          % (load_before, loadavg()))
    print("command:  %s" % command)
    failed = any(r.get("error") or r.get("crashes")
                 for runs in results.values() for r in runs)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
