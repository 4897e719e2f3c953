// Fast leader election on the pure core: peers exchange notifications through an in-memory
// queue (delivered in a seeded random order), timers are stepped by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FastLeaderElection, type ElectionQuorum } from '../../../src/quorum/fast-leader-election';
import { decodeNotification, encodeNotification, type Notification } from '../../../src/quorum/notification';
import { ServerState } from '../../../src/quorum/vote';

function majority(ids: bigint[]): ElectionQuorum {
  return {
    isVoter: (id) => ids.includes(id),
    voters: () => ids,
    containsQuorum: (acks) => [...acks].filter((a) => ids.includes(a)).length > Math.floor(ids.length / 2),
  };
}

/** A seeded PRNG (mulberry32), so an order that fails can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Peer {
  fle: FastLeaderElection;
  up: boolean;
  timerArmed: boolean;
  elected?: { leader: bigint; state: ServerState };
}

/** Whether a peer's role stands: its leader leads, and a quorum of voters follows that leader. */
function isServed(p: Peer, peers: Map<bigint, Peer>, quorum: ElectionQuorum): boolean {
  const leader = p.elected!.leader;
  if (peers.get(leader)?.elected?.state !== ServerState.LEADING) return false;
  const backing = new Set([...peers].filter(([, q]) => q.up && q.elected?.leader === leader).map(([id]) => id));
  return quorum.containsQuorum(backing);
}

/** Runs an election to its end: messages in random order, now and then a timer. */
function elect(ids: bigint[], logged: Map<bigint, { zxid: bigint; epoch: bigint }>, seed: number, down: bigint[] = [], observers: bigint[] = [], timerChance = 0) {
  const random = rng(seed);
  const quorum = majority(ids);
  const peers = new Map<bigint, Peer>();
  const inFlight: { to: bigint; from: bigint; bytes: Buffer }[] = [];
  for (const id of [...ids, ...observers]) {
    const fle = new FastLeaderElection({ myid: id, quorum, learnerType: observers.includes(id) ? 'observer' : 'participant', configText: 'version=0' });
    peers.set(id, { fle, up: !down.includes(id), timerArmed: false });
  }
  const drain = (id: bigint) => {
    const p = peers.get(id)!;
    const r = p.fle.ready();
    // Every message goes through the wire format, so the codec is exercised too.
    for (const m of r.send) inFlight.push({ to: m.to, from: id, bytes: encodeNotification(m.n) });
    if (r.timer_ms !== undefined) p.timerArmed = true;
    if (r.cancelTimer && r.timer_ms === undefined) p.timerArmed = false;
    if (r.elected) p.elected = { leader: r.elected.vote.leader, state: r.elected.state };
  };
  for (const [id, p] of peers) {
    if (!p.up) continue;
    const l = logged.get(id) ?? { zxid: 0n, epoch: 0n };
    p.fle.step({ kind: 'lookForLeader', lastLoggedZxid: l.zxid, currentEpoch: l.epoch });
    drain(id);
  }
  for (let steps = 0; steps < 100_000; steps++) {
    const live = [...peers.values()].filter((p) => p.up);
    if (live.every((p) => p.elected)) {
      // As a QuorumPeer does after the election: a follower whose leader does not lead,
      // and a leader that no quorum follows, give up (initLimit) and look again.
      const lost = live.filter((p) => !isServed(p, peers, quorum));
      if (lost.length === 0) return peers;
      for (const p of lost) {
        p.elected = undefined;
        const id = [...peers].find(([, q]) => q === p)![0];
        const l = logged.get(id) ?? { zxid: 0n, epoch: 0n };
        p.fle.step({ kind: 'lookForLeader', lastLoggedZxid: l.zxid, currentEpoch: l.epoch });
        drain(id);
      }
      continue;
    }
    // With a timerChance, timers fire now and then while messages fly too (a slow network):
    // an observer and a looking voter answer each other endlessly, as in Apache, and must
    // not starve the clocks of the others.
    if (inFlight.length > 0 && random() >= timerChance) {
      const [m] = inFlight.splice(Math.floor(random() * inFlight.length), 1);
      const to = peers.get(m!.to);
      if (!to?.up) continue;
      const n = decodeNotification(m!.bytes) as Notification;
      to.fle.step({ kind: 'notification', from: m!.from, n });
      drain(m!.to);
      continue;
    }
    const armed = live.filter((p) => p.timerArmed);
    if (armed.length === 0) {
      assert.ok(inFlight.length > 0, 'no message in flight and no timer armed: the election is stuck');
      continue;
    }
    const p = armed[Math.floor(random() * armed.length)]!;
    p.timerArmed = false;
    p.fle.step({ kind: 'timeout', delivered: true });
    drain([...peers].find(([, q]) => q === p)![0]);
  }
  assert.fail('the election did not end in 100,000 steps');
}

test('three peers with equal zxids elect the largest id; the others follow it', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const peers = elect([1n, 2n, 3n], new Map(), seed);
    for (const [id, p] of peers) {
      assert.equal(p.elected!.leader, 3n, `seed ${seed}: server ${id}`);
      assert.equal(p.elected!.state, id === 3n ? ServerState.LEADING : ServerState.FOLLOWING);
    }
  }
});

