# A kazoo client under load, for the migration test: one session (kazoo reconnects it to
# another member and re-registers its watches by itself) doing, one at a time, sequential
# creates under a parent and compare-and-set updates of a counter znode (get, then set
# with the version read), until its stdin closes. It holds one ephemeral and one data watch
# for the whole run (through kazoo's DataWatch). Every operation is printed as a JSON line in the shape of
# test/faults/history.ts (times in epoch ms, which the test maps onto its own clock); the
# last line is a summary: the sessions it had, whether it lost one, whether its ephemeral
# and watch are intact, and any reply header whose zxid went back.
#
# Run with Debian's python3 (/usr/bin/python3), which has kazoo:
#   kazoo-load.py HOSTS PROCESS SET_PARENT COUNTER EPH_PATH WATCH_PATH PAUSE_MS SESSION_TIMEOUT_MS
import json
import sys
import threading
import time

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import BadVersionError, KazooException, SessionExpiredError
from kazoo.handlers.threading import KazooTimeoutError

hosts, process, set_parent, counter, eph_path, watch_path = sys.argv[1:7]
process = int(process)
pause_s = int(sys.argv[7]) / 1000.0
session_timeout_s = int(sys.argv[8]) / 1000.0
# An operation that is not answered within this is 'unknown' (kazoo keeps it queued across a
# reconnect, so it may still take effect later); longer than any election seen here (~4 s).
OP_TIMEOUT_s = 15.0

out_lock = threading.Lock()


def emit(entry):
    with out_lock:
        sys.stdout.write(json.dumps(entry) + "\n")
        sys.stdout.flush()


def now_ms():
    return time.time() * 1000.0


class Client(KazooClient):
    """Watches every reply header's zxid as kazoo's connection thread records it."""

    backwards = []
    _seen = 0

    @property
    def last_zxid(self):
        return self._seen

    @last_zxid.setter
    def last_zxid(self, zxid):
        if zxid < self._seen:
            self.backwards.append({"from": self._seen, "to": zxid, "at": now_ms()})
        self._seen = zxid


zk = Client(hosts=hosts, timeout=session_timeout_s, connection_retry={"max_tries": -1, "delay": 0.1, "max_delay": 0.5})
states = []
zk.add_listener(lambda s: states.append((s, now_ms())))
zk.start(timeout=30)
sessions = [hex(zk.client_id[0])[2:]]


def session():
    sid = hex(zk.client_id[0])[2:] if zk.client_id else None
    if sid and sid != sessions[-1]:
        sessions.append(sid)
    return sid


zk.create(eph_path, str(process).encode(), ephemeral=True)
watch_events = []
# kazoo fires a plain watch with a NONE event and forgets it when the connection drops; its
# DataWatch recipe sets the watch again on every reconnect, as a kazoo user keeps a watch.
zk.DataWatch(watch_path, lambda data, stat, event: watch_events.append({"type": event.type, "path": event.path, "at": now_ms()}) if event and event.type != "NONE" else None)
emit({"ready": True, "session": sessions[0]})

stop = threading.Event()
commands = []
command_ready = threading.Condition()


def read_commands():
    """stdin: "stop" ends the load (then the summary), "watch" waits for the watch to fire; EOF closes."""
    for line in sys.stdin:
        with command_ready:
            commands.append(line.strip())
            command_ready.notify_all()
        if line.strip() == "stop":
            stop.set()
    with command_ready:
        commands.append("eof")
        command_ready.notify_all()
    stop.set()


threading.Thread(target=read_commands, daemon=True).start()


def run(f, inp, call, shape):
    """One operation: ok with its output, fail (BADVERSION: it did not take effect), or unknown."""
    entry = {"process": process, "session": session(), "f": f, "input": inp, "invokedAt": now_ms()}
    result = None
    try:
        result = call().get(timeout=OP_TIMEOUT_s)
        entry["output"] = shape(result)
        entry["outcome"] = "ok"
    except BadVersionError:
        entry["outcome"], entry["error"] = "fail", "BADVERSION"
    except SessionExpiredError:
        entry["outcome"], entry["error"] = "fail", "SESSIONEXPIRED"
    except KazooTimeoutError:
        entry["outcome"], entry["error"] = "unknown", "timeout"
    except KazooException as e:
        entry["outcome"], entry["error"] = "unknown", type(e).__name__
    entry["completedAt"] = now_ms()
    emit(entry)
    return entry


element = 0
while not stop.is_set():
    element += 1
    e = process * 1000000 + element
    run("add", {"element": e}, lambda: zk.create_async(set_parent + "/e-", str(e).encode(), sequence=True), lambda path: {"path": path})
    read = run("read", None, lambda: zk.get_async(counter), lambda r: {"value": int(r[0].decode()), "version": r[1].version})
    if read["outcome"] == "ok":
        value, version = read["output"]["value"], read["output"]["version"]
        run("cas", {"expectedVersion": version, "value": value + 1}, lambda: zk.set_async(counter, str(value + 1).encode(), version=version), lambda st: {"version": st.version})
    time.sleep(pause_s)

try:
    stat = zk.exists_async(eph_path).get(timeout=OP_TIMEOUT_s)
except (KazooException, KazooTimeoutError):
    stat = None  # reported as no owner: the check names it
emit({
    "summary": True,
    "sessions": sessions,
    "sessionLost": any(s == KazooState.LOST for s, _ in states),
    "states": [[s, t] for s, t in states],
    "ephemeralOwner": hex(stat.ephemeralOwner)[2:] if stat else None,
    "backwards": Client.backwards,
    "lastZxid": zk.last_zxid,
})
# The test changes the watched node, then says "watch": the watch set before the run fires now.
# The event comes within milliseconds of the change; 10 s is for a machine under load.
WATCH_WAIT_s = 10.0
with command_ready:
    command_ready.wait_for(lambda: "watch" in commands or "eof" in commands)
deadline = time.time() + WATCH_WAIT_s
while not watch_events and time.time() < deadline and "eof" not in commands:
    time.sleep(0.05)
emit({"watch": watch_events})
with command_ready:
    command_ready.wait_for(lambda: "eof" in commands)
zk.stop()
zk.close()
