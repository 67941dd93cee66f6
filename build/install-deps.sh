#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages mod_eas needs to build, test and run its
# demo server.  Idempotent: apt-get runs only when something is missing.
set -eu

PACKAGES="
build-essential autoconf automake libtool pkg-config
apache2 apache2-dev apache2-utils libapr1-dev libaprutil1-dev
libaprutil1-dbd-sqlite3 libaprutil1-dbd-pgsql sqlite3
libldap2-dev slapd ldap-utils
libgmime-3.0-dev libcurl4-openssl-dev libssl-dev
libical-dev unicode-cldr-core radicale
dovecot-imapd dovecot-lmtpd
postgresql
libxml2-dev
libwbxml2-dev libwbxml2-utils
python3 python3-pytest
clang libclang-rt-14-dev
curl
"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "install-deps: need root (or sudo) to install:$missing" >&2; exit 1; }
    SUDO=sudo
fi
echo "install-deps: installing$missing"
$SUDO apt-get update -q
# The apache2 package would start the system's own httpd: mod_eas's demo and
# tests run private instances and need nothing from it.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
