# SPDX-License-Identifier: Apache-2.0
"""Provisioning (MS-ASPROV) and the Settings command against a real httpd
with a SQLite state database: the gate's answers per protocol version,
the two-phase key exchange, policy changes, exemptions, remote wipe,
device information, and one user's device row out of another's reach."""

import eas
import slapd as slapd_mod
from prov_httpd import (POLICY_TYPE, children, find, find_all,  # noqa: F401
                        post_provision, prov_log, prov_server,
                        provision, provision_phase1, provision_phase2,
                        settings, text)
from slapd import slapd  # noqa: F401


def at(srv, path, user="alice"):
    return eas.Client(srv.port, user=user, path=path)


def settings_status(r):
    assert r.status == 200, (r.status, r.body)
    return eas.status_of(r.tree())


def device_information(**values):
    return eas.encode(("Settings:Settings", [
        ("Settings:DeviceInformation", [("Settings:Set", [
            ("Settings:" + k, v) for k, v in values.items()])])]))


# ------------------------------------------------------------ 12.1

def test_provisioning_flow_12_1(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-a")
    dev = "dev121flow"
    # Before provisioning: 449, with a line saying why.
    r = settings(c, version="12.1", device_id=dev)
    assert r.status == 449
    assert r.body == b""
    prov_log.one("EAS00920", "device %s of alice" % dev,
                 "not provisioned", "answering 449")
    # Phase 1: a temporary key and the policy document.
    t1 = post_provision(c, provision_phase1(), "12.1", dev, key=0)
    assert eas.status_of(t1) == 1
    policy = find(t1, "Provision:Policy")
    assert text(policy, "Provision:PolicyType") == POLICY_TYPE
    assert text(policy, "Provision:Status") == "1"
    temp = int(text(policy, "Provision:PolicyKey"))
    doc = find(policy, "Provision:EASProvisionDoc")
    assert text(doc, "Provision:DevicePasswordEnabled") == "1"
    assert text(doc, "Provision:MinDevicePasswordLength") == "4"
    assert text(doc, "Provision:MaxDevicePasswordFailedAttempts") == "8"
    assert text(doc, "Provision:AllowCamera") == "0"
    assert find(doc, "Provision:MaxAttachmentSize") == \
        ("Provision:MaxAttachmentSize", None)
    # The temporary key does not pass the gate.
    assert settings(c, version="12.1", device_id=dev, key=temp).status == 449
    row = prov_server.device_row("alice", dev)
    assert row["pending_key"] == temp and row["policy_key"] == 0
    # Phase 2: the final key, stored.
    t2 = post_provision(c, provision_phase2(temp), "12.1", dev, key=temp)
    assert eas.status_of(t2) == 1
    final = int(text(t2, "Provision:PolicyKey"))
    assert final not in (0, temp)
    assert find(t2, "Provision:EASProvisionDoc") is None
    row = prov_server.device_row("alice", dev)
    assert (row["policy_key"], row["pending_key"]) == (final, 0)
    prov_log.wait_for("EAS00938")
    # Now a command passes the gate.
    r = settings(c, version="12.1", device_id=dev, key=final)
    assert settings_status(r) == 1
    assert text(r.tree(), "Settings:SMTPAddress") is None  # no mail template
    # A wrong key is refused again.
    assert settings(c, version="12.1", device_id=dev,
                    key=final ^ 1).status == 449


def test_12_0_document_has_only_12_0_elements(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-a")
    t1 = post_provision(c, provision_phase1(), "12.0", "dev120doc", key=0)
    doc = find(t1, "Provision:EASProvisionDoc")
    names = children(doc)
    assert "Provision:DevicePasswordEnabled" in names
    assert "Provision:AllowCamera" not in names
    assert "Provision:AllowHTMLEmail" not in names


# ------------------------------------------------------------ 14.1

def test_provisioning_flow_14_1(prov_server, prov_log):
    a = at(prov_server, "/eas-prov-a")
    b = at(prov_server, "/eas-prov-b")
    dev = "dev141flow"
    # No key, and key 0: 142 in the command's own response.
    assert settings_status(settings(a, device_id=dev)) == 142
    prov_log.one("EAS00920", "not provisioned", "Status 142")
    assert settings_status(settings(a, device_id=dev, key=0)) == 142
    # Both phases, with DeviceInformation in phase 1 (14.1).
    t1 = post_provision(a, provision_phase1({"Model": "Phone 9",
                                             "OS": "TestOS 1.0"}),
                        "14.1", dev, key=0)
    assert children(t1)[:2] == ["Settings:DeviceInformation",
                                "Provision:Status"]
    assert text(find(t1, "Settings:DeviceInformation"),
                "Settings:Status") == "1"
    temp = int(text(t1, "Provision:PolicyKey"))
    t2 = post_provision(a, provision_phase2(temp), "14.1", dev, key=temp)
    key = int(text(t2, "Provision:PolicyKey"))
    info = prov_server.device_info("alice", dev)
    assert info["Model"] == "Phone 9" and info["OS"] == "TestOS 1.0"
    assert settings_status(settings(a, device_id=dev, key=key)) == 1
    # A wrong key: 144.
    assert settings_status(settings(a, device_id=dev, key=key + 1)) == 144
    prov_log.wait_for("Status 144")
    # The administrator's policy differs at /eas-prov-b: 143.
    assert settings_status(settings(b, device_id=dev, key=key)) == 143
    prov_log.wait_for("the policy changed")
    # Provisioned again under policy B, the device passes there and gets
    # 143 under A.
    _, key_b = provision(b, device_id=dev)
    assert settings_status(settings(b, device_id=dev, key=key_b)) == 1
    assert settings_status(settings(a, device_id=dev, key=key_b)) == 143


def gated_request(c, cmd, version, dev):
    """cmd from an unprovisioned device: the root element alone, or a
    GetAttachment of some attachment."""
    if cmd == "GetAttachment":
        return c.post(eas.plain_query(cmd, device_id=dev,
                                      AttachmentName="1:1:1"),
                      version=version)
    if cmd in ("SendMail", "SmartReply", "SmartForward") and version < "14":
        return c.post(eas.plain_query(cmd, device_id=dev), version=version,
                      body=b"Subject: gated\r\n\r\ngated\r\n",
                      content_type="message/rfc822")
    return c.post(eas.plain_query(cmd, device_id=dev),
                  body=eas.encode((eas.ROOTS[cmd], None)), version=version)


def test_gate_answers_every_command_14(prov_server, prov_log):
    # Every command but Provision meets the gate; in 14.x each answers in
    # its own response's top-level Status (MS-ASCMD 2.2.2), and only
    # GetAttachment, which has no WBXML response, and MeetingResponse,
    # whose Status is only inside each Result, get HTTP 449.
    c = at(prov_server, "/eas-prov-a")
    listed = c.options().header("MS-ASProtocolCommands").split(",")
    assert {"MoveItems", "GetItemEstimate", "Sync", "Ping"} <= set(listed)
    for cmd in listed:
        if cmd == "Provision":
            continue
        r = gated_request(c, cmd, "14.1", "devgate14")
        if cmd in ("GetAttachment", "MeetingResponse"):
            assert r.status == 449, (cmd, r.status)
            continue
        assert r.status == 200, (cmd, r.status)
        tree = r.tree()
        assert tree[0] == eas.ROOTS[cmd], (cmd, tree)
        assert eas.status_of(tree) == 142, (cmd, tree)
        assert len(tree[1]) == 1, (cmd, tree)


def test_gate_answers_every_command_12(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-a")
    for cmd in c.options().header("MS-ASProtocolCommands").split(","):
        if cmd == "Provision":
            continue
        r = gated_request(c, cmd, "12.1", "devgate12")
        assert r.status == 449 and r.body == b"", (cmd, r.status)


def test_gate_uses_base64_policy_key(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-a")
    dev = "dev141b64"
    _, key = provision(c, device_id=dev)
    body = prov_httpd_user_information()
    ok = eas.base64_query(version=141, cmd="Settings", device_id=dev.encode(),
                          policy_key=key)
    r = c.post(ok, body=body, version=None)
    assert settings_status(r) == 1
    bad = eas.base64_query(version=141, cmd="Settings", device_id=dev.encode(),
                           policy_key=key ^ 0x100)
    assert settings_status(c.post(bad, body=body, version=None)) == 144
    none = eas.base64_query(version=121, cmd="Settings",
                            device_id=dev.encode())
    assert c.post(none, body=body, version=None).status == 449


def prov_httpd_user_information():
    import prov_httpd
    return prov_httpd.user_information()


def test_reprovisioning_drops_the_old_key(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-a")
    dev = "dev141again"
    _, key = provision(c, device_id=dev)
    # Phase 1 again without phase 2: the old key is no longer good.
    post_provision(c, provision_phase1(), "14.1", dev, key=0)
    assert settings_status(settings(c, device_id=dev, key=key)) == 142


# ------------------------------------------------------------ acknowledgements

def test_ack_of_wrong_key(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-a")
    dev = "devwrongack"
    temp = int(text(post_provision(c, provision_phase1(), "14.1", dev, key=0),
                    "Provision:PolicyKey"))
    t2 = post_provision(c, provision_phase2(temp + 1), "14.1", dev)
    assert eas.status_of(t2) == 1
    policy = find(t2, "Provision:Policy")
    assert text(policy, "Provision:Status") == "5"
    assert text(policy, "Provision:PolicyKey") is None
    prov_log.one("EAS00937")
    assert prov_server.device_row("alice", dev)["policy_key"] == 0


def test_ack_after_policy_change(prov_server, prov_log):
    a = at(prov_server, "/eas-prov-a")
    b = at(prov_server, "/eas-prov-b")
    dev = "devchanged"
    temp = int(text(post_provision(a, provision_phase1(), "14.1", dev, key=0),
                    "Provision:PolicyKey"))
    # Acknowledged where the policy is another one: not accepted.
    t2 = post_provision(b, provision_phase2(temp), "14.1", dev)
    assert text(find(t2, "Provision:Policy"), "Provision:Status") == "5"


def test_partial_ack_refused_14(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-a")
    dev = "devpartial14"
    temp = int(text(post_provision(c, provision_phase1(), "14.1", dev, key=0),
                    "Provision:PolicyKey"))
    t2 = post_provision(c, provision_phase2(temp, status="2"), "14.1", dev)
    assert eas.status_of(t2) == 139
    prov_log.one("EAS00936", "Status 2")
    temp = int(text(post_provision(c, provision_phase1(), "14.1", dev, key=0),
                    "Provision:PolicyKey"))
    t2 = post_provision(c, provision_phase2(temp, status="4"), "14.1", dev)
    assert eas.status_of(t2) == 145


def test_partial_ack_refused_12(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-a")
    dev = "devpartial12"
    temp = int(text(post_provision(c, provision_phase1(), "12.1", dev, key=0),
                    "Provision:PolicyKey"))
    r = c.post(eas.plain_query("Provision", device_id=dev),
               body=provision_phase2(temp, status="3"), version="12.1")
    assert r.status == 403


def test_partial_ack_accepted_when_allowed(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-a-nonprov")
    dev = "devpartialok"
    temp = int(text(post_provision(c, provision_phase1(), "14.1", dev, key=0),
                    "Provision:PolicyKey"))
    t2 = post_provision(c, provision_phase2(temp, status="2"), "14.1", dev)
    key = int(text(t2, "Provision:PolicyKey"))
    assert settings_status(settings(c, device_id=dev, key=key)) == 1


def test_unknown_policy_type(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-a")
    t = post_provision(c, provision_phase1(policy_type="MS-WAP-Provisioning-XML"),
                       "14.1", "devwap", key=0)
    assert eas.status_of(t) == 1
    policy = find(t, "Provision:Policy")
    assert text(policy, "Provision:Status") == "3"
    assert find(policy, "Provision:Data") is None


def test_malformed_provision(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-a")
    two = eas.encode(("Provision:Provision", [("Provision:Policies", [
        ("Provision:Policy", [("Provision:PolicyType", POLICY_TYPE)]),
        ("Provision:Policy", [("Provision:PolicyType", POLICY_TYPE)])])]))
    assert eas.status_of(post_provision(c, two, "14.1", "devbad")) == 2
    prov_log.one("EAS00930", "exactly one Policy")
    notype = eas.encode(("Provision:Provision", [("Provision:Policies", [
        ("Provision:Policy", [("Provision:PolicyKey", "5")])])]))
    assert eas.status_of(post_provision(c, notype, "14.1", "devbad")) == 2
    badkey = provision_phase2("12x")
    assert eas.status_of(post_provision(c, badkey, "14.1", "devbad")) == 2


# ------------------------------------------------------------ exemptions

def test_exempt_device_type(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-exempt")
    assert settings_status(settings(c, device_id="devexempt1",
                                    device_type="ExemptPhone")) == 1
    # Another type at the same location is not exempt.
    assert settings_status(settings(c, device_id="devexempt1",
                                    device_type="OtherPhone")) == 142


def test_exempt_device_id(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-exempt")
    r = settings(c, version="12.1", device_id="DEV0EXEMPT")
    assert settings_status(r) == 1


def test_provisioning_off(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-off")
    assert settings_status(settings(c, device_id="devoff")) == 1
    assert settings(c, version="12.1", device_id="devoff").status == 200


# ------------------------------------------------------------ remote wipe

def test_remote_wipe(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-a")
    dev = "devwipe"
    _, key = provision(c, device_id=dev)
    prov_server.set_wipe("alice", dev, 1)
    assert settings_status(settings(c, device_id=dev, key=key)) == 140
    assert settings(c, version="12.1", device_id=dev, key=key).status == 449
    # Even where provisioning is off, a wipe is a wipe.
    off = at(prov_server, "/eas-prov-off")
    assert settings_status(settings(off, device_id=dev)) == 140
    # The client provisions with an empty Provision and gets the directive.
    t = post_provision(c, eas.encode(("Provision:Provision", None)), "14.1",
                       dev)
    assert children(t) == ["Provision:Status", "Provision:RemoteWipe"]
    assert eas.status_of(t) == 1
    # A policy request gets it too.
    t = post_provision(c, provision_phase1(), "14.1", dev, key=0)
    assert find(t, "Provision:RemoteWipe") and not find(t, "Provision:Policies")
    # The acknowledgement is recorded.
    ack = eas.encode(("Provision:Provision", [("Provision:RemoteWipe", [
        ("Provision:Status", "1")])]))
    t = post_provision(c, ack, "14.1", dev)
    assert children(t) == ["Provision:Status"] and eas.status_of(t) == 1
    assert prov_server.device_row("alice", dev)["wipe"] == 2
    prov_log.wait_for("EAS00933")


def test_wipe_ack_without_request(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-a")
    ack = eas.encode(("Provision:Provision", [("Provision:RemoteWipe", [
        ("Provision:Status", "1")])]))
    assert eas.status_of(post_provision(c, ack, "14.1", "devnowipe")) == 2
    prov_log.one("EAS00931")


# ------------------------------------------------------------ users apart

def test_second_user_has_own_device_row(prov_server, prov_log):
    alice = at(prov_server, "/eas-prov-a")
    bob = at(prov_server, "/eas-prov-a", user="bob@example.org")
    dev = "devshared"
    _, akey = provision(alice, device_id=dev)
    alice_row = prov_server.device_row("alice", dev)
    # Bob with the same DeviceId and alice's key: not provisioned.
    assert settings_status(settings(bob, device_id=dev, key=akey)) == 142
    # Bob provisions the same DeviceId: his own row, alice's untouched.
    _, bkey = provision(bob, device_id=dev, device_info={"Model": "Bob's"})
    assert bkey != akey
    assert prov_server.device_row("bob@example.org", dev)["policy_key"] == bkey
    assert prov_server.device_row("alice", dev)["policy_key"] == akey
    assert prov_server.device_info("alice", dev).get("Model") != "Bob's"
    assert alice_row["policy_key"] == akey
    # Each key works only for its own user.
    assert settings_status(settings(alice, device_id=dev, key=akey)) == 1
    assert settings_status(settings(alice, device_id=dev, key=bkey)) == 144
    assert settings_status(settings(bob, device_id=dev, key=bkey)) == 1
    # Bob's DeviceInformation lands in his row only.
    r = settings(bob, device_information(FriendlyName="Bob phone"),
                 device_id=dev, key=bkey)
    assert settings_status(r) == 1
    assert prov_server.device_info("bob@example.org", dev)["FriendlyName"] \
        == "Bob phone"
    assert "FriendlyName" not in prov_server.device_info("alice", dev)


def test_ldap_user_provisions(prov_server, prov_log, slapd):
    c = eas.Client(prov_server.port, user="alice",
                   password=slapd_mod.USERS["alice"]["password"],
                   path="/eas-ldap-prov")
    dev = "devldapprov"
    assert settings_status(settings(c, device_id=dev)) == 142
    _, key = provision(c, device_id=dev)
    r = settings(c, device_id=dev, key=key)
    assert settings_status(r) == 1
    assert text(r.tree(), "Settings:UserDisplayName") == "Alice in LDAP"


# ------------------------------------------------------------ Settings

def test_device_information_stored(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-off")
    dev = "devinfo"
    r = settings(c, device_information(Model="X1", IMEI="123456789012345",
                                       FriendlyName="Alice's phone",
                                       OS="Android 14", OSLanguage="en",
                                       PhoneNumber="+15550100",
                                       UserAgent="Test/1.0",
                                       MobileOperator="Op"),
                 version="12.1", device_id=dev)
    tree = r.tree()
    assert eas.status_of(tree) == 1
    assert text(find(tree, "Settings:DeviceInformation"),
                "Settings:Status") == "1"
    info = prov_server.device_info("alice", dev)
    assert info["Model"] == "X1" and info["FriendlyName"] == "Alice's phone"
    assert info["IMEI"] == "123456789012345" and info["UserAgent"] == "Test/1.0"
    # A second Set changes what it names and keeps the rest.
    settings(c, device_information(Model="X2"), device_id=dev)
    info = prov_server.device_info("alice", dev)
    assert info["Model"] == "X2" and info["OS"] == "Android 14"


def test_settings_answers_in_request_order(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-off")
    body = eas.encode(("Settings:Settings", [
        ("Settings:DeviceInformation", [("Settings:Set", [
            ("Settings:Model", "Y")])]),
        ("Settings:UserInformation", [("Settings:Get", None)]),
        ("Settings:RightsManagementInformation", [("Settings:Get", None)])]))
    tree = settings(c, body, device_id="devorder").tree()
    assert children(tree) == ["Settings:Status", "Settings:DeviceInformation",
                              "Settings:UserInformation",
                              "Settings:RightsManagementInformation"]
    rm = find(tree, "Settings:RightsManagementInformation")
    assert text(rm, "Settings:Status") == "1"
    assert find(rm, "RightsManagement:RightsManagementTemplates") == \
        ("RightsManagement:RightsManagementTemplates", None)


def test_rights_management_before_14_1(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-off")
    body = eas.encode(("Settings:Settings", [
        ("Settings:RightsManagementInformation", [("Settings:Get", None)])]))
    tree = settings(c, body, version="14.0", device_id="devrm").tree()
    assert text(find(tree, "Settings:RightsManagementInformation"),
                "Settings:Status") == "2"


def test_settings_malformed(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-off")
    dev = "devmalformed"
    # Not a property: the command's Status is 2 and nothing else is said.
    stray = eas.encode(("Settings:Settings", [("Settings:Get", None)]))
    tree = settings(c, stray, device_id=dev).tree()
    assert children(tree) == ["Settings:Status"] and eas.status_of(tree) == 2
    prov_log.one("EAS00951", "unexpected element Get")
    twice = eas.encode(("Settings:Settings", [
        ("Settings:UserInformation", [("Settings:Get", None)]),
        ("Settings:UserInformation", [("Settings:Get", None)])]))
    assert eas.status_of(settings(c, twice, device_id=dev).tree()) == 2
    # A property without its Get: that property's Status is 2.
    noget = eas.encode(("Settings:Settings", [
        ("Settings:UserInformation", None),
        ("Settings:DeviceInformation", [("Settings:Set", [
            ("Settings:Model", "Z"), ("Settings:Oof", None)])])]))
    tree = settings(c, noget, device_id=dev).tree()
    assert eas.status_of(tree) == 1
    assert text(find(tree, "Settings:UserInformation"), "Settings:Status") == "2"
    assert text(find(tree, "Settings:DeviceInformation"),
                "Settings:Status") == "2"
    assert "Model" not in prov_server.device_info("alice", dev)


def test_oof_without_backend_support(prov_server, prov_log):
    c = at(prov_server, "/eas-prov-off")
    body = eas.encode(("Settings:Settings", [("Settings:Oof", [
        ("Settings:Get", [("Settings:BodyType", "Text")])])]))
    tree = settings(c, body, device_id="devoof").tree()
    assert eas.status_of(tree) == 1
    assert text(find(tree, "Settings:Oof"), "Settings:Status") == "7"
    prov_log.one("EAS00950", "no out-of-office")


def test_device_password(prov_server, prov_log):
    secret = "Recovery-Secret-42"
    body = eas.encode(("Settings:Settings", [("Settings:DevicePassword", [
        ("Settings:Set", [("Settings:Password", secret)])])]))
    # Not asked for by the policy: refused (7), not stored.
    off = at(prov_server, "/eas-prov-off")
    tree = settings(off, body, device_id="devpw").tree()
    assert text(find(tree, "Settings:DevicePassword"), "Settings:Status") == "7"
    assert "RecoveryPassword" not in prov_server.device_info("alice", "devpw")
    # Where EASPolicyPasswordRecovery is On: stored with the device.
    rec = at(prov_server, "/eas-prov-recovery")
    _, key = provision(rec, device_id="devpw")
    tree = settings(rec, body, device_id="devpw", key=key).tree()
    assert text(find(tree, "Settings:DevicePassword"), "Settings:Status") == "1"
    assert prov_server.device_info("alice", "devpw")["RecoveryPassword"] == \
        secret
    assert secret not in prov_server.log_since(0)


def test_user_information_from_templates_12(prov_server, prov_log):
    c = at(prov_server, "/eas-tmpl", user="bob@example.org")
    tree = settings(c, version="12.1", device_id="devtmpl").tree()
    get = find(find(tree, "Settings:UserInformation"), "Settings:Get")
    assert [v for _, v in find_all(get, "Settings:SMTPAddress")] == \
        ["bob@tmpl.example.org"]
