// The Leader core and our Learner core wired together in memory (3 and 5 members, an
// observer): sync by DIFF, TRUNC and SNAP as Apache's syncFollower picks them, commits only
// on a quorum and in zxid order, the syncLimit and quorum checks, rollover.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpCode } from '../../../src/jute/constants';
import { Leader, type LeaderEffect } from '../../../src/quorum/leader';
import { Learner } from '../../../src/quorum/learner';
import { packet, PacketType, packetName, type QuorumPacket } from '../../../src/quorum/quorum-packet';
import { makeZxid, MAX_COUNTER, zxidToString } from '../../../src/quorum/zxid';
import type { Txn } from '../../../src/tree/txn';
import { encodeTxn } from '../../../src/persistence/txn-codec';

function txn(zxid: number): Txn {
  return { hdr: { clientId: 1n, cxid: zxid % 1000, zxid, time: 1_700_000_000_000, type: OpCode.create }, body: { kind: 'create', path: `/n${zxid}`, data: null, acl: [], ephemeral: false, parentCVersion: 0 } };
}
const e1 = (c: number) => makeZxid(1, c);

interface Member {
  sid: bigint;
  core: Learner;
  logged: number[];
  committed: number[];
  /** Whether its fsyncs complete (false: a stuck disk, no ACKs). */
  fsync: boolean;
  unpersisted: number[];
  /** Whether its packets reach the leader (false: a dead or partitioned member). */
  alive: boolean;
  currentEpoch: number;
  sync?: string;
  closed?: string;
  got: string[];
}

/** An ensemble in memory: our leader (sid = voters' last), learners, a lossless network delivered until quiet. */
class Ensemble {
  readonly leader: Leader;
  readonly members = new Map<number, Member>();
  readonly leaderCommits: number[] = [];
  leaderFsync = true;
  private leaderUnpersisted: number[] = [];
  failed: string | undefined;
  serving = false;
  private toLeader: { learner: number; p: QuorumPacket }[] = [];
  private toLearner: { learner: number; p: QuorumPacket; snapshot?: object }[] = [];
  readonly leaderEffects: LeaderEffect[] = [];
  /**
   * The leader's txn log, as its database answers 'readTxnLog': the whole history by
   * default; [] as the database answers past the size limit or when the log starts later.
   */
  txnLog: Txn[] | undefined;

  constructor(
    readonly voters: bigint[],
    readonly myid: bigint,
    start: { lastProcessedZxid: number; committedLog: Txn[]; acceptedEpoch?: number; currentEpoch?: number; txnLogSyncEnabled?: boolean },
    readonly observers: bigint[] = [],
  ) {
    this.leader = new Leader(
      { myid, isVoter: (s) => voters.includes(s), containsQuorum: (s) => [...s].filter((x) => voters.includes(x)).length * 2 > voters.length, initLimit: 10, syncLimit: 5, configText: 'version=0', configVersion: 0 },
      { acceptedEpoch: start.acceptedEpoch ?? 0, currentEpoch: start.currentEpoch ?? 0, lastProcessedZxid: start.lastProcessedZxid, committedLog: start.committedLog, txnLogSyncEnabled: start.txnLogSyncEnabled },
    );
    this.leader.step({ kind: 'start' });
    this.flush();
  }

  /** A learner with this history connects. */
  join(id: number, sid: bigint, history: { acceptedEpoch: number; currentEpoch: number; logged: number[] } = { acceptedEpoch: 0, currentEpoch: 0, logged: [] }, fsync = true): Member {
    const type = this.observers.includes(sid) ? 'observer' : 'participant';
    const last = history.logged.at(-1) ?? 0;
    const m: Member = { sid, core: new Learner({ myid: sid, learnerType: type, initLimit: 10, syncLimit: 5, configVersion: 0 }, { acceptedEpoch: history.acceptedEpoch, currentEpoch: history.currentEpoch, lastLoggedZxid: last }), logged: [...history.logged], committed: [...history.logged], fsync, unpersisted: [], alive: true, currentEpoch: history.currentEpoch, got: [] };
    this.members.set(id, m);
    this.leader.step({ kind: 'connected', learner: id });
    m.core.step({ kind: 'connected' });
    this.flush();
    return m;
  }

  propose(n = 1): void {
    for (let i = 0; i < n; i++) this.leader.step({ kind: 'propose', txn: txn(this.leader.lastProposedZxid + 1) });
    this.flush();
  }

