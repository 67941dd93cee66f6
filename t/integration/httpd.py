# SPDX-License-Identifier: Apache-2.0
"""A private httpd running the freshly built mod_eas.

Its own ServerRoot, config, logs and htpasswd live in a fresh directory; it
listens on a free 127.0.0.1 port with the event MPM and is started in the
foreground (-DFOREGROUND) so the test session owns the process.
"""

import base64
import hashlib
import os
import resource
import pwd
import grp
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import mailstore
import statedb
from eas import EAS_PATH, USERS
from procs import end_process, free_port, read_text  # noqa: E402,F401

# What a crashed or sanitizer-stopped child leaves in the error log.
CRASH_RE = re.compile(r"exit signal|AddressSanitizer|runtime error:|"
                      r"UndefinedBehaviorSanitizer|LeakSanitizer")

MODULES = ["mpm_event", "authn_core", "authn_file", "authz_core",
           "authz_user", "auth_basic"]

AUTH = """    AuthType Basic
    AuthName "ActiveSync"
    AuthBasicProvider file
    AuthUserFile "{root}/htpasswd"
    Require valid-user
"""

# Locations: name -> extra directives.  Each gets SetHandler eas and, unless
# it says "noauth", Basic authentication against the htpasswd file.  A value
# starting with "noauth\n" brings its own authentication (e.g. LDAP) in the
# lines that follow.  "{root}" in the directives is the server's directory.
#
# The shared server is set up as a deployment would be (Httpd(...,
# state=True)): every location has a Maildir and a mail address per user,
# a mail transport (SENDMAIL below) and the SQLite state database, so
# implemented commands answer for real.  Provisioning is off: the policy
# gate has its own tests (test_prov.py).
STORE = ('    EASMaildir "{root}/mail/%l/Maildir"\n'
         "    EASMailTemplate %l@example.org\n"
         '    EASSendmail "{root}/bin/sendmail"\n'
         "    EASProvisioning Off\n")
LOCATIONS = {
    EAS_PATH: STORE,
    # Small limits; /eas-limits/nodes sets only the node limit and must
    # inherit the rest, the store settings too (merge test).
    "/eas-limits": STORE + "    EASMaxRequestBody 4096\n"
                           "    EASMaxWBXMLDepth 6\n",
    "/eas-limits/nodes": "    EASMaxWBXMLNodes 20\n",
    "/eas-trace": STORE + "    LogLevel eas:trace1\n",
    "/eas-bodies": STORE + "    LogLevel eas:trace1\n"
                           "    EASTraceBodies On\n",
    "/eas-noauth": "noauth",
}


def allow_cores():
    """In the child before httpd starts: core files of any size."""
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY,
                                              resource.RLIM_INFINITY))


def backtraces(httpd_bin, root):
    """The backtraces of the cores httpd's children left in root/cores."""
    out = []
    d = os.path.join(root, "cores")
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else ():
        r = subprocess.run(["gdb", "-batch", "-ex", "thread apply all bt 30",
                            httpd_bin, os.path.join(d, name)],
                           capture_output=True, text=True, timeout=120)
        out.append("core %s:\n%s" % (name, r.stdout[-20000:]))
    return out


def sanitizer_env(preload):
    """Environment for httpd.  With an ASan/UBSan-built module, httpd
    itself is not instrumented, so the sanitizer runtimes must be preloaded
    into it; leak checks are off because httpd leaves its pools to process
    exit, and any UBSan report stops the child so that it shows up as a
    crash in the error log.  No alternate signal stack: ASan misreads its
    removal when a thread of httpd's MPM ends with pthread_exit (graceful
    restart) as a stack underflow."""
    env = dict(os.environ)
    if preload:
        env["LD_PRELOAD"] = preload
        env["ASAN_OPTIONS"] = ("detect_leaks=0:abort_on_error=0:"
                               "use_sigaltstack=0")
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    return env


def run_user():
    """httpd will not serve as root: its children take this account."""
    if os.geteuid() != 0:
        return None
    for name in ("www-data", "nobody"):
        try:
            pw = pwd.getpwnam(name)
            return name, grp.getgrgid(pw.pw_gid).gr_name
        except KeyError:
            continue
    raise RuntimeError("no unprivileged account for httpd's children")


def module_lines(cfg, extra_modules=()):
    lines = ["LoadModule %s_module %s/mod_%s.so"
             % (m, cfg.APXS_LIBEXECDIR, m)
             for m in MODULES + list(extra_modules)]
    lines.append("LoadModule eas_module %s" % cfg.MODULE)
    return "\n".join(lines)


