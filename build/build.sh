#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Configures and builds mod_eas out of tree, in out/ (or in $1, a build
# directory, with the remaining arguments passed to configure).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-$top/out}
[ $# -gt 0 ] && shift
[ -x "$top/configure" ] || "$top/autogen.sh"
mkdir -p "$builddir"
cd "$builddir"
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ]; then
    "$top/configure" "$@"
fi
make -j"$(nproc)"
