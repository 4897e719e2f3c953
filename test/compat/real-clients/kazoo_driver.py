"""kazoo (python3-kazoo) drives a ZooKeeper server (or an ensemble) through its recipes and prints a
transcript that is the same on every run against the same kind of server: no times, zxids
or session ids, children sorted, every wait bounded. Run with /usr/bin/python3 (Debian's
Python, which has kazoo):  python3 kazoo_driver.py host:port[,host:port...]
"""
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException
from kazoo.protocol.states import KazooState

HOSTS = sys.argv[1]
WAIT_S = 10


def say(*words):
    print(*words, flush=True)


CLIENTS_MADE = [0]


def client():
    # Against an ensemble (host:port,host:port,...) each client starts on the next member,
    # so that the recipes run across members: a, b and c on the first, second and third.
    hosts = HOSTS.split(",")
    turn = CLIENTS_MADE[0] % len(hosts)
    CLIENTS_MADE[0] += 1
    c = KazooClient(hosts=",".join(hosts[turn:] + hosts[:turn]), timeout=10, randomize_hosts=False)
    c.start(timeout=15)
    return c


def wait_until(what, check):
    deadline = time.time() + WAIT_S
    while not check():
        if time.time() > deadline:
            say("TIMEOUT waiting for", what)
            sys.exit(2)
        time.sleep(0.01)


def shown_stat(stat):
    """The Stat fields two servers must agree on after the same operations."""
    return (
        f"version={stat.version} cversion={stat.cversion} aversion={stat.aversion} "
        f"dataLength={stat.dataLength} numChildren={stat.numChildren} "
        f"ephemeral={stat.ephemeralOwner != 0} czxid<=mzxid={stat.czxid <= stat.mzxid}"
    )


def error_name(fn):
    try:
        fn()
        return "ok"
    except KazooException as e:
        return type(e).__name__


# Against an ensemble, a read on one member after another client's write on another member
# is promised that write only after a sync (ZooKeeper's sequential consistency): every such
# read below syncs first, or Apache's own transcript differs from run to run.


def section(name):
    say(f"== {name}")


a = client()
b = client()

section("basics")
say(a.create("/k", b"root"))
say(error_name(lambda: a.create("/k")))
say(error_name(lambda: a.get("/k/none")))
say(a.create("/k/seq-", b"x", sequence=True), a.create("/k/seq-", sequence=True))
a.ensure_path("/k/deep/er/path")
data, stat = a.get("/k")
say(data, shown_stat(stat))
say(a.set("/k", b"root2").version, error_name(lambda: a.set("/k", b"x", version=7)))
say(error_name(lambda: a.delete("/k/deep")), error_name(lambda: a.delete("/k/deep/er", version=3)))
a.delete("/k/deep", recursive=True)
# b may be on another member of an ensemble: sync, so that it reads after a's deletes.
b.sync("/k")
say(sorted(b.get_children("/k")), b.exists("/k/none"))
say("ruok:", a.command(b"ruok"))

section("lock")
alice_lock = a.Lock("/k/lock", "alice")
bob_lock = b.Lock("/k/lock", "bob")
say("alice acquired", alice_lock.acquire(timeout=WAIT_S))
say("bob without blocking", bob_lock.acquire(blocking=False))
bob_got = threading.Event()
threading.Thread(target=lambda: bob_lock.acquire(timeout=WAIT_S) and bob_got.set(), daemon=True).start()
wait_until("bob to queue for the lock", lambda: len(alice_lock.contenders()) == 2)
say("contenders", alice_lock.contenders())
alice_lock.release()
wait_until("bob to take the lock", bob_got.is_set)
say("bob acquired after release; contenders", bob_lock.contenders())
bob_lock.release()
a.sync("/k/lock")
say("contenders after all released", alice_lock.contenders())

section("election")
elected = []
leave = {"alice": threading.Event(), "bob": threading.Event()}


def lead(name):
    elected.append(name)
    leave[name].wait(WAIT_S)


alice_election = a.Election("/k/election", "alice")
bob_election = b.Election("/k/election", "bob")
threading.Thread(target=lambda: alice_election.run(lead, "alice"), daemon=True).start()
wait_until("alice to be elected", lambda: elected == ["alice"])
threading.Thread(target=lambda: bob_election.run(lead, "bob"), daemon=True).start()
wait_until("bob to stand", lambda: len(bob_election.contenders()) == 2)
say("leader", elected, "contenders", bob_election.contenders())
leave["alice"].set()
wait_until("bob to be elected", lambda: elected == ["alice", "bob"])
say("leaders in turn", elected)
leave["bob"].set()

