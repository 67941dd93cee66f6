# SPDX-License-Identifier: Apache-2.0
"""mod_eas/log-tags.md, the administrators' list of log tags, is what
build/log-tags makes from the code, so it cannot drift from it."""

import os
import re
import shutil
import subprocess
import sys

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SCRIPT = os.path.join("build", "log-tags")
TABLE = os.path.join("mod_eas", "log-tags.md")


def log_tags(top, *args):
    return subprocess.run([sys.executable, os.path.join(top, SCRIPT)]
                          + list(args), capture_output=True, text=True)


def test_table_is_up_to_date():
    res = log_tags(TOP, "--check")
    assert res.returncode == 0, res.stderr


def test_every_tag_in_the_code_is_listed():
    in_code = set()
    for sub in ("mod_eas", "backends"):
        for root, _, files in os.walk(os.path.join(TOP, sub)):
            for name in files:
                if name.endswith(".c"):
                    with open(os.path.join(root, name)) as f:
                        in_code |= set(re.findall(r"EASLOGNO\((\d+)\)",
                                                  f.read()))
    with open(os.path.join(TOP, TABLE)) as f:
        table = f.read()
    listed = set(re.findall(r"^\| EAS(\d+) \|", table, re.M))
    assert listed == in_code and len(listed) > 100
    # A row: level, message with its conversions shown as "...", file.
    assert ("| EAS00406 | info | `... is a path below an ActiveSync "
            "endpoint, not one (MS-ASHTTP): answering 404` | "
            "mod_eas/endpoint.c |") in table


def test_check_fails_when_the_code_changes(tmp_path):
    top = str(tmp_path)
    for sub in ("mod_eas", "backends"):
        shutil.copytree(os.path.join(TOP, sub), os.path.join(top, sub))
    os.mkdir(os.path.join(top, "build"))
    shutil.copy(os.path.join(TOP, SCRIPT), os.path.join(top, SCRIPT))
    assert log_tags(top, "--check").returncode == 0
    path = os.path.join(top, "mod_eas", "endpoint.c")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace("answering 404", "answering 404 now"))
    res = log_tags(top, "--check")
    assert res.returncode == 1
    assert "mod_eas/log-tags.md is out of date" in res.stderr
    assert "build/log-tags --write" in res.stderr
    assert log_tags(top, "--write").returncode == 0
    assert log_tags(top, "--check").returncode == 0
    with open(os.path.join(top, TABLE)) as f:
        assert "answering 404 now" in f.read()
