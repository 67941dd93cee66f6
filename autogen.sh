#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Generate ./configure from configure.ac (needs autoconf, automake, libtool).
set -e
cd "$(dirname "$0")"
mkdir -p build/aux build/m4
autoreconf -fi