section("barrier")
barrier = a.Barrier("/k/barrier")
barrier.create()
passed = []
threading.Thread(target=lambda: passed.append(b.Barrier("/k/barrier").wait(WAIT_S)), daemon=True).start()
wait_until("bob to watch the barrier", lambda: b.exists("/k/barrier") is not None)
time.sleep(0.2)
say("waiting behind barrier", passed)
barrier.remove()
wait_until("bob to pass", lambda: passed == [True])
say("passed after remove", passed, b.exists("/k/barrier"))

section("counter")
counter = a.Counter("/k/counter")
counter += 5
counter -= 2
other = b.Counter("/k/counter")
other += 10
a.sync("/k/counter")
say("counter", counter.value, other.value)
say("float counter", a.Counter("/k/fcounter", default=0.5).value)

section("queue")
queue = a.Queue("/k/queue")
queue.put(b"one")
queue.put(b"two")
queue.put(b"urgent", priority=10)
say("queued", len(queue))
consumer = b.Queue("/k/queue")
b.sync("/k/queue")
taken = [consumer.get() for _ in range(3)], consumer.get()
a.sync("/k/queue")
say("taken", *taken, len(queue))
locking = a.LockingQueue("/k/lqueue")
locking.put_all([b"x", b"y"])
got = b.LockingQueue("/k/lqueue").get(timeout=WAIT_S)
say("locking queue", got, len(locking))

section("children watch")
a.create("/k/cw")
seen = []
a.ChildrenWatch("/k/cw", lambda children: seen.append(sorted(children)))
wait_until("first call", lambda: len(seen) == 1)
for child in ["c1", "c2"]:
    b.create(f"/k/cw/{child}")
    wait_until(f"{child} seen", lambda: seen[-1] == sorted(b.get_children("/k/cw")))
b.delete("/k/cw/c1")
wait_until("delete seen", lambda: seen[-1] == ["c2"])
say("children seen", seen)

section("data watch")
a.create("/k/dw", b"d0")
data_seen = []


def on_data(data, stat, event):
    data_seen.append((data, stat.version if stat else None, event.type if event else None))


a.DataWatch("/k/dw", on_data)
wait_until("first call", lambda: len(data_seen) == 1)
b.set("/k/dw", b"d1")
wait_until("set seen", lambda: len(data_seen) == 2)
b.delete("/k/dw")
wait_until("delete seen", lambda: len(data_seen) == 3)
b.create("/k/dw", b"d2")
wait_until("re-create seen", lambda: len(data_seen) == 4)
say("data seen", data_seen)

section("raw watches")
events = []
b.get("/k", watch=events.append)
b.get_children("/k", watch=events.append)
b.exists("/k/later", watch=events.append)
a.set("/k", b"root3")
a.create("/k/later")
wait_until("three events", lambda: len(events) == 3)
say("events", sorted((e.type, e.state, e.path) for e in events))

section("transaction")
a.create("/k/tx", b"t")
tx = a.transaction()
tx.create("/k/tx/a", b"1")
tx.set_data("/k/tx", b"x", version=5)
tx.create("/k/tx/b", b"2")
b.sync("/k/tx")
say("failing", [type(r).__name__ for r in tx.commit()], sorted(b.get_children("/k/tx")))
tx = a.transaction()
tx.check("/k/tx", 0)
tx.create("/k/tx/a", b"1")
tx.create("/k/tx/s-", b"s", sequence=True)
tx.set_data("/k/tx", b"y")
tx.delete("/k/tx/a")
results = tx.commit()
say("passing", [r if isinstance(r, (str, bool)) else shown_stat(r) for r in results])
# b may be on another member: ZooKeeper promises b the commit only after a sync.
b.sync("/k/tx")
say("after", b.get("/k/tx")[0], sorted(b.get_children("/k/tx")))

section("ephemerals end with the session")
c = client()
c.create("/k/eph", b"e", ephemeral=True)
c.create("/k/eseq-", ephemeral=True, sequence=True)
# b, on another member, is promised c's creates only after a sync (Apache's once lagged by one).
b.sync("/k")
say("owned", sorted(p for p in b.get_children("/k") if p.startswith("e")), shown_stat(b.exists("/k/eph")))
say("child of ephemeral", error_name(lambda: c.create("/k/eph/child")))
gone = []
b.exists("/k/eph", watch=gone.append)
states = []
c.add_listener(states.append)
c.stop()
c.close()
wait_until("ephemeral deleted", lambda: len(gone) == 1)
say("watch", gone[0].type, gone[0].path, "closing client states", states)
say("left", sorted(p for p in b.get_children("/k") if p.startswith("e")))

section("end")
for name in sorted(a.get_children("/k")):
    a.delete(f"/k/{name}", recursive=True)
a.delete("/k")
b.sync("/")
say(sorted(b.get_children("/")))
for x in (a, b):
    x.stop()
    x.close()
say("done", KazooState.CONNECTED)
