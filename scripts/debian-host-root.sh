#!/usr/bin/env bash
# Prints the path of a fresh root for a throwaway Debian 12 *host* (test/support/booted-host.ts
# boots it with systemd-nspawn): scripts/debian-root.sh's minimal root plus what a host that
# operators reach with ssh and Ansible has (systemd as init, openssh-server, python3, sudo,
# iproute2). Made once on top of that root and cached as a second tarball under .cache/,
# then unpacked on every call into the empty or missing directory given as $1 (default a
# new temp dir). `--tree` instead prints a read-only unpacked copy kept under .cache/ (made
# once from the tarball): booted-host.ts lays each host's writable overlay over it, so a
# host costs no copy of the root.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=.cache/debian-bookworm-host.tar
# What an Ansible-managed host needs beyond the minimal root (python3 for Ansible's modules,
# sudo for `become`, iproute2 and procps for an operator's look around).
extras="systemd-sysv dbus openssh-server python3 python3-apt sudo iproute2 procps less"
# One maker at a time (lanes of npm test start booted hosts at once on a fresh clone); its
# own lock, as scripts/debian-root.sh, called inside, takes the minimal root's.
mkdir -p .cache
exec 9> .cache/debian-host-root.lock
flock 9
if [ ! -f "$cache" ]; then
  build=$(bash scripts/debian-root.sh)
  echo "adding $extras to the Debian root (cached afterwards in $cache)" >&2
  cp /etc/resolv.conf "$build/etc/resolv.conf"
  chroot "$build" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  chroot "$build" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $extras >&2 \
    || { echo "could not install $extras in the Debian root" >&2; exit 1; }
  chroot "$build" apt-get clean
  rm -rf "$build"/var/lib/apt/lists/*
  # Each booted host makes its own ssh host keys and machine-id on first boot.
  rm -f "$build"/etc/ssh/ssh_host_* "$build/etc/machine-id"
  : > "$build/etc/machine-id"
  rm -f "$build/usr/sbin/policy-rc.d"
  tar -C "$build" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
  rm -rf "$build"
fi
exec 9>&-
if [ "${1:-}" = --tree ]; then
  tree=$PWD/.cache/debian-bookworm-host.d
  if [ ! -d "$tree" ]; then
    tmp=$(mktemp -d "$tree.tmp.XXXXXX")
    tar -C "$tmp" -xf "$cache"
    chmod 755 "$tmp"
    # Another run may have made it meanwhile: theirs stays, ours goes.
    mv -T "$tmp" "$tree" 2>/dev/null || rm -rf "$tmp"
  fi
  echo "$tree"
  exit 0
fi
if [ -n "${1:-}" ]; then
  root=$1
  mkdir -p "$root"
  [ -z "$(ls -A "$root")" ] || { echo "$root is not empty" >&2; exit 1; }
else
  root=$(mktemp -d /tmp/zk-host-root.XXXXXX)
fi
tar -C "$root" -xf "$cache"
chmod 755 "$root"
echo "$root"
