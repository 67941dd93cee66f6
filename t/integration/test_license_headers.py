# SPDX-License-Identifier: Apache-2.0
"""build/license-headers: the license line on every source file, in the
file's own comment syntax; idempotent; --check names each file without
it; data and documents are left alone."""

import filecmp
import os
import shutil
import subprocess
import sys

import pytest

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SCRIPT = os.path.join("build", "license-headers")
SPDX = "SPDX-License-Identifier: Apache-2.0"

# path -> (content, the license line's index after the run or None)
FILES = {
    "mod_eas/a.c": ("/*\n * What a.c is.\n */\nint a;\n", 0),
    "mod_eas/a.h": ("#ifndef A_H\n#define A_H\n#endif\n", 0),
    "t/integration/test_x.py": ('"""A test."""\n', 0),
    "build/tool": ("#!/bin/sh\necho tool\n", 1),
    "build/tool.py": ("#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n"
                      "print(1)\n", 2),
    "build/x.sh": ("set -e\n", 0),
    "Makefile.am": ("SUBDIRS =\n", 0),
    "configure.ac": ("AC_INIT([x], [1])\n", 0),
    "build/x.conf.in": ("Listen @PORT@\n", 0),
    "README": ("Read me.\n", None),
    "t/corpus/doc.xml": ("<x/>\n", None),
    "t/fuzz/seeds/f/seed.c": ("not code\n", None),
    ".ci/run": ("#!/bin/sh\n", None),
}


def license_headers(top, *args):
    return subprocess.run([sys.executable, os.path.join(top, SCRIPT)]
                          + list(args), capture_output=True, text=True)


@pytest.fixture
def tree(tmp_path):
    top = str(tmp_path / "checkout")
    for path, (text, _) in FILES.items():
        full = os.path.join(top, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    shutil.copy(os.path.join(TOP, SCRIPT), os.path.join(top, SCRIPT))
    return top


def test_check_names_each_source_file_without_the_line(tree):
    res = license_headers(tree, "--check")
    assert res.returncode == 1
    named = {line.strip() for line in res.stderr.splitlines()[1:]}
    # The script itself carries the line already.
    assert named == {p for p, (_, at) in FILES.items() if at is not None}


def test_adds_the_line_in_each_syntax_once(tree):
    assert license_headers(tree).returncode == 0
    for path, (text, at) in FILES.items():
        with open(os.path.join(tree, path)) as f:
            lines = f.read().splitlines()
        if at is None:
            assert lines == text.splitlines(), path
            continue
        assert SPDX in lines[at], (path, lines)
        assert [x for i, x in enumerate(lines) if i != at] == \
            text.splitlines(), path
    with open(os.path.join(tree, "mod_eas/a.c")) as f:
        assert f.readline() == "/* %s */\n" % SPDX
    with open(os.path.join(tree, "configure.ac")) as f:
        assert f.readline() == "dnl %s\n" % SPDX
    with open(os.path.join(tree, "build/tool")) as f:
        assert f.read() == "#!/bin/sh\n# %s\necho tool\n" % SPDX
    # Again: nothing changes; --check passes.
    before = os.path.join(os.path.dirname(tree), "before")
    shutil.copytree(tree, before)
    assert license_headers(tree).returncode == 0
    cmp = filecmp.dircmp(before, tree)
    assert not cmp.diff_files and not cmp.left_only and not cmp.right_only
    res = license_headers(tree, "--check")
    assert res.returncode == 0, res.stderr


def test_only_the_files_named(tree):
    assert license_headers(tree, "mod_eas/a.c").returncode == 0
    res = license_headers(tree, "--check")
    assert "mod_eas/a.c" not in res.stderr and "mod_eas/a.h" in res.stderr
    assert license_headers(tree, "--check", "mod_eas/a.c").returncode == 0


def test_license_is_the_apache_license_2_0():
    with open(os.path.join(TOP, "LICENSE")) as f:
        text = f.read()
    assert "Apache License\n                           Version 2.0, " \
        "January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    debian = "/usr/share/common-licenses/Apache-2.0"
    if os.path.exists(debian):
        with open(debian) as f:
            assert f.read() == text


def test_every_source_file_of_the_tree_has_it():
    r = license_headers(TOP, "--check")
    assert r.returncode == 0, r.stdout + r.stderr
