# SPDX-License-Identifier: Apache-2.0
"""Users from LDAP: Apache authenticates them against slapd
(mod_authnz_ldap), mod_eas looks their addresses and names up there
(EASLDAPURL) and shows them in Settings UserInformation."""

import eas
import slapd as slapd_mod
from prov_httpd import (find, find_all, prov_log, prov_server,  # noqa: F401
                        settings, text)
from slapd import slapd  # noqa: F401

ALICE_PW = slapd_mod.USERS["alice"]["password"]
BOB_PW = slapd_mod.USERS["bob"]["password"]


def client(srv, path, user="alice", password=ALICE_PW):
    return eas.Client(srv.port, user=user, password=password, path=path)


def smtp_addresses(tree):
    return [v for _, v in find_all(tree, "Settings:SMTPAddress")]


# ------------------------------------------------------------ authentication

def test_right_password_reaches_mod_eas(prov_server, prov_log):
    r = settings(client(prov_server, "/eas-ldap"))
    assert r.status == 200
    assert eas.status_of(r.tree()) == 1


def test_wrong_password_401(prov_server, prov_log):
    r = settings(client(prov_server, "/eas-ldap", password="nope"))
    assert r.status == 401
    assert not prov_log.lines("EAS009")


def test_htpasswd_password_is_not_the_ldap_one(prov_server, prov_log):
    # The file provider's password for alice does not open an LDAP location.
    r = settings(client(prov_server, "/eas-ldap",
                        password=eas.USERS["alice"]))
    assert r.status == 401


def test_other_users_parameter_403(prov_server, prov_log):
    r = settings(client(prov_server, "/eas-ldap"), user="bob")
    assert r.status == 403
    prov_log.one("EAS00209", "'bob'", "'alice'")


def test_domain_forms_of_own_name_accepted(prov_server, prov_log):
    c = client(prov_server, "/eas-ldap")
    for form in ("EXAMPLE\\alice", "alice@example.org", "ALICE"):
        assert settings(c, user=form).status == 200, form


# ------------------------------------------------------------ attributes

def test_user_information_14_1_from_ldap(prov_server, prov_log):
    r = settings(client(prov_server, "/eas-ldap"))
    tree = r.tree()
    info = find(tree, "Settings:UserInformation")
    assert text(info, "Settings:Status") == "1"
    account = find(info, "Settings:Account")
    assert text(account, "Settings:UserDisplayName") == "Alice in LDAP"
    assert text(account, "Settings:PrimarySmtpAddress") == "alice@example.org"
    assert smtp_addresses(account) == ["alice@example.org",
                                       "alice.liddell@example.org"]


def test_user_information_12_1_from_ldap(prov_server, prov_log):
    r = settings(client(prov_server, "/eas-ldap"), version="12.1")
    tree = r.tree()
    assert find(tree, "Settings:Accounts") is None
    get = find(find(tree, "Settings:UserInformation"), "Settings:Get")
    assert [n for n, _ in get[1]] == ["Settings:EmailAddresses"]
    assert smtp_addresses(get) == ["alice@example.org",
                                   "alice.liddell@example.org"]


def test_display_name_falls_back_to_cn(prov_server, prov_log):
    # bob has no displayName in LDAP: cn is the next attribute tried.
    r = settings(client(prov_server, "/eas-ldap", user="bob", password=BOB_PW))
    account = find(r.tree(), "Settings:Account")
    assert text(account, "Settings:UserDisplayName") == "Bob Builder"
    assert smtp_addresses(account) == ["bob@example.org"]


def test_without_service_bind_templates_apply(prov_server, prov_log):
    # Anonymous searches see no people in this directory: mod_eas says so
    # and falls back to EASMailTemplate.  That the other locations see the
    # LDAP values proves their bind as EASLDAPBindDN.
    r = settings(client(prov_server, "/eas-ldap-anon"))
    account = find(r.tree(), "Settings:Account")
    assert text(account, "Settings:PrimarySmtpAddress") == \
        "alice@fallback.example.net"
    assert text(account, "Settings:UserDisplayName") == "alice"
    prov_log.one("EAS00906", "alice has no entry in LDAP")


def test_ambiguous_entry_refused(prov_server, prov_log):
    r = settings(client(prov_server, "/eas-ldap-dup", user="dup",
                        password=slapd_mod.USERS["dup"]["password"]))
    assert r.status == 403
    prov_log.one("EAS00902", "more than one entry for uid=dup")


def test_maildir_from_ldap_attribute(prov_server, prov_log):
    r = settings(client(prov_server, "/eas-ldap-home"))
    assert r.status == 200
    prov_log.one("EAS00913", "user alice:",
                 "Maildir /srv/mail/example.org/alice/Maildir")


def test_templates_without_ldap(prov_server, prov_log):
    c = eas.Client(prov_server.port, user="bob@example.org", path="/eas-tmpl")
    r = settings(c)
    account = find(r.tree(), "Settings:Account")
    assert text(account, "Settings:PrimarySmtpAddress") == \
        "bob@tmpl.example.org"
    prov_log.one("EAS00913", "user bob@example.org:",
                 "Maildir /var/mail/example.org/bob/Maildir")


def test_template_refuses_login_without_domain(prov_server, prov_log):
    # EASMaildir uses %d; alice has no domain part: refused, not guessed.
    r = settings(eas.Client(prov_server.port, path="/eas-tmpl"))
    assert r.status == 403
    prov_log.one("EAS00904", "has no domain part")


# ------------------------------------------------------------ outage

def test_ldap_outage(prov_server, prov_log, slapd):
    cached = client(prov_server, "/eas-ldap-cached", password=eas.USERS["alice"])
    uncached = client(prov_server, "/eas-ldap-nocache",
                      password=eas.USERS["alice"])
    r = settings(cached)
    assert text(r.tree(), "Settings:PrimarySmtpAddress") == "alice@example.org"
    assert settings(uncached).status == 200
    slapd.stop()
    try:
        # A fresh cached entry carries the user through the outage...
        r = settings(cached)
        assert r.status == 200
        assert text(r.tree(), "Settings:PrimarySmtpAddress") == \
            "alice@example.org"
        # ...and without one the answer is 503 with a line saying why.
        r = settings(uncached)
        assert r.status == 503
        assert r.header("Retry-After")
        prov_log.one("EAS00901", "cannot look user alice up in LDAP",
                     "answering 503")
    finally:
        slapd.start()
    # The pooled connection died with the server: it is replaced.
    r = settings(uncached)
    assert r.status == 200
    assert text(r.tree(), "Settings:PrimarySmtpAddress") == "alice@example.org"


def test_passwords_never_logged(prov_server, prov_log):
    settings(client(prov_server, "/eas-ldap-nocache",
                    password=eas.USERS["alice"]))
    settings(client(prov_server, "/eas-ldap", password="wrong"))
    prov_log.wait_for("EAS00912")
    text_ = prov_server.log_since(0) + prov_server.console_text()
    for secret in (slapd_mod.SERVICE_PW, ALICE_PW, eas.USERS["alice"]):
        assert secret not in text_
