# SPDX-License-Identifier: Apache-2.0
"""SendMail with mail and groupware in one store (EASBackend maildir and
EASBackend dav): the Maildir backend has no transport of its own, so the
module's (EASSendmail) sends the message, as without the dav backend."""

import base64
import json
import os
import time
import uuid

import pytest

import conftest
import eas
from mail_httpd import FAKE_SENDMAIL
from pim_httpd import PATH, PimServer, password
from radicale import radicale  # noqa: F401  (the fixture)


class SendingPimServer(PimServer):
    """The groupware server, its users' mail sent by t/bin/fake-sendmail
    into <root>/outbox."""

    def __init__(self, cfg, dav):
        super().__init__(cfg, dav)
        self.outbox = os.path.join(self.root, "outbox")
        self.locations = {PATH: self.locations[PATH]
                          + "    EASMailTemplate %l@example.org\n"
                          + "    EASSendmail %s/bin/sendmail\n" % self.root}

    def start(self):
        os.mkdir(self.outbox)
        os.chmod(self.outbox, 0o777)
        os.mkdir(os.path.join(self.root, "bin"))
        script = os.path.join(self.root, "bin", "sendmail")
        with open(script, "w") as f:
            f.write("#!/bin/sh\nFAKE_SENDMAIL_DIR='%s' exec %s \"$@\"\n"
                    % (self.outbox, os.path.abspath(FAKE_SENDMAIL)))
        os.chmod(script, 0o755)
        super().start()

    def sent(self, timeout=5.0):
        """The messages fake-sendmail was given, once there is one."""
        deadline = time.time() + timeout
        while True:
            names = sorted(n for n in os.listdir(self.outbox)
                           if n.endswith(".json"))
            if names or time.time() > deadline:
                break
            time.sleep(0.05)
        out = []
        for name in names:
            with open(os.path.join(self.outbox, name)) as f:
                out.append(base64.b64decode(json.load(f)["message"]))
        return out


@pytest.fixture(scope="module")
def sending_server(request, radicale):  # noqa: F811
    yield from conftest.serve(SendingPimServer(conftest._load_config(),
                                               radicale),
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
    sent = sending_server.sent()
    assert len(sent) == 1 and subject.encode() in sent[0], sent
