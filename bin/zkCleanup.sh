#!/bin/bash
# zkCleanup.sh, as Apache ZooKeeper's: `zkCleanup.sh [--config <dir>] -n <count>` keeps the
# newest <count> snapshots of the dataDir (and dataLogDir) that zoo.cfg names, and the
# transaction logs they need, through `zookeeper-ts purge`.
ZOOBINDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$ZOOBINDIR/zkEnv.sh"

# As Apache's: the last dataDir= and dataLogDir= lines, as written.
ZOODATADIR=$(grep "^[[:space:]]*dataDir=" "$ZOOCFG" | sed -e 's/.*=//')
ZOODATALOGDIR=$(grep "^[[:space:]]*dataLogDir=" "$ZOOCFG" | sed -e 's/.*=//')

# The directories in PurgeTxnLog's order (dataLogDir, then the snapshots' dataDir), which
# `zookeeper-ts purge` takes, and the other arguments as Apache's script passes them.
# shellcheck disable=SC2048,SC2086
if [ -z "$ZOODATALOGDIR" ]; then
    exec "$ZOOKEEPER_TS" purge "$ZOODATADIR" $*
else
    exec "$ZOOKEEPER_TS" purge "$ZOODATALOGDIR" "$ZOODATADIR" $*
fi
