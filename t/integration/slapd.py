# SPDX-License-Identifier: Apache-2.0
"""A private OpenLDAP server (Debian's /usr/sbin/slapd) for the tests.

Use it from a test module by importing the fixture:

    from slapd import slapd  # noqa: F401  (the fixture)

One server serves the whole session; it starts on first use.  Its
slapd.conf, mdb database and log live in a fresh temporary directory; it
listens on a free port of 127.0.0.1.  The tree (suffix dc=example,dc=org):

    cn=admin         root DN (ROOT_DN / ROOT_PW)
    cn=eas           a service account that may read the people (SERVICE_*)
    ou=people        USERS: uid, userPassword ({SSHA}), mail, cn, displayName
    ou=other         a second "dup" entry, so that uid=dup is ambiguous
                     below the suffix (ou=people has the first)

Anonymous clients may only bind (authenticate); reading the people needs
the service account, so a look-up that works proves the bind happened.
stop() and start() keep the data and the port, for outage tests.
"""

import base64
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
from procs import end_process, free_port, read_text  # noqa: E402,F401

SLAPD = "/usr/sbin/slapd"
SCHEMA_DIR = "/etc/ldap/schema"
SUFFIX = "dc=example,dc=org"
PEOPLE = "ou=people," + SUFFIX
ROOT_DN = "cn=admin," + SUFFIX
ROOT_PW = "root-secret-9"
SERVICE_DN = "cn=eas," + SUFFIX
SERVICE_PW = "service-secret-7"

# uid -> attributes (password in clear here, stored as {SSHA}).
USERS = {
    "alice": {"password": "alice-ldap-pw", "cn": "Alice Liddell",
              "displayName": "Alice in LDAP",
              "mail": ["alice@example.org", "alice.liddell@example.org"],
              "homeDirectory": "/srv/mail/example.org/alice/Maildir"},
    "bob": {"password": "bob-ldap-pw", "cn": "Bob Builder",
            "mail": ["bob@example.org"]},
    "dup": {"password": "dup-ldap-pw", "cn": "Dup One",
            "mail": ["dup@example.org"]},
}


def ssha(password):
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def _module_path():
    for d in ("/usr/lib/ldap", "/usr/lib/x86_64-linux-gnu/ldap"):
        if os.path.exists(os.path.join(d, "back_mdb.la")) or \
                os.path.exists(os.path.join(d, "back_mdb.so")):
            return d
    return None


def person_ldif(uid, attrs, ou="people"):
    lines = ["dn: uid=%s,ou=%s,%s" % (uid, ou, SUFFIX),
             "objectClass: inetOrgPerson"]
    if "homeDirectory" in attrs:
        lines += ["objectClass: posixAccount", "uidNumber: 10%03d" % len(uid),
                  "gidNumber: 100", "homeDirectory: " + attrs["homeDirectory"]]
    lines += ["uid: " + uid, "cn: " + attrs["cn"],
              "sn: " + attrs["cn"].split()[-1],
              "userPassword: " + ssha(attrs["password"])]
    if "displayName" in attrs:
        lines.append("displayName: " + attrs["displayName"])
    lines += ["mail: " + m for m in attrs["mail"]]
    return "\n".join(lines) + "\n"


class Slapd:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="mod_eas-slapd-")
        os.chmod(self.root, 0o755)
        self.db = os.path.join(self.root, "db")
        os.mkdir(self.db)
        self.port = free_port()
        self.url = "ldap://127.0.0.1:%d" % self.port
        self.conf = os.path.join(self.root, "slapd.conf")
        self.log = os.path.join(self.root, "slapd.log")
        self.proc = None
        self.logf = None

    def config_text(self):
        modpath = _module_path()
        schema = "\n".join("include %s/%s.schema" % (SCHEMA_DIR, s)
                           for s in ("core", "cosine", "inetorgperson", "nis"))
        return """{schema}
{modules}
pidfile {root}/slapd.pid
argsfile {root}/slapd.args

database mdb
maxsize 33554432
suffix "{suffix}"
rootdn "{rootdn}"
rootpw {rootpw}
directory {db}

access to attrs=userPassword
    by dn.exact="{service}" auth
    by anonymous auth
    by self auth
    by * none
access to dn.subtree="ou=people,{suffix}"
    by dn.exact="{service}" read
    by self read
    by * none
access to dn.subtree="ou=other,{suffix}"
    by dn.exact="{service}" read
    by * none
access to *
    by * read
""".format(schema=schema,
           modules=("modulepath %s\nmoduleload back_mdb" % modpath)
           if modpath else "",
           root=self.root, suffix=SUFFIX, rootdn=ROOT_DN, rootpw=ROOT_PW,
           db=self.db, service=SERVICE_DN)

    def tree_ldif(self):
        parts = ["dn: %s\nobjectClass: dcObject\nobjectClass: organization\n"
                 "dc: example\no: Example\n" % SUFFIX,
                 "dn: %s\nobjectClass: organizationalRole\n"
                 "objectClass: simpleSecurityObject\ncn: eas\n"
                 "userPassword: %s\n" % (SERVICE_DN, ssha(SERVICE_PW)),
                 "dn: %s\nobjectClass: organizationalUnit\nou: people\n"
                 % PEOPLE,
                 "dn: ou=other,%s\nobjectClass: organizationalUnit\n"
                 "ou: other\n" % SUFFIX]
        parts += [person_ldif(uid, a) for uid, a in USERS.items()]
        parts.append(person_ldif("dup", {"password": "other-pw",
                                         "cn": "Dup Two",
                                         "mail": ["dup2@example.org"]},
                                 ou="other"))
        return "\n".join(parts)

    def start(self):
        if not os.path.exists(self.conf):
            with open(self.conf, "w") as f:
                f.write(self.config_text())
        self.logf = open(self.log, "a")
        # -d keeps slapd in the foreground, owned by the test session.
        self.proc = subprocess.Popen(
            [SLAPD, "-f", self.conf, "-h", self.url + "/", "-d", "0"],
            stdout=self.logf, stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("slapd exited with %s:\n%s"
                                   % (self.proc.returncode, self.log_text()))
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("slapd did not listen on port %d" % self.port)

    def load(self):
        res = subprocess.run(
            ["ldapadd", "-x", "-H", self.url, "-D", ROOT_DN, "-w", ROOT_PW],
            input=self.tree_ldif(), capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError("ldapadd failed: %s%s" % (res.stdout, res.stderr))

    def search(self, base, filt, *attrs, bind=(SERVICE_DN, SERVICE_PW)):
        """ldapsearch output (LDIF) as the service account, or anonymous
        with bind=None."""
        cmd = ["ldapsearch", "-x", "-LLL", "-H", self.url, "-b", base]
        if bind:
            cmd += ["-D", bind[0], "-w", bind[1]]
        res = subprocess.run(cmd + [filt] + list(attrs),
                             capture_output=True, text=True)
        return res.returncode, res.stdout

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        end_process(self.proc)
        self.logf.close()

    def log_text(self):
        return read_text(self.log)

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def slapd(request):
    if not os.access(SLAPD, os.X_OK):
        pytest.fail("%s is missing: build/install-deps.sh installs slapd" % SLAPD)
    srv = Slapd()
    srv.start()
    srv.load()
    yield srv
    srv.stop()
    if request.session.testsfailed:
        print("\nslapd config, database and log kept in %s" % srv.root)
    else:
        srv.cleanup()
