# SPDX-License-Identifier: Apache-2.0
"""EASDAVAuth service: one account asks the DAV server for every user,
each user's collections found under the user's own URL; a URL without the
user in it is refused rather than show every user the same collections."""

import pytest

import conftest
import eas
from pim_httpd import A, PATH, Phone, PimServer, pim_log  # noqa: F401
import radicale as radicale_mod

USERS = dict(radicale_mod.USERS, svc="svc-dav-pw")
# Each user reaches their own collections; svc reaches everyone's.
RIGHTS = """[root]
user: .+
collection:
permissions: R

[owner]
user: .+
collection: {user}(/.*)?
permissions: RrWw

[service]
user: svc
collection: .*
permissions: RrWw
"""


@pytest.fixture(scope="module")
def radicale(request):
    yield from conftest.serve(radicale_mod.Radicale(users=USERS,
                                                    rights=RIGHTS),
                              request, "radicale")


@pytest.fixture(scope="module")
def pim_server(request, radicale):
    yield from conftest.serve(PimServer(conftest._load_config(), radicale),
                              request, "groupware")


def test_each_user_sees_their_own_collections(pim_server, pim_log, radicale):
    radicale.mkaddressbook("alice", "Alice book")
    book = radicale.mkaddressbook("bob", "Bob book")
    radicale.put("bob", book + "b.vcf", radicale_mod.vcard("b-1", "Bee Bob"))
    alice = Phone(pim_server, "alice", device="svc0001",
                  path=PATH + "-service")
    names = [n for n, _ in alice.folder_sync().values()]
    assert "Alice book" in names and "Bob book" not in names, names
    bob = Phone(pim_server, "bob", device="svc0002", path=PATH + "-service")
    folders = bob.folder_sync()
    coll = [i for i, (n, _) in folders.items() if n == "Bob book"][0]
    adds = bob.sync_all(coll)
    assert [eas.text_of(a, "Contacts:LastName") for a in adds.values()] \
        == ["Bob"]


def test_a_shared_url_is_refused(pim_server, pim_log):
    phone = Phone(pim_server, "alice", device="svc0003",
                  path=PATH + "-service-shared")
    r = phone.c.post(eas.plain_query("FolderSync", user="alice",
                                     device_id="svc0003"),
                     eas.folder_sync(), version="14.1")
    assert r.status == 500
    pim_log.wait_for("EAS01626")
