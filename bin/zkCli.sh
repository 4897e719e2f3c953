#!/bin/bash
# zkCli.sh, as Apache ZooKeeper's: `zkCli.sh [--config <dir>] [-server host:port] [cmd args]`
# runs zookeeper-ts's zkCli-compatible shell, with its output and exit status.
ZOOBINDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$ZOOBINDIR/zkEnv.sh"
exec "$ZOOKEEPER_TS" cli "$@"
