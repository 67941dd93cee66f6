# SPDX-License-Identifier: Apache-2.0
"""The endpoint (MS-ASHTTP 2.2.1.1.1): a request's URI is the path where
the configuration sets SetHandler eas, never a path below it; and the
startup warning about a handler without a state database."""

import pytest

import conftest
import eas
import httpd
from eas import EAS_PATH

# ---------------------------------------------------------------- <Location>


@pytest.mark.parametrize("below", ["/NotSupport", "/a/b/c", "/Ping"])
def test_path_below_the_endpoint_is_404(client, log, below):
    path = EAS_PATH + below
    r = client.post(eas.plain_query("FolderSync"), body=eas.folder_sync(),
                    path=path)
    assert r.status == 404 and not r.body.startswith(b"\x03\x01"), r.status
    assert client.options(path=path).status == 404
    lines = log.wait_for("EAS00406")
    assert len(lines) == 2 and all(path in line for line in lines), lines
    # The endpoint itself answers.
    r = client.post(eas.plain_query("FolderSync"), body=eas.folder_sync())
    assert r.status == 200 and eas.status_of(r.tree()) == 1


@pytest.mark.parametrize("path", [EAS_PATH + "/", "/" + EAS_PATH])
def test_endpoint_spelt_with_more_slashes(client, log, path):
    # Where httpd's <Location> matching sees the same path, so do we.
    assert client.options(path=path).status == 200
    assert not log.lines("EAS00406")


def test_deeper_location_is_an_endpoint_of_its_own(client, log):
    # /eas-limits/nodes has a section (and SetHandler eas) of its own.
    assert client.options(path="/eas-limits/nodes").status == 200
    assert client.options(path="/eas-limits/other").status == 404
    log.one("EAS00406", "/eas-limits/other")


# ------------------------------------------ <LocationMatch>, <VirtualHost>

AUTHED = httpd.AUTH + httpd.STORE


def sections(root, port):
    """A handler in a <LocationMatch>; two name-based virtual hosts on
    the server's address: a.test (the first, so the default) with no
    section of its own, b.test with /x/y below the server-wide /x."""
    body = AUTHED.replace("{root}", root)
    return "\n".join([
        '<LocationMatch "^/eas-re(gex)?">',
        "    SetHandler eas", body + "</LocationMatch>",
        "<VirtualHost 127.0.0.1:%d>" % port,
        "    ServerName a.test", "</VirtualHost>",
        "<VirtualHost 127.0.0.1:%d>" % port,
        "    ServerName b.test",
        "    <Location /x/y>", "        SetHandler eas", "    </Location>",
        "</VirtualHost>"])


@pytest.fixture(scope="module")
def sections_server(request):
    srv = httpd.Httpd(conftest._load_config(), state=True,
                      locations={EAS_PATH: httpd.STORE, "/x": httpd.STORE})
    srv.server_extra = sections(srv.root, srv.port)
    yield from conftest.serve(srv, request, "endpoint sections")


@pytest.fixture
def sections_log(sections_server):
    yield from conftest.watch_log(sections_server)


def options(srv, path, host=None):
    c = eas.Client(srv.port)
    try:
        return c.options(path=path, headers={"Host": host} if host
                         else None).status
    finally:
        c.close()


def test_location_match_is_matched_whole(sections_server, sections_log):
    assert options(sections_server, "/eas-re") == 200
    assert options(sections_server, "/eas-regex") == 200
    # httpd gives these the handler: the expression matches their start.
    assert options(sections_server, "/eas-regex/more") == 404
    assert options(sections_server, "/eas-rex") == 404
    assert len(sections_log.wait_for("EAS00406")) == 2


def test_virtual_host_endpoints_are_its_own(sections_server, sections_log):
    assert options(sections_server, "/x", host="a.test") == 200
    assert options(sections_server, "/x", host="b.test") == 200
    assert options(sections_server, "/x/y", host="b.test") == 200
    # Below /x in a.test: b.test's /x/y is no endpoint there.
    assert options(sections_server, "/x/y", host="a.test") == 404
    sections_log.one("EAS00406", "/x/y")


# ---------------------------------------------------------------- startup

def test_handler_without_database_warns(server):
    bare = httpd.Httpd(conftest._load_config(),
                       locations={"/a": "", "/b": "", "/c": "noauth"})
    try:
        code, out = bare.config_test("")
    finally:
        bare.cleanup()
    assert code == 0, out
    warnings = [line for line in out.splitlines() if "EAS00101" in line]
    assert len(warnings) == 1, out
    line = warnings[0]
    for what in ("SetHandler eas (%s/test-" % bare.root, ".conf line ",
                 "and 2 more",
                 "LoadModule dbd_module", "DBDriver sqlite3", "DBDParams"):
        assert what in line, line


def test_database_in_server_config_or_virtual_host(server):
    # The shared server has one: no warning.
    code, out = server.config_test("")
    assert code == 0 and "EAS00101" not in out, out
    # A DBDriver only in one <VirtualHost>: the handlers outside it warn.
    bare = httpd.Httpd(conftest._load_config(), modules=["dbd"],
                       locations={"/only": ""})
    try:
        vhost = ("<VirtualHost 127.0.0.1:%d>\n    ServerName v.test\n"
                 "    DBDriver sqlite3\n    DBDParams %s/v.db\n"
                 "    <Location /v>\n        SetHandler eas\n"
                 "    </Location>\n</VirtualHost>" % (bare.port, bare.root))
        code, out = bare.config_test(vhost)
        assert code == 0, out
        (line,) = [x for x in out.splitlines() if "EAS00101" in x]
        assert "more" not in line, line
        code, out = bare.config_test(vhost.replace("<Location /v>",
                                                   "<Location /w>")
                                     + "\nDBDriver sqlite3\n"
                                     "DBDParams %s/s.db" % bare.root)
        assert code == 0 and "EAS00101" not in out, out
    finally:
        bare.cleanup()