  halfTicks(n: number): void {
    for (let i = 0; i < n; i++) {
      this.leader.step({ kind: 'halfTick' });
      if (i % 2 === 1) for (const m of this.members.values()) if (m.alive && !m.closed) m.core.step({ kind: 'tick' });
      this.flush();
    }
  }

  fsyncNow(m: Member): void {
    const upTo = m.unpersisted.at(-1);
    m.unpersisted = [];
    if (upTo !== undefined) m.core.step({ kind: 'persisted', upTo });
    this.flush();
  }

  leaderFsyncNow(): void {
    const upTo = this.leaderUnpersisted.at(-1);
    this.leaderUnpersisted = [];
    if (upTo !== undefined) this.leader.step({ kind: 'persisted', upTo });
    this.flush();
  }

  /** A raw packet from a learner, as if its core had sent it. */
  inject(id: number, p: QuorumPacket): void {
    this.toLeader.push({ learner: id, p });
    this.flush();
  }

  flush(): void {
    for (let rounds = 0; rounds < 10_000; rounds++) {
      // Effects may step a core again (a completed fsync): drain until none is left.
      for (let more = true; more; ) {
        more = false;
        for (const e of this.leader.ready()) (more = true), this.leaderEffect(e);
        for (const [id, m] of this.members) for (const e of m.core.ready()) (more = true), this.learnerEffect(id, m, e);
      }
      const inbound = this.toLeader.splice(0);
      const outbound = this.toLearner.splice(0);
      if (inbound.length === 0 && outbound.length === 0) return;
      for (const { learner, p } of inbound) if (this.members.get(learner)?.alive) this.leader.step({ kind: 'packet', learner, packet: p });
      for (const { learner, p, snapshot } of outbound) {
        const m = this.members.get(learner)!;
        if (!m.alive || m.closed) continue;
        m.got.push(packetName(p.type));
        m.core.step({ kind: 'packet', packet: p, snapshot });
      }
    }
    assert.fail('the ensemble never went quiet');
  }

  private leaderEffect(e: LeaderEffect): void {
    this.leaderEffects.push(e);
    switch (e.kind) {
      case 'send':
        return void this.toLearner.push({ learner: e.learner, p: e.packet });
      case 'sendSnapshot':
        return void this.toLearner.push({ learner: e.learner, p: packet(PacketType.SNAP, e.zxid), snapshot: { committed: [...this.leaderCommitsWithStart()] } });
      case 'close':
        this.members.get(e.learner)!.closed = e.reason;
        return;
      case 'log':
        this.leaderUnpersisted.push(...e.txns.map((t) => t.hdr.zxid));
        if (this.leaderFsync) {
          const upTo = e.txns.at(-1)!.hdr.zxid;
          this.leaderUnpersisted = [];
          this.leader.step({ kind: 'persisted', upTo });
        }
        return;
      case 'commit':
        return void this.leaderCommits.push(e.txn.hdr.zxid);
      case 'readTxnLog': {
        const log = this.txnLog ?? [...this.leaderCommitsWithStart()].map(txn);
        // As the database's: from the start of the log (the core skips what the peer has), none past upTo.
        const proposals = log.filter((t) => t.hdr.zxid <= e.upTo).map((t) => ({ zxid: t.hdr.zxid, data: encodeTxn(t) }));
        return this.leader.step({ kind: 'txnLog', learner: e.learner, proposals });
      }
      case 'serving':
        this.serving = true;
        return;
      case 'fail':
        this.failed = e.reason;
        return;
      default:
        return;
    }
  }

  startHistory: number[] = [];
  private leaderCommitsWithStart(): number[] {
    return [...this.startHistory, ...this.leaderCommits];
  }

