// The invariants, checked as the run goes (each failure names the seed, the step and the
// simulated time) and once the run has settled:
// - at most one leader establishes itself (a NEWLEADER quorum: its 'serving') per epoch;
// - committed prefixes agree: `committed` is the one history every member's applied
//   history must be a prefix of, once that member serves (a leader must hold all of it);
// - zxids strictly increase on each member, in what it applies and in what it logs;
// - a learner's ACK never precedes the durability of what it acknowledges (ZOOKEEPER-4646),
//   no PROPOSAL is ACKed before NEWLEADER (4685), currentEpoch never moves ahead of the
//   synced txns (4643), and a restart finds epochs that agree with its log;
// - no acknowledged write is lost, and every member's tree (a real DataTree) is identical.
import { createHash } from 'node:crypto';
import { encodeTxn } from '../../src/persistence/txn-codec';
import type { DataTree } from '../../src/tree/data-tree';
import type { Txn } from '../../src/tree/txn';
import { zxidToString } from '../../src/quorum/zxid';

export class SimFailure extends Error {
  override readonly name = 'SimFailure';
}

const keys = new WeakMap<Txn, string>();
/** A txn's identity: its zxid and its bytes. */
export function txnKey(t: Txn): string {
  let k = keys.get(t);
  if (k === undefined) keys.set(t, (k = `${zxidToString(t.hdr.zxid)}:${encodeTxn(t).toString('base64')}`));
  return k;
}

export function describeTxn(t: Txn): string {
  const b = t.body;
  return `${zxidToString(t.hdr.zxid)} ${b.kind}${'path' in b ? ` ${b.path}` : ''}`;
}

/** Every node's path, data and stat, in snapshot order, hashed. */
export function treeDigest(tree: DataTree): string {
  const h = createHash('sha256');
  for (const [path, n] of tree.nodesInSnapshotOrder()) {
    const s = n.stat;
    h.update(`${path}\0${n.data?.toString('base64') ?? '-'}\0${s.czxid},${s.mzxid},${s.pzxid},${s.version},${s.cversion},${s.aversion},${s.ephemeralOwner}\n`);
  }
  return h.digest('hex').slice(0, 16);
}

export class Checker {
  /** The committed history: what established leaders held and committed, in order. */
  readonly committed: Txn[] = [];
  readonly leaders = new Map<number, string>();
  /** Acknowledged client writes: zxid → key. */
  readonly acked = new Map<number, string>();

  constructor(private readonly where: () => string) {}

  fail(what: string): never {
    throw new SimFailure(`${this.where()}: ${what}`);
  }

  established(epoch: number, who: string): void {
    const before = this.leaders.get(epoch);
    if (before !== undefined) this.fail(`two leaders established epoch ${epoch}: ${before} and ${who}`);
    this.leaders.set(epoch, who);
  }

  /** A leader starts serving with this history: it must hold everything committed, and what it has beyond becomes committed. */
  leaderHistory(who: string, applied: readonly Txn[]): void {
    for (let i = 0; i < this.committed.length; i++) {
      const c = this.committed[i]!;
      if (i >= applied.length) this.fail(`${who} established itself without the committed txn ${describeTxn(c)} (it has ${applied.length} of ${this.committed.length})`);
      if (txnKey(applied[i]!) !== txnKey(c)) this.fail(`${who} established itself with ${describeTxn(applied[i]!)} where ${describeTxn(c)} was committed (position ${i})`);
    }
    for (let i = this.committed.length; i < applied.length; i++) this.committed.push(applied[i]!);
  }

  /** A serving learner's history must be a prefix of the committed one. */
  learnerHistory(who: string, applied: readonly Txn[], from = 0): void {
    for (let i = from; i < applied.length; i++) {
      const c = this.committed[i];
      if (!c) this.fail(`${who} applied ${describeTxn(applied[i]!)}, which no leader committed (position ${i}, ${this.committed.length} committed)`);
      if (txnKey(applied[i]!) !== txnKey(c)) this.fail(`${who} applied ${describeTxn(applied[i]!)} where ${describeTxn(c)} was committed (position ${i})`);
    }
  }

  /** A serving leader committed txn at this position of its history. */
  leaderCommit(who: string, position: number, txn: Txn): void {
    const c = this.committed[position];
    if (c === undefined) {
      if (position !== this.committed.length) this.fail(`${who} committed ${describeTxn(txn)} at position ${position}, past the ${this.committed.length} committed`);
      this.committed.push(txn);
    } else if (txnKey(c) !== txnKey(txn)) {
      this.fail(`${who} committed ${describeTxn(txn)} where ${describeTxn(c)} was committed before (position ${position})`);
    }
  }

  ack(txn: Txn): void {
    this.acked.set(txn.hdr.zxid, txnKey(txn));
  }
}
