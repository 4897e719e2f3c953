#!/bin/bash
# zkServer.sh, as Apache ZooKeeper 3.8's, over zookeeper-ts: the same usage, commands,
# output and exit statuses, the pid file in dataDir and the .out file in ZOO_LOG_DIR, so
# that an operator's scripts and runbooks run unchanged.
#   zkServer.sh [--config <conf-dir>] {start|start-foreground|stop|version|restart|status|print-cmd} [zoo.cfg]
# Not here: the JMX lines (there is no JVM).
ZOOBINDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$ZOOBINDIR/zkEnv.sh"

# A zoo.cfg named after the command: in ZOOCFGDIR, unless the name has a directory.
if [ -n "$2" ]; then
    case "$2" in
        */*) ZOOCFG=$2 ;;
        *) ZOOCFG="$ZOOCFGDIR/$2" ;;
    esac
fi

# Apache's start looks once, a second after; here start returns as soon as the server
# serves, or when it exits, or after this many seconds alive (an ensemble member waiting
# for its quorum, or a long database load: STARTED, as Apache says then).
START_CHECK_s=3
# How long stop waits for the server to exit (it bounds its own shutdown at 5 s).
STOP_WAIT_s=10
# Between two looks at the server while waiting.
POLL_s=0.1

if [ "$1" != status ]; then # status names the config itself
    echo "Using config: $ZOOCFG" >&2
fi

# As Apache's: the dataDir line as written holds the pid file.
ZOO_DATADIR=$(grep "^[[:space:]]*dataDir" "$ZOOCFG" 2>/dev/null | sed -e 's/.*=//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')
if [ -z "$ZOOPIDFILE" ]; then
    [ -d "$ZOO_DATADIR" ] || mkdir -p "$ZOO_DATADIR"
    ZOOPIDFILE="$ZOO_DATADIR/zookeeper_server.pid"
else
    mkdir -p "$(dirname "$ZOOPIDFILE")"
fi
[ -w "$ZOO_LOG_DIR" ] || mkdir -p "$ZOO_LOG_DIR"
_ZOO_DAEMON_OUT="$ZOO_LOG_DIR/zookeeper-$USER-server-$HOSTNAME.out"

# Whether the process is there and not a zombie.
alive() {
    kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

serving() {
    "$ZOOKEEPER_TS" status "$ZOOCFG" 2>/dev/null | grep -q '^Mode: '
}

case $1 in
start)
    echo -n "Starting zookeeper ... "
    if [ -f "$ZOOPIDFILE" ] && alive "$(cat "$ZOOPIDFILE")"; then
        echo "already running as process $(cat "$ZOOPIDFILE")."
        exit 1
    fi
    nohup "$ZOOKEEPER_TS" server "$ZOOCFG" >"$_ZOO_DAEMON_OUT" 2>&1 </dev/null &
    pid=$!
    if ! echo -n "$pid" >"$ZOOPIDFILE"; then
        echo FAILED TO WRITE PID
        exit 1
    fi
    deadline=$((SECONDS + START_CHECK_s))
    while alive "$pid" && ! serving && [ $SECONDS -lt $deadline ]; do
        sleep "$POLL_s"
    done
    if alive "$pid"; then
        echo STARTED
    else
        echo FAILED TO START
        exit 1
    fi
    ;;
start-foreground)
    exec "$ZOOKEEPER_TS" server "$ZOOCFG"
    ;;
print-cmd)
    echo "\"$ZOOKEEPER_TS\" server \"$ZOOCFG\" > \"$_ZOO_DAEMON_OUT\" 2>&1 < /dev/null"
    ;;
stop)
    echo -n "Stopping zookeeper ... "
    if [ ! -f "$ZOOPIDFILE" ]; then
        echo "no zookeeper to stop (could not find file $ZOOPIDFILE)"
    else
        pid=$(cat "$ZOOPIDFILE")
        kill "$pid"
        rm "$ZOOPIDFILE"
        deadline=$((SECONDS + STOP_WAIT_s))
        while alive "$pid" && [ $SECONDS -lt $deadline ]; do
            sleep "$POLL_s"
        done
        echo STOPPED
    fi
    exit 0
    ;;
version)
    # Apache's shape, "<name>, version <version> <build date>", for scripts that cut it.
    "$ZOOKEEPER_TS" version | sed -e 's/^zookeeper-ts \([^,]*\), built on /zookeeper-ts, version \1 /'
    ;;
restart)
    shift
    "$0" --config "$ZOOCFGDIR" stop "$@"
    "$0" --config "$ZOOCFGDIR" start "$@"
    ;;
status)
    exec "$ZOOKEEPER_TS" status "$ZOOCFG"
    ;;
*)
    # Apache's prints the usage and exits 0.
    echo "Usage: $0 [--config <conf-dir>] {start|start-foreground|stop|version|restart|status|print-cmd}" >&2
    ;;
esac
