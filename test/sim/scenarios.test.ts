// The 3.9 bugs issue 10 names, each a scripted schedule on the simulated ensemble that puts
// a core in that bug's window, then heals, settles and checks every invariant (checker.ts
// also checks the bug's own property at the moment it would break: an ACK before the disk,
// currentEpoch before the log, a PROPOSAL ACK before NEWLEADER's, a gap in the window).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PacketType } from '../../src/quorum/quorum-packet';
import { counterOf } from '../../src/quorum/zxid';
import { txnKey } from './checker';
import type { Member } from './member';
import { World } from './world';

function ensemble(seed: number, participants = 3): World {
  const w = new World({ seed, participants, observers: 0, chaos_ms: 0, settle_ms: 30_000, faults: false });
  w.start();
  return w;
}
function leaderOf(w: World): Member | undefined {
  return w.members.find((m) => m.role.kind === 'leading' && m.servingUnder(m.sid));
}
function until(w: World, what: string, done: () => boolean, ms = 15_000): void {
  if (!w.run(w.now + ms, done)) assert.fail(`scenario: ${what} did not happen within ${ms} ms`);
}
function settledWrites(w: World, n: number): Member {
  const l = leaderOf(w)!;
  for (let i = 0; i < n; i++) w.write(l);
  until(w, `${n} writes committed`, () => l.servingUnder(l.sid));
  return l;
}
function established(w: World): Member {
  until(w, 'a leader', () => leaderOf(w) !== undefined && w.members.filter((m) => m.up).every((m) => m.servingUnder(leaderOf(w)!.sid)));
  return leaderOf(w)!;
}
function follower(w: World, l: Member): Member {
  return w.members.find((m) => m !== l && m.up)!;
}

test('ZOOKEEPER-4394: a PROPOSAL and its COMMIT between NEWLEADER and UPTODATE are applied, in order, to the txn they name', () => {
  const w = ensemble(4394);
  const l = established(w);
  const f = follower(w, l);
  settledWrites(w, 2); // so that f comes back inside the leader's window: a DIFF, its txns logged at NEWLEADER
  w.crash(f.sid);
  settledWrites(w, 3);
  f.fsyncDelay_ms = 300; // its NEWLEADER ACK waits for the disk while the leader goes on
  w.restart(f.sid);
  until(w, 'the follower got NEWLEADER', () => f.role.kind === 'following' && (f.role.conn?.seenByLearner.includes('NEWLEADER') ?? false));
  for (let i = 0; i < 3; i++) w.write(l);
  until(w, 'the follower serving', () => f.servingUnder(l.sid));
  const seen = (f.role.kind === 'following' && f.role.conn?.seenByLearner) || [];
  const between = seen.slice(seen.indexOf("NEWLEADER"), seen.indexOf("UPTODATE"));
  if (process.env.SIM_TRACE) console.log(seen.join(" "));
  assert.ok(between.includes('COMMIT'), `a COMMIT between NEWLEADER and UPTODATE: ${between.join(' ')}`);
  f.fsyncDelay_ms = undefined;
  w.settleAndCheck();
});

test('ZOOKEEPER-4643: a follower crashes right after currentEpoch moves; what its sync received is on its disk', () => {
  const w = ensemble(4643);
  const l = established(w);
  const f = follower(w, l);
  w.crash(f.sid);
  settledWrites(w, 4);
  let crashed = false;
  w.hooks.learnerEffect = (m, e) => {
    if (m === f && e.kind === 'setCurrentEpoch' && !crashed) (crashed = true), w.at(0, () => w.crash(f.sid));
  };
  w.restart(f.sid);
  until(w, 'the crash after setCurrentEpoch', () => crashed && !f.up);
  assert.equal(f.disk.replay().length, l.applied.length, 'every txn of the sync survived the crash');
  w.hooks = {};
  w.crash(l.sid); // the others must now elect among themselves, with f's log as it is
  w.restart(f.sid);
  w.settleAndCheck();
});

test('ZOOKEEPER-4646: followers crash right after ACKing NEWLEADER; no acknowledged write is lost', () => {
  const w = ensemble(4646, 5);
  const l = established(w);
  const [a, b] = w.members.filter((m) => m !== l);
  w.crash(a!.sid);
  w.crash(b!.sid);
  settledWrites(w, 5);
  let acks = 0;
  w.hooks.learnerEffect = (m, e) => {
    if ((m === a || m === b) && e.kind === 'send' && e.packet.type === PacketType.ACK && counterOf(e.packet.zxid) === 0) acks++, w.at(0, () => w.crash(m.sid));
  };
  a!.fsyncDelay_ms = b!.fsyncDelay_ms = 200;
  w.restart(a!.sid);
  w.restart(b!.sid);
  until(w, 'both crashed after their NEWLEADER ACK', () => acks >= 2 && !a!.up && !b!.up);
  w.hooks = {};
  a!.fsyncDelay_ms = b!.fsyncDelay_ms = undefined;
  // The old leader and one of its followers go: a and b must carry the writes.
  w.crash(l.sid);
  w.crash(w.members.find((m) => m.up)!.sid);
  w.restart(a!.sid);
  w.restart(b!.sid);
  w.settleAndCheck();
});