def location_block(path, extra, root, mail=None):
    """path's <Location> block; mail (a mailstore.Store) turns its Maildir
    store into the session's mail backend."""
    extra = extra.replace("{root}", root)
    if mail:
        extra = mail.location(extra)
    body = "    SetHandler eas\n"
    if extra.startswith("noauth\n"):
        body += extra[len("noauth\n"):]
    elif extra != "noauth":
        body += AUTH.format(root=root) + extra
    return "<Location %s>\n%s</Location>\n" % (path, body)


# The state server's sendmail: keeps each submission in <root>/outbox as
# one file, its arguments on the first line and then the message.  Called
# with an empty environment, hence the full paths.
SENDMAIL = """#!/bin/sh
out=$(/bin/mktemp "{outbox}/msg.XXXXXX") || exit 75
{ printf '%s\\n' "$*"; /bin/cat; } > "$out" || exit 75
/bin/mv "$out" "$out.eml"
"""


def give_to_run_user(path):
    """path (and all below it) to httpd's user, which must write there."""
    user = run_user()
    if not user:
        return
    uid, gid = pwd.getpwnam(user[0]).pw_uid, grp.getgrnam(user[1]).gr_gid
    os.chown(path, uid, gid)
    for top, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(top, name), uid, gid)


class Httpd:
    """The shared test server; other suites make their own instances with
    more modules, their own locations (instead of LOCATIONS) and extra
    server-level lines (after everything else, so they may override the
    process settings).

    dbd=True adds mod_dbd with a state database of this server's own
    (self.db, statedb.py): SQLite in <root>/state, or a database on the
    session's PostgreSQL when the suite runs with EAS_TEST_STATE=pgsql.
    state=True adds that and the rest of what the commands need to run: a
    home per test user in <root>/mail (the store makes each Maildir on
    first use) and the sendmail of LOCATIONS, which keeps what it is given
    in <root>/outbox."""

    def __init__(self, cfg, modules=(), locations=None, server_extra="",
                 state=False, dbd=False):
        self.cfg = cfg
        self.modules = list(modules)
        self.locations = LOCATIONS if locations is None else locations
        self.server_extra = server_extra
        self.root = tempfile.mkdtemp(prefix="mod_eas-it-")
        os.chmod(self.root, 0o755)
        os.mkdir(os.path.join(self.root, "logs"))
        os.mkdir(os.path.join(self.root, "cores"))      # CoreDumpDirectory
        os.chmod(os.path.join(self.root, "cores"), 0o777)
        self.port = free_port()
        self.conf = os.path.join(self.root, "httpd.conf")
        self.error_log = os.path.join(self.root, "logs", "error.log")
        self.proc = None
        self.console = None
        self.env = {}           # set (a value) or unset (None) for httpd
        self.state = state
        self.mail = mailstore.Store()   # Maildir or IMAP (EAS_TEST_MAIL)
        self.db = None
        if state or dbd:
            if "dbd" not in self.modules:
                self.modules.append("dbd")
            self.db = statedb.make(self.root)
        if state:
            self.mail_root = os.path.join(self.root, "mail")
            self.outbox = os.path.join(self.root, "outbox")

    # ------------------------------------------------------------ config

    def passwords(self):
        """user -> password of everyone who may log in."""
        return dict(USERS)

    def write_htpasswd(self):
        path = os.path.join(self.root, "htpasswd")
        with open(path, "w") as f:
            for user, pw in self.passwords().items():
                digest = base64.b64encode(hashlib.sha1(pw.encode()).digest())
                f.write("%s:{SHA}%s\n" % (user, digest.decode()))
        os.chmod(path, 0o644)

    def make_state_dirs(self):
        for d in (self.mail_root, self.outbox,
                  os.path.join(self.root, "bin")):
            os.mkdir(d)
        for user in USERS:
            os.mkdir(os.path.join(self.mail_root, user.split("@")[0]))
        sendmail = os.path.join(self.root, "bin", "sendmail")
        with open(sendmail, "w") as f:
            f.write(SENDMAIL.replace("{outbox}", self.outbox))
        os.chmod(sendmail, 0o755)
        for d in (self.mail_root, self.outbox):
            give_to_run_user(d)

    def state_lines(self):
        return self.db.directives() if self.db else ""

    def config_text(self, extra=""):
        user = run_user()
        return "\n".join([
            'ServerRoot "%s"' % self.root,
            "Listen 127.0.0.1:%d" % self.port,
            'PidFile "%s/httpd.pid"' % self.root,
            'ErrorLog "%s"' % self.error_log,
            "LogLevel warn eas:debug",
            'CustomLog "%s/logs/access.log" "%%h %%u \\"%%r\\" %%>s %%b"'
            % self.root,
            "ServerName 127.0.0.1",
            'DefaultRuntimeDir "%s"' % self.root,
            # A crashing child leaves a core there (conftest.serve prints
            # its backtrace).
            'CoreDumpDirectory "%s/cores"' % self.root,
            "Mutex file:%s" % self.root,
            "User %s\nGroup %s" % user if user else "",
            module_lines(self.cfg, self.modules),
            # Small thread stacks, as a Ping-holding deployment would use.
            "ThreadStackSize 262144",
            "StartServers 1\nServerLimit 2\nThreadsPerChild 16",
            "MaxRequestWorkers 32\nTimeout 20\nKeepAliveTimeout 10",
            "".join(location_block(p, x, self.root, self.mail)
                    for p, x in self.locations.items()),
            self.state_lines(),
            self.server_extra,
            extra,
        ]) + "\n"

    # ------------------------------------------------------------ process

    def start(self):
        if self.db:
            self.db.prepare(give_to_run_user)
        if self.state:
            self.make_state_dirs()
        self.write_htpasswd()
        with open(self.conf, "w") as f:
            f.write(self.config_text())
        self.mail.add_users(self.passwords())
        self.console = open(os.path.join(self.root, "logs", "console.log"), "w")
        # A process group of its own: the prefork MPM signals its whole
        # group at a restart or stop, which must not reach the tests.
        env = sanitizer_env(self.cfg.SAN_PRELOAD)
        for name, value in self.env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        self.proc = subprocess.Popen(
            [self.cfg.HTTPD, "-d", self.root, "-f", self.conf, "-DFOREGROUND"],
            stdout=self.console, stderr=subprocess.STDOUT,
            env=env, start_new_session=True, preexec_fn=allow_cores)
        self.wait_ready()

    def wait_ready(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("httpd exited with %s:\n%s"
                                   % (self.proc.returncode, self.console_text()))
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("httpd did not listen on port %d" % self.port)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if not self.alive():
            return
        end_process(self.proc)
        self.console.close()

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------ logs

    def console_text(self):
        path = os.path.join(self.root, "logs", "console.log")
        with open(path, errors="replace") as f:
            return f.read()

    def log_size(self):
        try:
            return os.path.getsize(self.error_log)
        except OSError:
            return 0

    def log_since(self, offset):
        with open(self.error_log, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

    def crashes(self, offset=0):
        text = self.log_since(offset) + (self.console_text() if offset == 0 else "")
        return [line for line in text.splitlines() if CRASH_RE.search(line)]

    def config_test(self, extra):
        """Run "httpd -t" on the base config plus extra lines; returns
        (exit code, output)."""
        path = os.path.join(self.root, "test-%d.conf" % time.monotonic_ns())
        with open(path, "w") as f:
            f.write(self.config_text(extra))
        res = subprocess.run([self.cfg.HTTPD, "-t", "-d", self.root, "-f", path],
                             capture_output=True, text=True,
                             env=sanitizer_env(self.cfg.SAN_PRELOAD))
        return res.returncode, res.stdout + res.stderr

    # ------------------------------------------------------------ mail

    def outbox_names(self):
        return set(n for n in os.listdir(self.outbox) if n.endswith(".eml"))

    def sent(self, before=()):
        """What the sendmail was given since outbox_names() returned
        before: (arguments, message bytes) pairs."""
        out = []
        for name in sorted(self.outbox_names() - set(before)):
            with open(os.path.join(self.outbox, name), "rb") as f:
                args, _, message = f.read().partition(b"\n")
            out.append((args.decode(), message))
        return out

    def maildir(self, user, folder=""):
        """A user's Maildir folder ("" the Inbox, "Sent", ...)."""
        path = os.path.join(self.mail_root, user.split("@")[0], "Maildir")
        return os.path.join(path, "." + folder) if folder else path

    def deliver(self, user, raw):
        """Put a message (bytes) into user's Inbox as a delivery agent
        would: written in tmp/, then renamed into new/."""
        base = self.maildir(user)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(base, sub), exist_ok=True)
        give_to_run_user(base)
        name = "%d.M%dP%d.testhost" % (time.time(), time.monotonic_ns(),
                                       os.getpid())
        tmp = os.path.join(base, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(raw)
        give_to_run_user(tmp)
        os.rename(tmp, os.path.join(base, "new", name))

    def messages(self, user, folder=""):
        """The messages (bytes) in a Maildir folder's cur/ and new/."""
        base = self.maildir(user, folder)
        out = []
        for sub in ("cur", "new"):
            d = os.path.join(base, sub)
            for name in sorted(os.listdir(d)) if os.path.isdir(d) else ():
                with open(os.path.join(d, name), "rb") as f:
                    out.append(f.read())
        return out
