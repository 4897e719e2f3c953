"""Continuous client load for the rolling-restart and upgrade tests: one kazoo client
(python3-kazoo: it fails over between members and resumes its session, as a Kafka broker's
client does) on the whole ensemble, with an ephemeral node of its session, creating
sequential nodes one after another until its stdin closes. It prints one line per event:
  session <id>            the session, once connected
  ack <path>              a create the ensemble acknowledged
  unknown                 a create whose outcome the client cannot know (connection lost)
  state <KazooState>      a change of the connection's state (LOST: the session expired)
  done <id> <ephemeral>   at the end: the session then, and whether its ephemeral is there
Run with /usr/bin/python3:  python3 kazoo_load.py host:port,host:port,...
"""
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import ConnectionLoss, SessionExpiredError, OperationTimeoutError

HOSTS = sys.argv[1]
# The session outlives a member's restart and a re-election (seconds) with room to spare;
# the servers' default maxSessionTimeout (20 ticks of 2 s) allows 40 s.
SESSION_TIMEOUT_S = 30
# A create's wait for its answer: a failover to another member takes a second or two.
REQUEST_TIMEOUT_S = 10
# Between creates: a steady stream (tens a second) without flooding two loaded cores.
PAUSE_S = 0.02


# The listener's thread and the main one both print: one whole line at a time.
said = threading.Lock()


def say(*words):
    with said:
        sys.stdout.write(" ".join(str(w) for w in words) + "\n")
        sys.stdout.flush()


stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()

zk = KazooClient(hosts=HOSTS, timeout=SESSION_TIMEOUT_S)
listener = lambda state: say("state", state)  # noqa: E731
zk.add_listener(listener)
zk.start(timeout=30)
session = zk.client_id[0]
say("session", hex(session))
zk.ensure_path("/load")
zk.create("/load-owner", b"", ephemeral=True)

n = 0
while not stop.is_set():
    n += 1
    try:
        path = zk.create_async("/load/w-", str(n).encode(), sequence=True).get(timeout=REQUEST_TIMEOUT_S)
        say("ack", path)
    except (ConnectionLoss, OperationTimeoutError):
        say("unknown")
        time.sleep(0.2)
    except SessionExpiredError:
        say("state", "EXPIRED")
        break
    time.sleep(PAUSE_S)

# The connection may be between members: wait (bounded) until it is back.
deadline = time.time() + REQUEST_TIMEOUT_S
while not zk.connected and time.time() < deadline:
    time.sleep(0.1)
owner = zk.exists("/load-owner")
say("done", hex(zk.client_id[0]), "ephemeral" if owner and owner.ephemeralOwner == session else "no-ephemeral")
# Our own stop ends the session (LOST): not an event of the run.
zk.remove_listener(listener)
zk.stop()