test('ZOOKEEPER-4685: PROPOSALs forwarded during a sync are ACKed only after NEWLEADER, and the leader keeps the follower', () => {
  const w = ensemble(4685);
  const l = established(w);
  const f = follower(w, l);
  const other = w.members.find((m) => m !== l && m !== f)!;
  w.crash(f.sid);
  other.fsyncDelay_ms = 400; // proposals stay outstanding, so the sync forwards them
  for (let i = 0; i < 3; i++) w.write(l);
  let dropped = '';
  w.hooks.leaderEffect = (_m, e) => {
    if (e.kind === 'close' && /supposed to be an ACK/.test(e.reason)) dropped = e.reason;
  };
  f.fsyncDelay_ms = 100;
  w.restart(f.sid);
  until(w, 'the follower serving', () => f.servingUnder(l.sid));
  const seen = (f.role.kind === 'following' && f.role.conn?.seenByLearner) || [];
  assert.ok(seen.slice(0, seen.indexOf('NEWLEADER')).includes('PROPOSAL'), `a PROPOSAL forwarded before NEWLEADER: ${seen.join(' ')}`);
  assert.equal(dropped, '');
  other.fsyncDelay_ms = f.fsyncDelay_ms = undefined;
  w.hooks = {};
  w.settleAndCheck();
});

test('ZOOKEEPER-2845 / 3911: a leader rejoins with a txn only it logged; it is truncated away everywhere, tree included', () => {
  const w = ensemble(2845);
  const l = established(w);
  w.hooks.zabSend = (_c, fromLeader, p) => !(fromLeader && p.type === PacketType.PROPOSAL);
  w.write(l);
  const lonely = l.disk.log.at(-1)!;
  until(w, 'the lonely txn durable on the leader', () => l.disk.synced === l.disk.log.length);
  w.crash(l.sid);
  w.hooks = {};
  until(w, 'a new leader', () => leaderOf(w) !== undefined);
  settledWrites(w, 3);
  w.restart(l.sid);
  w.settleAndCheck();
  for (const m of w.members) assert.ok(!m.applied.some((t) => txnKey(t) === txnKey(lonely)), `${m.name} kept the uncommitted txn`);
});

test('ZOOKEEPER-3911: a txn logged on the leader and one follower, never committed, is committed by the next leader and reaches the third by DIFF', () => {
  const w = ensemble(3911);
  const l = established(w);
  const [a, c] = w.members.filter((m) => m !== l);
  w.hooks.zabSend = (conn, fromLeader, p) => !((fromLeader && conn.learner === c && p.type === PacketType.PROPOSAL) || (!fromLeader && p.type === PacketType.ACK && counterOf(p.zxid) > 0));
  w.write(l);
  const txn = l.disk.log.at(-1)!;
  until(w, 'the txn on the leader and follower a', () => a!.disk.log.some((t) => t.hdr.zxid === txn.hdr.zxid));
  w.crash(l.sid);
  w.hooks = {};
  until(w, 'a new leader', () => leaderOf(w) !== undefined);
  w.restart(l.sid);
  w.settleAndCheck();
  for (const m of w.members) assert.ok(m.applied.some((t) => t.hdr.zxid === txn.hdr.zxid), `${m.name} lacks the txn the new leader committed`);
});

test('ZOOKEEPER-4925: a follower synced by DIFF while writes flowed becomes leader; its window has no gap and a stale member catches up by DIFF', () => {
  const w = ensemble(4925, 5);
  const l = established(w);
  const [b, stale] = w.members.filter((m) => m !== l);
  settledWrites(w, 2);
  w.crash(stale!.sid);
  w.crash(b!.sid);
  settledWrites(w, 3);
  w.restart(b!.sid);
  for (let i = 0; i < 4; i++) w.write(l); // committed while b syncs
  until(w, 'b serving', () => b!.servingUnder(l.sid));
  settledWrites(w, 2);
  // Every other member but b goes: b leads (Member.lead checks its window is its history's tail).
  for (const m of w.members) if (m !== b && m !== stale) w.crash(m.sid);
  w.restart(stale!.sid);
  for (const m of w.members) if (!m.up && m !== stale) w.restart(m.sid);
  w.settleAndCheck();
});

test('ZOOKEEPER-4882: a follower whose fsync fails restarts from its disk (never goes on from memory); no acknowledged write is lost', () => {
  const w = ensemble(4882);
  const l = established(w);
  const f = follower(w, l);
  f.failNextFsync = true;
  settledWrites(w, 4);
  w.crash(l.sid);
  until(w, 'a new leader', () => leaderOf(w) !== undefined);
  w.restart(l.sid);
  w.settleAndCheck();
});
