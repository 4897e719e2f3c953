# What zkServer.sh, zkCli.sh and zkCleanup.sh share, as Apache ZooKeeper's zkEnv.sh gives
# them: `--config <dir>` (taken off the arguments), ZOOCFGDIR, ZOOCFG, ZOO_LOG_DIR, the
# settings an operator kept in zookeeper-env.sh or java.env, and the executable.
# Sourced by bash.

# The executable these commands run (another one for a test or a local build).
ZOOKEEPER_TS=${ZOOKEEPER_TS:-/usr/bin/zookeeper-ts}

if [ $# -gt 1 ] && [ "$1" = --config ]; then
    ZOOCFGDIR=$2
    shift 2
fi
# The package's config directory (Apache's tarball has conf/, Debian's /etc/zookeeper/conf).
ZOOCFGDIR=${ZOOCFGDIR:-/etc/zookeeper}
# Apache's own places for local settings, so that the JVMFLAGS and ZOO_LOG_DIR of an
# existing setup still apply. (The service's /etc/default/zookeeper is the service's.)
for zk_env_file in "$ZOOCFGDIR/zookeeper-env.sh" "$ZOOCFGDIR/java.env"; do
    # shellcheck disable=SC1090
    [ -r "$zk_env_file" ] && . "$zk_env_file"
done
unset zk_env_file
ZOOCFG="$ZOOCFGDIR/${ZOOCFG:-zoo.cfg}"
ZOO_LOG_DIR=${ZOO_LOG_DIR:-/var/log/zookeeper}
# The server reads the -D options of these (src/config/jvm-flags.ts).
export SERVER_JVMFLAGS JVMFLAGS ZOO_LOG4J_PROP
# The executable would honour a NODE_OPTIONS meant for something else.
export NODE_OPTIONS=
