# SPDX-License-Identifier: Apache-2.0
"""A second private httpd for the user, LDAP and provisioning tests.

Use it from a test module by importing the fixtures:

    from prov_httpd import prov_server, prov_log  # noqa: F401
    from slapd import slapd  # noqa: F401

It has what the shared server lacks: mod_ldap and mod_authnz_ldap against
the session's slapd, and one child process (ServerLimit 1), so that the
per-process LDAP cache is one cache; its state database is its own
(statedb.py).
Its locations (LOCATIONS below) differ in authentication, LDAP settings
and policy; a test picks one with eas.Client(..., path=...).
"""

import pytest

import conftest
import eas
import httpd
from slapd import PEOPLE, SERVICE_DN, SERVICE_PW, SUFFIX

# Basic authentication by mod_authnz_ldap against slapd.
LDAP_AUTH = """    AuthType Basic
    AuthName "ActiveSync"
    AuthBasicProvider ldap
    AuthLDAPURL "{url}/{people}?uid"
    AuthLDAPBindDN "{service}"
    AuthLDAPBindPassword "{service_pw}"
    Require valid-user
"""

# mod_eas's own look-up of the user's attributes.
EAS_LDAP = """    EASLDAPURL "{url}/{suffix}?uid?sub?(objectClass=inetOrgPerson)"
    EASLDAPBindDN "{service}"
    EASLDAPBindPassword "{service_pw}"
"""

POLICY_A = """    EASPolicyPasswordRequired On
    EASPolicyMinPasswordLength 4
    EASPolicyMaxFailedAttempts 8
    EASPolicyAllowCamera Off
"""

# The same as A with a longer password: another policy hash.
POLICY_B = POLICY_A.replace("MinPasswordLength 4", "MinPasswordLength 8")


def locations():
    """path -> directives (httpd.LOCATIONS form); {url} etc. filled in by
    the fixture."""
    return {
        # LDAP authentication and attributes, provisioning off.
        "/eas-ldap": "noauth\n" + LDAP_AUTH + EAS_LDAP
                     + "    EASProvisioning Off\n",
        # The same with the Maildir path from an LDAP attribute.
        "/eas-ldap-home": "noauth\n" + LDAP_AUTH + EAS_LDAP
                          + "    EASLDAPMaildirAttribute homeDirectory\n"
                          "    EASMaildir /var/mail/%u/Maildir\n"
                          "    EASProvisioning Off\n",
        # LDAP attributes without the service bind: slapd shows nothing
        # to anonymous clients, so the templates apply.
        "/eas-ldap-anon": "noauth\n" + LDAP_AUTH
                          + '    EASLDAPURL "{url}/{suffix}?uid"\n'
                          "    EASMailTemplate %u@fallback.example.net\n"
                          "    EASProvisioning Off\n",
        # Whole-tree search where uid=dup exists twice.
        "/eas-ldap-dup": "noauth\n" + LDAP_AUTH
                         + EAS_LDAP.replace("?sub?(objectClass=inetOrgPerson)",
                                            "?sub")
                         + "    EASProvisioning Off\n",
        # File authentication, LDAP attributes cached for an hour / not.
        "/eas-ldap-cached": EAS_LDAP + "    EASLDAPCacheTTL 3600\n"
                            "    EASProvisioning Off\n",
        "/eas-ldap-nocache": EAS_LDAP + "    EASLDAPCacheTTL 0\n"
                             "    EASProvisioning Off\n",
        # No LDAP: addresses and paths from templates.
        "/eas-tmpl": "    EASMailTemplate %l@tmpl.example.org\n"
                     "    EASMaildir /var/mail/%d/%l/Maildir\n"
                     "    EASProvisioning Off\n",
        # Provisioning with two policies, an exemption and the switch off.
        "/eas-prov-a": POLICY_A,
        "/eas-prov-b": POLICY_B,
        "/eas-prov-a-nonprov": POLICY_A
                               + "    EASPolicyAllowNonProvisionableDevices On\n",
        "/eas-prov-exempt": POLICY_A
                            + "    EASProvisionExempt ExemptPhone dev0exempt\n",
        "/eas-prov-off": POLICY_A + "    EASProvisioning Off\n",
        # Password recovery allowed (Settings DevicePassword).
        "/eas-prov-recovery": POLICY_A + "    EASPolicyPasswordRecovery On\n",
        # LDAP users with provisioning on.
        "/eas-ldap-prov": "noauth\n" + LDAP_AUTH + EAS_LDAP + POLICY_A,
    }


