#!/usr/bin/env bash
# `npm run package`: builds dist/zookeeper-ts (the single executable) and packs it, with
# zoo.cfg, the systemd unit, the SysV init script and the docs, into
#   dist/zookeeper-ts_<version>_amd64.deb       (dpkg-deb, from packaging/deb/)
#   dist/zookeeper-ts-<version>-1.x86_64.rpm    (rpmbuild, from packaging/rpm/zookeeper-ts.spec)
# Needs dpkg-deb and rpmbuild (Debian's `rpm` package). `--no-build` packs the existing binary.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# ZK_PACKAGE_VERSION: another package version of the same build (the upgrade test uses it).
version=${ZK_PACKAGE_VERSION:-$(node -p "require('./package.json').version")}

[ "${1:-}" = --no-build ] || node scripts/build.mjs
[ -x dist/zookeeper-ts ] || { echo "dist/zookeeper-ts is missing: run npm run build" >&2; exit 1; }
only=${ZK_PACKAGE_ONLY:-deb rpm} # ZK_PACKAGE_ONLY=deb builds the .deb alone
for tool in dpkg-deb rpmbuild gzip; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install dpkg rpm)" >&2; exit 1; }
done

# Files both packages hold, under a staging root; $2 is where the unit goes (/lib or
# /usr/lib), $3 where the init script goes (/etc/init.d, or RHEL's /etc/rc.d/init.d).
stage() {
  local dest=$1 unitdir=$2 initddir=$3
  install -D -m 0755 dist/zookeeper-ts "$dest/usr/bin/zookeeper-ts"
  install -D -m 0644 packaging/common/zoo.cfg "$dest/etc/zookeeper/zoo.cfg"
  install -D -m 0755 init.d/zookeeper "$dest$initddir/zookeeper"
  # Apache's scripts, where Apache's Debian package has them (/usr/share/zookeeper/bin),
  # and the unit's ExecStartPost.
  install -d "$dest/usr/share/zookeeper-ts/bin"
  install -m 0755 bin/zkServer.sh bin/zkCli.sh bin/zkCleanup.sh bin/wait-serving "$dest/usr/share/zookeeper-ts/bin/"
  install -m 0644 bin/zkEnv.sh "$dest/usr/share/zookeeper-ts/bin/"
  install -D -m 0644 systemd/zookeeper.service "$dest$unitdir/systemd/system/zookeeper.service"
  install -d -m 0750 "$dest/var/lib/zookeeper" "$dest/var/log/zookeeper"
  install -D -m 0644 packaging/common/logrotate "$dest/etc/logrotate.d/zookeeper-ts"
  install -D -m 0644 README.md "$dest/usr/share/doc/zookeeper-ts/README.md"
  install -D -m 0644 monitoring/zookeeper-alerts.yml "$dest/usr/share/zookeeper-ts/monitoring/zookeeper-alerts.yml"
  install -D -m 0644 monitoring/grafana-dashboard.json "$dest/usr/share/zookeeper-ts/monitoring/grafana-dashboard.json"
  install -d "$dest/usr/share/man/man1"
  gzip -9n < packaging/common/zookeeper-ts.1 > "$dest/usr/share/man/man1/zookeeper-ts.1.gz"
}

# --- .deb
if [[ " $only " == *" deb "* ]]; then
deb_root=$(mktemp -d)
trap 'rm -rf "${deb_root:-}" "${rpm_top:-}"' EXIT
stage "$deb_root" /lib /etc/init.d
install -D -m 0644 packaging/common/default "$deb_root/etc/default/zookeeper"
install -D -m 0644 packaging/deb/copyright "$deb_root/usr/share/doc/zookeeper-ts/copyright"
sed -e "s/@VERSION@/$version/g" -e "s/@DATE@/$(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")/" \
  packaging/deb/changelog | gzip -9n > "$deb_root/usr/share/doc/zookeeper-ts/changelog.gz"
install -D -m 0644 packaging/deb/lintian-overrides "$deb_root/usr/share/lintian/overrides/zookeeper-ts"
install -d "$deb_root/DEBIAN"
installed_kb=$(du -sk --exclude=DEBIAN "$deb_root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$installed_kb/" packaging/deb/control > "$deb_root/DEBIAN/control"
install -m 0644 packaging/deb/conffiles "$deb_root/DEBIAN/conffiles"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$deb_root/DEBIAN/"
(cd "$deb_root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort | xargs md5sum) > "$deb_root/DEBIAN/md5sums"
chmod 0644 "$deb_root/DEBIAN/md5sums"
deb="dist/zookeeper-ts_${version}_amd64.deb"
# Written aside and renamed into place: a test in another lane reading the .deb while this
# runs sees the whole old file or the whole new one, never a part.
dpkg-deb --root-owner-group -Zgzip --build "$deb_root" "$deb.part.$$" >/dev/null
mv -f "$deb.part.$$" "$deb"
echo "built $deb"
fi

# --- .rpm
if [[ " $only " == *" rpm "* ]]; then
rpm_top=$(mktemp -d)
mkdir -p "$rpm_top"/{BUILD,RPMS,SOURCES,SPECS,SRPMS,BUILDROOT}
stage "$rpm_top/SOURCES/root" /usr/lib /etc/rc.d/init.d
install -D -m 0644 packaging/common/default "$rpm_top/SOURCES/root/etc/sysconfig/zookeeper"
rpmbuild -bb --quiet \
  --define "_topdir $rpm_top" \
  --define "zk_version $version" \
  --define "zk_staged $rpm_top/SOURCES/root" \
  packaging/rpm/zookeeper-ts.spec
rpm="dist/zookeeper-ts-${version}-1.x86_64.rpm"
cp "$rpm_top/RPMS/x86_64/zookeeper-ts-${version}-1.x86_64.rpm" "$rpm.part.$$"
mv -f "$rpm.part.$$" "$rpm"
echo "built $rpm"
fi
