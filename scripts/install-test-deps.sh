#!/usr/bin/env bash
# Installs the Debian packages the tests drive (the reference server and real clients),
# only when they are missing. Fails with a message naming what could not be installed.
set -euo pipefail

need=()
[ -f /usr/share/java/zookeeper.jar ] || need+=(zookeeper)
[ -x /usr/lib/zookeeper/bin/cli_mt ] || need+=(zookeeper-bin)
/usr/bin/python3 -c 'import kazoo' 2>/dev/null || need+=(python3-kazoo)
# kazoo's SASL (sasl_options, DIGEST-MD5) needs pure-sasl: the SASL tests.
/usr/bin/python3 -c 'import puresasl' 2>/dev/null || need+=(python3-pure-sasl)
command -v nc >/dev/null || need+=(netcat-openbsd)
# zkCli shows its prompt only with JLine 2 (and the jansi 1 it needs): the prompt test.
[ -f /usr/share/java/jline2.jar ] || need+=(libjline2-java)
[ -f /usr/share/java/jansi1.jar ] || need+=(libjansi1-java)
# The man page test renders the page with groff, as man does.
command -v groff >/dev/null || need+=(groff-base)
# TLS tests: Apache's Netty factory (its jars), openssl and keytool make the key stores.
[ -f /usr/share/java/netty-codec.jar ] || need+=(libnetty-java)
command -v openssl >/dev/null || need+=(openssl)
command -v keytool >/dev/null || need+=(default-jre-headless)
# The packaging tests: a throwaway Debian root, rpmbuild and rpm, the linters, ps.
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v rpmbuild >/dev/null || need+=(rpm)
command -v lintian >/dev/null || need+=(lintian)
command -v rpmlint >/dev/null || need+=(rpmlint)
command -v ps >/dev/null || need+=(procps)
command -v systemd-analyze >/dev/null || need+=(systemd)
# Booted test hosts (systemd-nspawn), reached with ssh by Ansible; its linter.
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v ssh >/dev/null || need+=(openssh-client)
command -v ansible-playbook >/dev/null || need+=(ansible)
command -v ansible-lint >/dev/null || need+=(ansible-lint)
# A real Prometheus scrapes the metrics endpoint; promtool checks the exposition and rules.
# Installed without recommends (its node exporter and web UI are not needed).
bare=()
command -v promtool >/dev/null || bare+=(prometheus)
# The fault runs (test/faults): network namespaces (iproute2) whose links nft cuts.
command -v ip >/dev/null || need+=(iproute2)
command -v nft >/dev/null || need+=(nftables)
# javac: small Java programs in test/support/java tell what Java's own classes do.
command -v javac >/dev/null || need+=(default-jdk-headless)

if [ $((${#need[@]} + ${#bare[@]})) -gt 0 ]; then
  echo "== installing test dependencies: ${need[*]} ${bare[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "missing ${need[*]} ${bare[*]}: run as root or install them with apt-get" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null \
    || { echo "could not install ${need[*]} with apt-get" >&2; exit 1; }
  if [ ${#bare[@]} -gt 0 ]; then
    apt-get install -y -qq --no-install-recommends "${bare[@]}" >/dev/null \
      || { echo "could not install ${bare[*]} with apt-get" >&2; exit 1; }
  fi
fi