class ProvServer(httpd.Httpd):
    def __init__(self, cfg, ldap):
        fill = dict(url=ldap.url, people=PEOPLE, suffix=SUFFIX,
                    service=SERVICE_DN, service_pw=SERVICE_PW)
        locs = {p: x.replace("{url}", fill["url"])
                    .replace("{people}", fill["people"])
                    .replace("{suffix}", fill["suffix"])
                    .replace("{service_pw}", fill["service_pw"])
                    .replace("{service}", fill["service"])
                for p, x in locations().items()}
        super().__init__(cfg, modules=["ldap", "authnz_ldap"],
                         locations=locs, dbd=True)
        self.server_extra = "\n".join([
            "ServerLimit 1\nMaxRequestWorkers 16",
            "LDAPCacheEntries 0",
        ])

    def device_row(self, user, device_id):
        """The state database's row of (user, device) as a dict, or None."""
        rows = self.db.rows("SELECT * FROM eas_device WHERE username = ? "
                            "AND device_id = ?", (user, device_id))
        return rows[0] if rows else None

    def device_info(self, user, device_id):
        """The row's DeviceInformation as a dict (key=value lines)."""
        row = self.device_row(user, device_id)
        out = {}
        for line in ((row or {}).get("info") or "").splitlines():
            k, _, v = line.partition("=")
            out[k] = v
        return out

    def set_wipe(self, user, device_id, value):
        """What an administrator's tool would do: request a remote wipe."""
        self.db.execute("UPDATE eas_device SET wipe = ? WHERE username = ?"
                        " AND device_id = ?", (value, user, device_id))


@pytest.fixture(scope="session")
def prov_server(request, slapd):
    yield from conftest.serve(ProvServer(conftest._load_config(), slapd),
                              request, "provisioning")


@pytest.fixture
def prov_log(prov_server):
    yield from conftest.watch_log(prov_server)


# ---------------------------------------------------------------- client side

POLICY_TYPE = "MS-EAS-Provisioning-WBXML"


# The tree helpers, under the names the provisioning suites use.
find = eas.find
find_all = eas.find_all
text = eas.text_of


def children(node):
    """The names of the node's child elements."""
    return [n for n, _ in eas.children(node)]


def provision_phase1(device_info=None, policy_type=POLICY_TYPE):
    body = []
    if device_info:
        body.append(("Settings:DeviceInformation", [("Settings:Set", [
            ("Settings:" + k, v) for k, v in device_info.items()])]))
    body.append(("Provision:Policies", [("Provision:Policy", [
        ("Provision:PolicyType", policy_type)])]))
    return eas.encode(("Provision:Provision", body))


def provision_phase2(key, status="1"):
    return eas.encode(("Provision:Provision", [("Provision:Policies", [
        ("Provision:Policy", [("Provision:PolicyType", POLICY_TYPE),
                              ("Provision:PolicyKey", str(key)),
                              ("Provision:Status", status)])])]))


def post_provision(client, body, version="14.1", device_id="dev0001",
                   device_type="TestPhone", key=None):
    headers = {"X-MS-PolicyKey": str(key)} if key is not None else {}
    r = client.post(eas.plain_query("Provision", device_id=device_id,
                                    device_type=device_type,
                                    user=_login(client)),
                    body=body, version=version, headers=headers)
    assert r.status == 200, (r.status, r.body)
    return r.tree()


def provision(client, version="14.1", device_id="dev0001",
              device_type="TestPhone", device_info=None):
    """Both phases; returns (temporary key, final key)."""
    t1 = post_provision(client, provision_phase1(device_info), version,
                        device_id, device_type, key=0)
    assert eas.status_of(t1) == 1, t1
    policy = find(t1, "Provision:Policy")
    assert text(policy, "Provision:Status") == "1", t1
    temp = int(text(policy, "Provision:PolicyKey"))
    t2 = post_provision(client, provision_phase2(temp), version, device_id,
                        device_type, key=temp)
    assert eas.status_of(t2) == 1, t2
    policy = find(t2, "Provision:Policy")
    assert text(policy, "Provision:Status") == "1", t2
    return temp, int(text(policy, "Provision:PolicyKey"))


def user_information():
    return eas.encode(("Settings:Settings", [
        ("Settings:UserInformation", [("Settings:Get", None)])]))


def settings(client, body=None, version="14.1", device_id="dev0001",
             device_type="TestPhone", key=None, user=None):
    headers = {"X-MS-PolicyKey": str(key)} if key is not None else {}
    return client.post(eas.plain_query("Settings", device_id=device_id,
                                       device_type=device_type,
                                       user=user or _login(client)),
                       body=body or user_information(), version=version,
                       headers=headers)


def _login(client):
    import base64
    return base64.b64decode(client.auth.split()[1]).decode().split(":")[0]