test('the peer with the highest epoch, then the highest zxid, wins over larger ids', () => {
  const logged = new Map([
    [1n, { zxid: 0x100000005n, epoch: 1n }],
    [2n, { zxid: 0x100000009n, epoch: 1n }],
    [3n, { zxid: 0x100000004n, epoch: 1n }],
    [4n, { zxid: 0x100000009n, epoch: 1n }],
    [5n, { zxid: 0x100000001n, epoch: 1n }],
  ]);
  for (let seed = 1; seed <= 100; seed++) {
    for (const p of elect([1n, 2n, 3n, 4n, 5n], logged, seed).values()) assert.equal(p.elected!.leader, 4n, `seed ${seed}`);
  }
  logged.set(1n, { zxid: 0x200000000n, epoch: 2n });
  for (let seed = 1; seed <= 100; seed++) {
    for (const p of elect([1n, 2n, 3n, 4n, 5n], logged, seed).values()) assert.equal(p.elected!.leader, 1n, `seed ${seed}`);
  }
});

test('two of three peers elect a leader without the third', () => {
  for (let seed = 1; seed <= 100; seed++) {
    const peers = elect([1n, 2n, 3n], new Map(), seed, [3n]);
    assert.equal(peers.get(1n)!.elected!.leader, 2n);
    assert.equal(peers.get(2n)!.elected!.state, ServerState.LEADING);
  }
});

/** Every peer settled on one leader, which leads; voters follow it, observers observe. */
function assertAgreement(peers: Map<bigint, Peer>, observers: bigint[], seed: number): bigint {
  const leader = peers.get(1n)!.elected!.leader;
  for (const [id, p] of peers) {
    if (!p.up) continue;
    const state = id === leader ? ServerState.LEADING : observers.includes(id) ? ServerState.OBSERVING : ServerState.FOLLOWING;
    assert.deepEqual(p.elected, { leader, state }, `seed ${seed}: server ${id}`);
  }
  return leader;
}

test('an observer learns the leader and observes, and is never proposed', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const peers = elect([1n, 2n, 3n], new Map(), seed, [], [9n], 0.05);
    assert.notEqual(assertAgreement(peers, [9n], seed), 9n);
  }
});

test('on a slow network (timers firing while votes are in flight) all peers still settle on one leader', () => {
  for (let seed = 1; seed <= 200; seed++) assertAgreement(elect([1n, 2n, 3n, 4n, 5n], new Map(), seed, [], [], 0.2), [], seed);
});

test('a peer that starts late joins the leader the others already follow', () => {
  const quorum = majority([1n, 2n, 3n]);
  const mk = (id: bigint) => new FastLeaderElection({ myid: id, quorum, learnerType: 'participant', configText: '' });
  const late = mk(3n);
  late.step({ kind: 'lookForLeader', lastLoggedZxid: 0n, currentEpoch: 0n });
  late.ready();
  // Servers 1 and 2 settled on 2 in round 1; 3 is in round 1 too and hears them.
  const following = { state: ServerState.FOLLOWING, leader: 2n, zxid: 0n, electionEpoch: 1n, peerEpoch: 0n, version: 2 };
  late.step({ kind: 'notification', from: 1n, n: following });
  assert.equal(late.ready().elected, undefined, 'one follower alone does not make a leader');
  late.step({ kind: 'notification', from: 2n, n: { ...following, state: ServerState.LEADING } });
  assert.deepEqual(late.ready().elected?.state, ServerState.FOLLOWING);
  assert.equal(late.currentVote.leader, 2n);
});

test('once it serves in the new epoch, a peer tells that epoch to peers that look (updateElectionVote, ZOOKEEPER-1732)', () => {
  const quorum = majority([1n, 2n, 3n]);
  const leader = new FastLeaderElection({ myid: 3n, quorum, learnerType: 'participant', configText: '' });
  leader.step({ kind: 'lookForLeader', lastLoggedZxid: 0x100000005n, currentEpoch: 1n });
  leader.ready();
  // 1 and 2 vote for 3 in round 1 (epoch 1); once the wait for a better vote is over, 3 leads.
  const looking = { state: ServerState.LOOKING, leader: 3n, zxid: 0x100000005n, electionEpoch: 1n, peerEpoch: 1n, version: 2 };
  leader.step({ kind: 'notification', from: 1n, n: looking });
  leader.step({ kind: 'notification', from: 2n, n: looking });
  leader.step({ kind: 'timeout', delivered: true });
  assert.equal(leader.ready().elected?.state, ServerState.LEADING);
  const answer = () => {
    leader.step({ kind: 'notification', from: 2n, n: { ...looking, leader: 2n, electionEpoch: 1n } });
    return leader.ready().send.find((m) => m.to === 2n)!.n;
  };
  assert.equal(answer().peerEpoch, 1n, 'elected with the epoch it had');
  leader.updateElectionVote(2n);
  const n = answer();
  assert.deepEqual([n.state, n.leader, n.peerEpoch], [ServerState.LEADING, 3n, 2n]);
});

test('notifications: version 2 round-trips with its config; the 28- and 40-byte forms of older peers are read', () => {
  const n = { state: ServerState.LEADING, leader: 3n, zxid: 0x500000002n, electionEpoch: 7n, peerEpoch: 5n, version: 2, config: 'server.1=a:1:2:participant\nversion=0' };
  assert.deepEqual(decodeNotification(encodeNotification(n)), n);
  const full = encodeNotification(n);
  assert.deepEqual(decodeNotification(full.subarray(0, 28)), { state: 2, leader: 3n, zxid: 0x500000002n, electionEpoch: 7n, peerEpoch: 5n, version: 0 });
  assert.equal((decodeNotification(full.subarray(0, 40)) as Notification).version, 0);
  assert.equal(typeof decodeNotification(full.subarray(0, 27)), 'string');
  assert.equal(typeof decodeNotification(full.subarray(0, 37)), 'string');
  const lying = Buffer.from(full);
  lying.writeInt32BE(10_000, 40);
  assert.match(decodeNotification(lying) as string, /announces 10000 bytes/);
});
