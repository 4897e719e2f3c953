#!/usr/bin/env bash
# Prints the path of a fresh throwaway Debian 12 root for the packaging tests: a minimal
# debootstrap (with adduser, which the .deb depends on), made once and cached as a tarball
# under .cache/, then unpacked into a new temp dir on every call.
set -euo pipefail
cd "$(dirname "$0")/.."
# systemd is there for `systemd-analyze verify` of the installed unit, adduser for the .deb.
cache=.cache/debian-bookworm-minbase-systemd.tar
# Test files in two lanes of npm test may ask for the root at once on a fresh clone: one
# makes the cache, the other waits for it (no two debootstraps writing one $cache.tmp).
mkdir -p .cache
exec 9> .cache/debian-root.lock
flock 9
if [ ! -f "$cache" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
  # The mirror this machine's apt already uses.
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -n 1)
  mirror=${mirror:-http://deb.debian.org/debian}
  build=$(mktemp -d)
  echo "debootstrap bookworm from $mirror (cached afterwards in $cache)" >&2
  debootstrap --variant=minbase --include=adduser,systemd bookworm "$build" "$mirror" >&2 \
    || { echo "debootstrap failed; see $build/debootstrap/debootstrap.log" >&2; exit 1; }
  tar -C "$build" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
  rm -rf "$build"
fi
exec 9>&-
root=$(mktemp -d /tmp/zk-debian-root.XXXXXX)
tar -C "$root" -xf "$cache"
chmod 755 "$root" # mktemp made it (and the tarball's ".") 0700: the service user must reach /
# No service may start by itself in this root: the tests start and stop it.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
echo "$root"