  private learnerEffect(id: number, m: Member, e: ReturnType<Learner['ready']>[number]): void {
    switch (e.kind) {
      case 'send':
        if (e.packet.type === PacketType.ACKEPOCH) m.sync = undefined;
        return void this.toLeader.push({ learner: id, p: e.packet });
      case 'truncate':
        m.sync = `TRUNC ${e.zxid}`;
        m.logged = m.logged.filter((z) => z <= e.zxid);
        m.committed = m.committed.filter((z) => z <= e.zxid);
        return;
      case 'loadSnapshot':
        m.sync = 'SNAP';
        m.committed = [...(e.snapshot as { committed: number[] }).committed];
        m.logged = [];
        return;
      case 'applyUnlogged':
        m.committed.push(e.txn.hdr.zxid);
        return;
      case 'log':
        m.logged.push(...e.txns.map((t) => t.hdr.zxid));
        m.unpersisted.push(...e.txns.map((t) => t.hdr.zxid));
        if (m.fsync) {
          const upTo = e.txns.at(-1)!.hdr.zxid;
          m.unpersisted = [];
          m.core.step({ kind: 'persisted', upTo });
        }
        return;
      case 'commit':
        m.committed.push(e.txn.hdr.zxid);
        return;
      case 'ping':
        return void this.toLeader.push({ learner: id, p: packet(PacketType.PING, e.packet.zxid, Buffer.alloc(0)) });
      case 'setCurrentEpoch':
        m.currentEpoch = e.epoch;
        return;
      case 'fail':
        m.closed = `learner: ${e.reason}`;
        return;
      default:
        return;
    }
  }
}

function syncOf(m: Member): string {
  return m.sync ?? (m.got.includes('DIFF') ? 'DIFF' : '?');
}

test('3 members from nothing: the epoch is max(accepted)+1, an empty DIFF each, NEWLEADER acked by a quorum, then serving', () => {
  const ens = new Ensemble([1n, 2n, 3n], 3n, { lastProcessedZxid: 0, committedLog: [], acceptedEpoch: 4, currentEpoch: 4 });
  // Follower 1 accepted epoch 6 once but never got past it (its currentEpoch is ours).
  const a = ens.join(1, 1n, { acceptedEpoch: 6, currentEpoch: 4, logged: [] });
  assert.equal(syncOf(a), 'DIFF');
  assert.equal(ens.serving, true);
  assert.equal(a.currentEpoch, 7, 'epoch = max(accepted epochs of the quorum) + 1');
  // Once serving, the leader's last processed zxid is the new epoch's zxid 0 and nothing is
  // committed yet: a learner at zxid 0 is outside that window and gets a SNAP (so does Apache).
  const b = ens.join(2, 2n);
  assert.deepEqual(b.got.slice(0, 4), ['LEADERINFO', 'SNAP', 'NEWLEADER', 'UPTODATE']);
  assert.equal(b.currentEpoch, 7);
  assert.ok(ens.leaderEffects.findIndex((e) => e.kind === 'setAcceptedEpoch') < ens.leaderEffects.findIndex((e) => e.kind === 'setCurrentEpoch'));
});

test('a follower that waits for the epoch quorum gets LEADERINFO once the quorum is in; alone with us nothing is proposed', () => {
  const ens = new Ensemble([1n, 2n, 3n, 4n, 5n], 5n, { lastProcessedZxid: 0, committedLog: [] });
  const a = ens.join(1, 1n);
  assert.deepEqual(a.got, [], 'two of five: no epoch yet');
  ens.join(2, 2n);
  assert.equal(a.got[0], 'LEADERINFO');
  assert.equal(ens.serving, true);
});

test('commit only on a quorum of voters: 5 members, a PROPOSAL acked by us and one follower is not committed; the third ACK commits it', () => {
  const ens = new Ensemble([1n, 2n, 3n, 4n, 5n], 5n, { lastProcessedZxid: 0, committedLog: [] });
  const ms = [1, 2, 3, 4].map((i) => ens.join(i, BigInt(i)));
  assert.equal(ens.serving, true);
  for (const m of ms.slice(1)) m.fsync = false;
  ens.propose();
  const z = makeZxid(1, 1);
  assert.deepEqual(ens.leaderCommits, [], 'us and follower 1: 2 of 5');
  assert.deepEqual(ms[0]!.committed, []);
  ens.fsyncNow(ms[1]!);
  assert.deepEqual(ens.leaderCommits, [z], '3 of 5');
  assert.deepEqual(ms[0]!.committed, [z]);
});

test('the leader counts itself only once its own log is durable', () => {
  const ens = new Ensemble([1n, 2n, 3n], 3n, { lastProcessedZxid: 0, committedLog: [] });
  const a = ens.join(1, 1n);
  ens.join(2, 2n).fsync = false;
  ens.leaderFsync = false;
  ens.propose();
  assert.deepEqual(ens.leaderCommits, [], 'follower 1 alone is not a quorum');
  ens.leaderFsyncNow();
  assert.deepEqual(ens.leaderCommits, [makeZxid(1, 1)]);
  assert.deepEqual(a.committed, [makeZxid(1, 1)]);
});

