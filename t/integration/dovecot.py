# SPDX-License-Identifier: Apache-2.0
"""A private Dovecot (Debian's dovecot-imapd and dovecot-lmtpd) for the
tests.

Use it from a test module by importing the fixture:

    from dovecot import dovecot  # noqa: F401  (the fixture)

One server per test module, started in the foreground (dovecot -F) from a
config of its own in a fresh temporary directory: IMAP and LMTP on free
ports of 127.0.0.1, plain authentication allowed (loopback only, no TLS),
users from a passwd-file (USERS: user -> password; add_user adds one, also
while Dovecot runs), each user's mail in <root>/mail/<user>/Maildir unless
add_user says where, folder names in UTF-8 on disk as the tests write them
(the Maildir backend reads both these and modified UTF-7), its log in
<root>/dovecot.log.  Started as
root, the mail belongs to www-data (Dovecot serves no mail as root);
otherwise to the user running the tests.

Helpers: imap(user) logs in with imaplib, deliver(user, message) delivers
through LMTP as an MTA does.

Dovecot(push=(url, secret)) loads the push_notification plugin with
mod_eas's Lua script (build/dovecot-push.lua) for IMAP and LMTP alike,
its notifications POSTed to url with secret (None: no secret header).

Dovecot(tls=(cert, key)) requires TLS instead (ssl = required): STARTTLS
on the IMAP port, and implicit TLS on imaps_port, with that certificate
and key (PEM files).
"""

import imaplib
import os
import pwd
import smtplib
import socket
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
PUSH_SCRIPT = os.path.join(TOP, "build", "dovecot-push.lua")
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import conftest  # noqa: E402
from procs import Server, free_port, read_text  # noqa: E402

DOVECOT = "/usr/sbin/dovecot"

USERS = {
    "alice": "alice-imap-pw",
    "bob": "bob-imap-pw",
}

# The special-use folders every user has (RFC 6154).
SPECIAL_USE = ("Drafts", "Sent", "Trash", "Junk")

# Written into the log on a failure Dovecot did not expect.
CRASH_MARKS = ("Panic:", "Fatal:", "killed with signal")


def mail_owner():
    """(uid, gid, name) the mail belongs to."""
    if os.getuid() == 0:
        pw = pwd.getpwnam("www-data")
    else:
        pw = pwd.getpwuid(os.getuid())
    return pw.pw_uid, pw.pw_gid, pw.pw_name


class Dovecot(Server):
    CRASH_MARKS = CRASH_MARKS

    def __init__(self, users=None, extra="", push=None, tls=None):
        """extra: more configuration, appended (plugins, services);
        push: (endpoint URL, secret) for build/dovecot-push.lua; tls:
        (certificate file, key file) to require TLS."""
        super().__init__("mod_eas-dovecot-", "dovecot.log")
        os.chmod(self.root, 0o755)
        self.users = dict(USERS if users is None else users)
        self.maildirs = {}
        self.extra = extra
        self.push = push
        self.port = free_port()
        self.lmtp_port = free_port()
        self.tls = tls
        self.imaps_port = free_port() if tls else 0
        self.conf = os.path.join(self.root, "dovecot.conf")

    def maildir(self, user):
        return os.path.join(self.root, "mail", user, "Maildir")

    def push_text(self):
        """The push_notification plugin's configuration, or ""."""
        if not self.push:
            return ""
        url, secret = self.push
        return """\
mail_plugins = $mail_plugins notify push_notification mail_lua push_notification_lua
plugin {{
  push_notification_driver = lua:file={script}
  push_lua_url = {url}
{secret}}}
""".format(script=PUSH_SCRIPT, url=url,
           secret="  push_lua_secret = %s\n" % secret if secret else "")

    def config_text(self):
        return """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u/Maildir:UTF-8
namespace inbox {{
  inbox = yes
  separator = /
{mailboxes}}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
{push}{extra}
""".format(root=self.root, port=self.port,
           lmtp_port=self.lmtp_port, extra=self.extra,
           push=self.push_text(),
           imaps_port=self.imaps_port, ssl=self.ssl_text(),
           mailboxes="".join(
               "  mailbox %s {\n    special_use = \\%s\n"
               "    auto = subscribe\n  }\n" % (name, name)
               for name in SPECIAL_USE))

    def user_line(self, user):
        """user's passwd-file line: password, owner, home and Maildir."""
        uid, gid, _ = mail_owner()
        maildir = self.maildirs.get(user) or self.maildir(user)
        return "%s:{PLAIN}%s:%d:%d::%s::userdb_mail=maildir:%s:UTF-8\n" % (
            user, self.users[user], uid, gid, os.path.dirname(maildir),
            maildir)

    def add_user(self, user, password, maildir=None):
        """One more user (maildir: where its mail is); see add_users."""
        self.add_users({user: (password, maildir)})

    def add_users(self, entries):
        """More users (user -> (password, Maildir or None)), also while
        Dovecot runs.  Dovecot reads its passwd-file again when its size
        or time has changed, but looks at most once a second: the new
        users are known from the next second on, which this waits for."""
        new = [u for u, (pw, md) in entries.items()
               if self.users.get(u) != pw or self.maildirs.get(u) != md]
        for user in new:
            self.users[user], maildir = entries[user]
            if maildir:
                self.maildirs[user] = maildir
        path = os.path.join(self.root, "users")
        if not new or not os.path.exists(path):
            return
        with open(path, "a") as f:
            f.write("".join(self.user_line(u) for u in new))
        time.sleep(1.05 - time.time() % 1)

    def ssl_text(self):
        if not self.tls:
            return "ssl = no"
        return "ssl = required\nssl_cert = <%s\nssl_key = <%s" % self.tls

    def write_files(self):
        uid, gid, _ = mail_owner()
        with open(os.path.join(self.root, "users"), "w") as f:
            for user in self.users:
                f.write(self.user_line(user))
        with open(self.conf, "w") as f:
            f.write(self.config_text())
        for sub in ("run", "state", "mail"):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
        os.chown(os.path.join(self.root, "mail"), uid, gid)

    def start(self):
        self.write_files()
        self.proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", self.conf], stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.root, "console.log"), "w"),
            start_new_session=True)
        self.wait_ready()

    def wait_ready(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("dovecot exited with %s:\n%s%s"
                                   % (self.proc.returncode, self.log_text(),
                                      self.console_text()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), 1):
                    pass
                with socket.create_connection(("127.0.0.1", self.lmtp_port),
                                              1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("dovecot did not listen on port %d" % self.port)

    def console_text(self):
        return read_text(os.path.join(self.root, "console.log"))

    # ------------------------------------------------------------ clients

    def imap(self, user, password=None):
        """An imaplib connection logged in as user."""
        c = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        c.login(user, self.users[user] if password is None else password)
        return c

    def deliver(self, user, message):
        """Deliver message (bytes, RFC 5322) to user's INBOX over LMTP."""
        with smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=10) as s:
            s.sendmail("sender@example.org", [user], message)


@pytest.fixture(scope="module")
def dovecot(request):
    yield from conftest.serve(Dovecot(), request, "dovecot")
