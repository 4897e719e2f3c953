// ZooKeeper's promises to one session, checked on a run's histories: a client never sees
// older state than it has seen (reply zxids and register versions never go back, its reads
// follow its own writes), every read sees a state the register really had (sequential
// consistency: writes are in one order, and a read sees a prefix of it), and a read right
// after a sync() sees every write acknowledged before the sync was invoked.

import type { CheckResult, Histories, Operation, RegisterOp } from './history';

type AnyOp = Operation<string, unknown, unknown>;

/** Per session, the zxid of each reply is at least that of every earlier reply. */
export function checkSessionZxids(h: Histories): CheckResult {
  const all: AnyOp[] = [...h.register, ...h.set, ...h.ephemeral, ...h.syncedRead];
  const replied = all.filter((op) => op.session !== undefined && op.zxid !== undefined && op.outcome !== 'unknown');
  let first: { at: number; witnesses: AnyOp[] } | null = null;
  for (const ops of bySession(replied).values()) {
    let highest: AnyOp | null = null;
    for (const op of ops) {
      if (highest !== null && op.zxid! < highest.zxid!) {
        if (first === null || op.completedAt < first.at) first = { at: op.completedAt, witnesses: [highest, op] };
        break;
      }
      if (highest === null || op.zxid! > highest.zxid!) highest = op;
    }
  }
  if (first === null) return { valid: true, operations: replied.length };
  return { valid: false, operations: replied.length, anomaly: 'session-zxid-went-back', witnesses: first.witnesses };
}

/**
 * Register reads, plain and synced: per session a read's version is at least every version
 * the session saw before (in a read, or as its own write's new version); and each read saw
 * a state the register had: the value the write that made that version wrote (one state
 * per version), or the initial state.
 */
export function checkSessionReads(h: Histories): CheckResult {
  const ops = [...h.register, ...h.syncedRead].filter((op) => op.outcome === 'ok' && op.output !== undefined);
  const reads = ops.filter((op) => op.f === 'read');
  let first = readOfStateNeverWritten(h);
  for (const session of bySession(ops.filter((op) => op.session !== undefined)).values()) {
    let highest: RegisterOp | null = null;
    for (const op of session) {
      const version = op.output!.version;
      if (op.f === 'read' && highest !== null && version < highest.output!.version) {
        if (first === null || op.completedAt < first.at) first = { at: op.completedAt, anomaly: 'session-read-went-back', witnesses: [highest, op] };
        break;
      }
      if (highest === null || version > highest.output!.version) highest = op;
    }
  }
  if (first === null) return { valid: true, operations: reads.length };
  return { valid: false, operations: reads.length, anomaly: first.anomaly, witnesses: first.witnesses };
}

/**
 * A read after sync() sees a version at least that of every write acknowledged before the
 * sync was invoked. Its own anomaly kind: Jepsen found sync + read not linearizable on
 * Apache ZooKeeper (sync is not a quorum operation), so this is reported as what each
 * server did.
 */
export function checkSyncedReads(h: Histories): CheckResult {
  const acked = h.register
    .filter((op) => op.f !== 'read' && op.outcome === 'ok' && op.output !== undefined)
    .sort((a, b) => a.completedAt - b.completedAt);
  const reads = h.syncedRead.filter((op) => op.f === 'read' && op.outcome === 'ok' && op.output !== undefined);
  // The highest version acknowledged by each write's completion, in completion order.
  const newest: RegisterOp[] = [];
  for (const w of acked) {
    const prev = newest[newest.length - 1];
    newest.push(prev !== undefined && prev.output!.version > w.output!.version ? prev : w);
  }
  let first: { at: number; witnesses: RegisterOp[] } | null = null;
  for (const r of reads) {
    const since = r.syncInvokedAt ?? r.invokedAt;
    const n = countBefore(acked, since);
    if (n === 0) continue;
    const w = newest[n - 1]!;
    if (r.output!.version < w.output!.version && (first === null || r.completedAt < first.at)) {
      first = { at: r.completedAt, witnesses: [w, r] };
    }
  }
  if (first === null) return { valid: true, operations: reads.length };
  return { valid: false, operations: reads.length, anomaly: 'stale-synced-read', witnesses: first.witnesses };
}

interface Found {
  at: number;
  anomaly: string;
  witnesses: unknown[];
}

/** The earliest read of a state the register never had, or null. */
function readOfStateNeverWritten(h: Histories): Found | null {
  const all = [...h.register, ...h.syncedRead];
  const written = new Map<number, RegisterOp>(); // version → the ok write or cas that made it
  const mayHaveWritten = new Set<number>(); // values of unknown writes and cas
  let lowestWritten = Infinity;
  for (const op of all) {
    if (op.f === 'read') continue;
    if (op.outcome === 'ok' && op.output !== undefined) {
      written.set(op.output.version, op);
      lowestWritten = Math.min(lowestWritten, op.output.version);
    } else if (op.outcome === 'unknown') mayHaveWritten.add(op.input.value);
  }
  const initial = h.registerInitial;
  const readAt = new Map<number, { value: number; op: RegisterOp }>(); // version → the first read of it
  const reads = all.filter((op): op is Extract<RegisterOp, { f: 'read' }> => op.f === 'read' && op.outcome === 'ok' && op.output !== undefined).sort((a, b) => a.completedAt - b.completedAt);
  const found = (r: RegisterOp, witnesses: unknown[]): Found => ({ at: r.completedAt, anomaly: 'read-of-state-never-written', witnesses });
  for (const r of reads) {
    const { value, version } = r.output!;
    const other = readAt.get(version);
    if (other !== undefined && other.value !== value) return found(r, [{ reason: 'two values read at one version' }, other.op, r]);
    if (other === undefined) readAt.set(version, { value, op: r });
    const w = written.get(version);
    if (w !== undefined) {
      if (w.input!.value !== value) return found(r, [{ reason: 'the write that made this version wrote another value' }, w, r]);
      continue;
    }
    if (initial !== undefined && version === initial.version) {
      if (initial.value !== value) return found(r, [{ reason: 'the initial state had another value', initial }, r]);
      continue;
    }
    // Without a known start, a version below every written one may be the initial state.
    if (initial === undefined && version < lowestWritten) continue;
    if (!mayHaveWritten.has(value)) return found(r, [{ reason: 'no operation that may have made this version wrote this value' }, r]);
  }
  return null;
}

/** The ops of each session in the order their replies came. */
function bySession<T extends AnyOp>(ops: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const op of ops) {
    let list = out.get(op.session!);
    if (list === undefined) out.set(op.session!, (list = []));
    list.push(op);
  }
  for (const list of out.values()) list.sort((a, b) => a.completedAt - b.completedAt || a.invokedAt - b.invokedAt);
  return out;
}

/** How many of sorted (by completedAt) completed strictly before t. */
function countBefore(sorted: AnyOp[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.completedAt < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