test('commits strictly in zxid order: a quorum for N+1 waits for N', () => {
  const ens = new Ensemble([1n, 2n, 3n], 3n, { lastProcessedZxid: 0, committedLog: [] });
  const a = ens.join(1, 1n);
  const b = ens.join(2, 2n);
  a.fsync = false;
  b.fsync = false;
  ens.leaderFsync = false;
  ens.propose(2);
  ens.leaderFsyncNow();
  ens.inject(1, packet(PacketType.ACK, makeZxid(1, 2)));
  assert.deepEqual(ens.leaderCommits, [], 'N+1 has {3, 1} but N has only {3}');
  ens.inject(2, packet(PacketType.ACK, makeZxid(1, 1)));
  assert.deepEqual(ens.leaderCommits, [makeZxid(1, 1), makeZxid(1, 2)]);
});

test('sync: DIFF with the missing PROPOSAL+COMMIT pairs, an empty DIFF when even, TRUNC when ahead, SNAP when older than the window', () => {
  const history = [1, 2, 3, 4, 5].map(e1);
  const start = { lastProcessedZxid: e1(5), committedLog: history.slice(2).map(txn), acceptedEpoch: 1, currentEpoch: 1 };
  const ens = new Ensemble([1n, 2n, 3n, 4n, 5n], 5n, start);
  ens.startHistory = history;
  const at = (n: number) => ({ acceptedEpoch: 1, currentEpoch: 1, logged: history.slice(0, n) });
  const diff = ens.join(1, 1n, at(3));
  const even = ens.join(2, 2n, at(5));
  assert.equal(ens.serving, true);
  assert.equal(syncOf(diff), 'DIFF');
  assert.deepEqual(diff.got.slice(0, 7), ['LEADERINFO', 'DIFF', 'PROPOSAL', 'COMMIT', 'PROPOSAL', 'COMMIT', 'NEWLEADER']);
  assert.deepEqual(diff.committed, history);
  assert.deepEqual(even.got.slice(0, 3), ['LEADERINFO', 'DIFF', 'NEWLEADER']);
  const ahead = ens.join(3, 3n, { acceptedEpoch: 1, currentEpoch: 1, logged: [...history, e1(6), e1(7)] });
  assert.equal(syncOf(ahead), `TRUNC ${e1(5)}`);
  assert.deepEqual(ahead.committed, history);
  const old = ens.join(4, 4n, at(1));
  assert.equal(syncOf(old), 'SNAP');
  assert.deepEqual(old.committed, history);
  for (const m of [diff, even, ahead, old]) assert.equal(m.closed, undefined);
  ens.propose();
  for (const m of [diff, even, ahead, old]) assert.deepEqual([m.closed, m.committed.at(-1)], [undefined, makeZxid(2, 1)], JSON.stringify(m.got));
});

test('a follower ahead of the leader at ACKEPOCH (higher epoch, or same epoch and higher zxid) is refused, as Apache does', () => {
  const ens = new Ensemble([1n, 2n, 3n], 3n, { lastProcessedZxid: e1(2), committedLog: [], acceptedEpoch: 1, currentEpoch: 1 });
  const ahead = ens.join(1, 1n, { acceptedEpoch: 1, currentEpoch: 1, logged: [e1(1), e1(2), e1(3)] });
  assert.match(ahead.closed ?? '', /Follower is ahead of the leader/);
  assert.equal(ens.serving, false);
});

test('proposals made while a learner syncs reach it, after its sync and in order', () => {
  const ens = new Ensemble([1n, 2n, 3n], 3n, { lastProcessedZxid: 0, committedLog: [] });
  ens.join(1, 1n);
  ens.propose(2);
  // The next learner's FOLLOWERINFO, then proposals before its ACKEPOCH and after it.
  const b = ens.join(2, 2n, { acceptedEpoch: 0, currentEpoch: 0, logged: [] });
  ens.propose(1);
  assert.deepEqual(b.committed, [1, 2, 3].map((c) => makeZxid(1, c)));
  assert.equal(b.closed, undefined);
});

