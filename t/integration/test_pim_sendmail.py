# SPDX-License-Identifier: Apache-2.0
"""SendMail with mail and groupware in one store (EASBackend maildir and
EASBackend dav): the Maildir backend has no transport of its own, so the
module's (EASSendmail) sends the message, as without the dav backend."""

import time
import uuid

import pytest

import conftest
import eas
from pim_httpd import PATH, PimServer, password
from radicale import radicale  # noqa: F401  (the fixture)


def sent(server, timeout=5.0):
    """The messages fake-sendmail was given, once there is one."""
    deadline = time.time() + timeout
    while not server.sent_mail() and time.time() < deadline:
        time.sleep(0.05)
    return [m["message"] for m in server.sent_mail()]


@pytest.fixture(scope="module")
def sending_server(request, radicale):  # noqa: F811
    """The groupware server: its users' mail leaves through
    t/bin/fake-sendmail into <root>/outbox (EASSendmail)."""
    yield from conftest.serve(PimServer(conftest._load_config(), radicale),
                              request, "groupware with sendmail")


def test_sendmail_beside_groupware(sending_server, radicale):  # noqa: F811
    radicale.mkcalendar("alice", "Calendar")
    c = eas.Client(sending_server.port, user="alice",
                   password=password("alice"), path=PATH)
    try:
        query = eas.plain_query("FolderSync", user="alice",
                                device_id="pimsend01")
        t = c.post(query, eas.folder_sync()).tree()
        ids = [eas.text_of(a, "FolderHierarchy:ServerId")
               for a in eas.find_all(t, "FolderHierarchy:Add")]
        assert any(i.startswith("d.") for i in ids), ids
        subject = "beside groupware %s" % uuid.uuid4().hex
        mime = ("From: alice@example.org\r\nTo: bob@example.net\r\n"
                "Subject: %s\r\n\r\nHello.\r\n" % subject).encode()
        r = c.post(eas.plain_query("SendMail", user="alice",
                                   device_id="pimsend01"),
                   body=eas.encode(("ComposeMail:SendMail", [
                       ("ComposeMail:ClientId", uuid.uuid4().hex),
                       ("ComposeMail:Mime", mime)])))
    finally:
        c.close()
    assert r.status == 200 and r.body == b"", (r.status, r.body)
    mails = sent(sending_server)
    assert len(mails) == 1 and subject.encode() in mails[0], mails
