# SPDX-License-Identifier: Apache-2.0
"""The README says what the server does: the commands it answers 501, and
which directives are server-wide, as httpd with the module finds them."""

import os
import re

import pytest

import eas

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                      "README")


def readme():
    with open(README) as f:
        return f.read()


def documented_directives():
    """name -> arguments for every directive row of the README's tables
    (its first column: `EASName` and placeholders; On|Off gives On, any
    other placeholder 1)."""
    out = {}
    for line in readme().splitlines():
        if not line.startswith("| `EAS"):
            continue
        first = re.split(r"(?<!\\)\|", line)[1].strip()
        m = re.fullmatch(r"`(EAS\w+)`(.*)", first)
        if not m:
            continue
        words = m.group(2).split() or ["1"]
        out[m.group(1)] = " ".join(w.split("\\|")[0] if "\\|" in w else "1"
                                   for w in words)
    return out


def declared_server_wide():
    text = readme()
    para = text[text.index("Server-wide directives"):]
    para = para[:para.index("\n\n")]
    return set(re.findall(r"`(EAS\w+)`", para))


def refused_context(server, text):
    code, out = server.config_test(text)
    return "not allowed" in out or "cannot occur within" in out


def test_server_wide_directives_as_documented(server):
    directives = documented_directives()
    wide = declared_server_wide()
    assert len(directives) > 50 and wide <= set(directives), wide
    refused = set()
    for name, args in directives.items():
        line = "%s %s" % (name, args)
        in_location = refused_context(
            server, "<Location /x>\n    %s\n</Location>" % line)
        in_vhost = refused_context(
            server, "<VirtualHost 127.0.0.1:1>\n    %s\n</VirtualHost>"
            % line)
        assert in_location == in_vhost, (name, in_location, in_vhost)
        assert not refused_context(server, line), name
        if in_location:
            refused.add(name)
    assert refused == wide


def test_readme_names_the_commands_answering_501(client):
    m = re.search(r"the\s+others\s+\(([^)]*)\)\s+answer\s+HTTP\s+501",
                  readme())
    assert m, "the README no longer says which commands answer 501"
    said = set(re.split(r",\s*", " ".join(m.group(1).split())))
    listed = set(client.options().header("MS-ASProtocolCommands").split(","))
    # Every command of the protocols advertised, Find (16.1) included.
    known = set(eas.CMD_CODES) | {"Find"}
    assert said == known - listed, (said, known - listed)


@pytest.mark.parametrize("cmd", ["Search", "ResolveRecipients"])
def test_commands_said_to_answer_501_do(client, cmd):
    r = client.post(eas.plain_query(cmd), body=eas.encode((eas.ROOTS[cmd],
                                                          None)))
    assert r.status == 501