test('an observer gets INFORM after each commit, no PROPOSAL, and does not count toward a quorum', () => {
  const ens = new Ensemble([1n, 2n, 3n], 3n, { lastProcessedZxid: 0, committedLog: [] }, [9n]);
  const obs = ens.join(9, 9n);
  assert.equal(ens.serving, false, 'an observer is no voter');
  const a = ens.join(1, 1n);
  assert.equal(ens.serving, true);
  assert.equal(obs.got.at(-1), 'UPTODATE');
  a.fsync = false;
  ens.propose();
  assert.deepEqual(ens.leaderCommits, [], 'us and an observer: no quorum');
  assert.ok(!obs.got.slice(4).includes('PROPOSAL'));
  ens.fsyncNow(a);
  assert.deepEqual(obs.committed, [makeZxid(1, 1)]);
  assert.equal(obs.got.at(-1), 'INFORM');
});

test('a follower that does not ack within syncLimit is dropped; without a quorum synced the leader fails', () => {
  const ens = new Ensemble([1n, 2n, 3n], 3n, { lastProcessedZxid: 0, committedLog: [] });
  const a = ens.join(1, 1n);
  const b = ens.join(2, 2n);
  b.fsync = false; // stuck disk: pings answered, proposals never acked
  ens.propose();
  ens.halfTicks(2 * 5 - 1);
  assert.equal(b.closed, undefined);
  ens.halfTicks(1);
  assert.match(b.closed ?? '', /transaction timeout/);
  assert.equal(ens.failed, undefined, 'us and follower 1 are a quorum');
  a.alive = false; // silent from now on
  ens.halfTicks(2 * 5 + 4);
  assert.match(ens.failed ?? '', /Not sufficient followers synced, only synced with sids: \[ 3 \]/);
});

test('a synced follower that answers pings keeps the leader going', () => {
  const ens = new Ensemble([1n, 2n, 3n], 3n, { lastProcessedZxid: 0, committedLog: [] });
  ens.join(1, 1n);
  ens.halfTicks(100);
  assert.equal(ens.failed, undefined);
});

test('discovery is bounded by initLimit: no quorum of FOLLOWERINFO in time and the leader fails', () => {
  const ens = new Ensemble([1n, 2n, 3n], 3n, { lastProcessedZxid: 0, committedLog: [] });
  ens.halfTicks(2 * 10 + 1);
  assert.equal(ens.failed, 'Timeout while waiting for epoch from quorum');
});

test('SYNC is answered after the commits proposed before it', () => {
  const ens = new Ensemble([1n, 2n, 3n], 3n, { lastProcessedZxid: 0, committedLog: [] });
  const a = ens.join(1, 1n);
  a.fsync = false;
  ens.propose();
  ens.leader.step({ kind: 'sync', learner: 1 });
  ens.flush();
  assert.ok(!a.got.includes('SYNC'));
  ens.fsyncNow(a);
  assert.deepEqual(a.got.slice(-2), ['COMMIT', 'SYNC']);
});

test('zxid rollover: the last counter of an epoch is never proposed; the leader gives up for a new epoch (ZOOKEEPER-1277)', () => {
  const ens = new Ensemble([1n, 2n, 3n], 3n, { lastProcessedZxid: 0, committedLog: [] });
  ens.join(1, 1n);
  ens.leader.step({ kind: 'propose', txn: txn(makeZxid(1, MAX_COUNTER)) });
  ens.flush();
  assert.match(ens.failed ?? '', /rolled over/);
});

test('a learner whose sync is slow to reach its disk: PINGs unanswered until UPTODATE, the forwarded PROPOSAL acked after NEWLEADER and so committed (found by test/sim)', () => {
  const ens = new Ensemble([1n, 2n, 3n], 3n, { lastProcessedZxid: 0, committedLog: [] });
  const a = ens.join(1, 1n);
  a.fsync = false; // follower 1 never acks from here on
  ens.propose();
  const z = makeZxid(1, 1);
  // Follower 2 joins while z is outstanding: z reaches it in the sync, logged at NEWLEADER,
  // and its disk is slow, so the NEWLEADER ACK waits.
  const b = ens.join(2, 2n, undefined, false);
  assert.deepEqual(b.got.slice(0, 4), ['LEADERINFO', 'SNAP', 'PROPOSAL', 'NEWLEADER']);
  ens.halfTicks(4);
  // Apache's syncWithLeader ignores PING; a PING answer here is not the ACK the leader reads next.
  assert.equal(b.closed, undefined, 'the leader dropped the learner for answering a PING during its sync');
  assert.deepEqual(ens.leaderCommits, []);
  ens.fsyncNow(b);
  assert.deepEqual(ens.leaderCommits, [z], 'z must commit on the ACKs of the leader and follower 2');
  assert.deepEqual(b.committed.at(-1), z);
});

