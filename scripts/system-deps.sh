#!/bin/sh
# Install Debian's PostgreSQL 15 server binaries and Chromium when missing (tests need real parts).
# Without root, report what is missing and let the tests decide (they fail under CI=true).
set -u
need=""
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
[ -x /usr/bin/chromium ] || need="$need chromium"
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages:$need"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq $need >/dev/null || echo "apt-get install$need failed"
else
  echo "missing:$need (install them as root: apt-get install$need)"
fi
exit 0