test('a learner older than the window: DIFF from the txn log up to the window, then the window, each txn once; SNAP past the size limit, or with the log off', () => {
  // 12 txns in epoch 1; the leader's window holds only the last 4 (9..12), its log all 12.
  const history = Array.from({ length: 12 }, (_, i) => e1(i + 1));
  const start = { lastProcessedZxid: e1(12), committedLog: history.slice(8).map(txn), acceptedEpoch: 1, currentEpoch: 1, txnLogSyncEnabled: true };
  const ens = new Ensemble([1n, 2n, 3n, 4n, 5n, 6n, 7n], 7n, start);
  ens.startHistory = history;
  const at = (n: number) => ({ acceptedEpoch: 1, currentEpoch: 1, logged: history.slice(0, n) });
  // Two in sync first, so the quorum forms (epoch 2) and the others sync as they connect.
  ens.join(5, 5n, at(12));
  ens.join(6, 6n, at(12));
  ens.join(2, 2n, at(12));
  assert.equal(ens.serving, true);
  const old = ens.join(1, 1n, at(3));
  const asked = ens.leaderEffects.find((e) => e.kind === 'readTxnLog');
  assert.deepEqual(asked, { kind: 'readTxnLog', learner: 1, peerLastZxid: e1(3), upTo: e1(9) }, 'the log is read up to the window\'s first txn');
  const sent = ens.leaderEffects.filter((e) => e.kind === 'send' && e.learner === 1).map((e) => (e.kind === 'send' ? `${packetName(e.packet.type)} ${zxidToString(e.packet.zxid)}` : ''));
  // DIFF carries the last committed zxid; then 4..9 from the log (9 is its last, the window's
  // first), 10..12 from the window: each once, each PROPOSAL with its COMMIT.
  const pairs = history.slice(3).flatMap((z) => [`PROPOSAL ${zxidToString(z)}`, `COMMIT ${zxidToString(z)}`]);
  assert.deepEqual(sent.slice(0, -1), [`LEADERINFO ${zxidToString(makeZxid(2, 0))}`, `DIFF ${zxidToString(e1(12))}`, ...pairs, `NEWLEADER ${zxidToString(makeZxid(2, 0))}`]);
  assert.equal(syncOf(old), 'DIFF');
  assert.deepEqual(old.committed, history);
  const proposals = ens.leaderEffects.filter((e) => e.kind === 'send' && e.learner === 1 && e.packet.type === PacketType.PROPOSAL);
  assert.deepEqual(proposals.map((e) => (e.kind === 'send' ? e.packet.data : undefined)), history.slice(3).map((z) => encodeTxn(txn(z))), 'each PROPOSAL carries the txn as logged');
  // The database answers nothing past the size limit (snapshotSizeFactor x the snapshot): SNAP.
  ens.txnLog = [];
  const big = ens.join(3, 3n, at(2));
  assert.equal(syncOf(big), 'SNAP');
  assert.deepEqual(big.committed, history);
  // A log that ends before the window starts (a gap): SNAP too.
  ens.txnLog = history.slice(0, 6).map(txn);
  const gap = ens.join(4, 4n, at(2));
  assert.equal(syncOf(gap), 'SNAP');
  for (const m of [old, big, gap]) assert.equal(m.closed, undefined);
  ens.propose();
  for (const m of [old, big, gap]) assert.equal(m.committed.at(-1), makeZxid(2, 1));
});

test('with txn-log sync off (snapshotSizeFactor < 0) a learner older than the window gets a SNAP and the log is not read', () => {
  const history = Array.from({ length: 12 }, (_, i) => e1(i + 1));
  const ens = new Ensemble([1n, 2n, 3n], 3n, { lastProcessedZxid: e1(12), committedLog: history.slice(8).map(txn), acceptedEpoch: 1, currentEpoch: 1, txnLogSyncEnabled: false });
  ens.startHistory = history;
  const old = ens.join(1, 1n, { acceptedEpoch: 1, currentEpoch: 1, logged: history.slice(0, 3) });
  assert.equal(syncOf(old), 'SNAP');
  assert.equal(ens.leaderEffects.some((e) => e.kind === 'readTxnLog'), false);
});
