// The set of sequential creates under one parent: no acknowledged add lost, none that
// failed present, no element twice, sequence numbers unique and in the order of adds that
// did not overlap in time, and no session's reads losing an element it saw before.

import type { CheckResult, SetOp } from './history';

type AddOp = Extract<SetOp, { f: 'add' }>;
type ReadOp = Extract<SetOp, { f: 'read' }>;

interface Found {
  at: number;
  anomaly: string;
  witnesses: unknown[];
}

export function checkSet(history: SetOp[]): CheckResult {
  const adds = history.filter((op): op is AddOp => op.f === 'add');
  const reads = history
    .filter((op): op is ReadOp => op.f === 'read' && op.outcome === 'ok' && op.output !== undefined)
    .sort((a, b) => a.completedAt - b.completedAt);
  const found = [lost(adds, reads), failedPresent(adds, reads), duplicated(reads), sequenceOrder(adds), readsLoseElements(reads)]
    .filter((f): f is Found => f !== null)
    .sort((a, b) => a.at - b.at);
  const first = found[0];
  if (first === undefined) return { valid: true, operations: history.length };
  return { valid: false, operations: history.length, anomaly: first.anomaly, witnesses: first.witnesses };
}

/**
 * The final read (the last one invoked) holds every add acknowledged before it was
 * invoked. An add still in flight then may or may not be in it.
 */
function lost(adds: AddOp[], reads: ReadOp[]): Found | null {
  const final = reads.reduce<ReadOp | null>((last, r) => (last === null || r.invokedAt > last.invokedAt ? r : last), null);
  if (final === null) return null;
  const present = new Set(final.output!.elements);
  const missing = adds.filter((a) => a.outcome === 'ok' && a.completedAt < final.invokedAt && !present.has(a.input.element));
  if (missing.length === 0) return null;
  return { at: final.completedAt, anomaly: 'lost', witnesses: [{ lost: missing.map((a) => a.input.element) }, ...missing.slice(0, 10), final] };
}

/** An add that certainly did not take effect is in no read. */
function failedPresent(adds: AddOp[], reads: ReadOp[]): Found | null {
  const failed = new Map<number, AddOp>();
  for (const a of adds) if (a.outcome === 'fail') failed.set(a.input.element, a);
  if (failed.size === 0) return null;
  for (const r of reads) {
    for (const e of r.output!.elements) {
      const a = failed.get(e);
      if (a !== undefined) return { at: r.completedAt, anomaly: 'failed-add-present', witnesses: [a, r] };
    }
  }
  return null;
}

/**
 * No read lists an element twice (the workload adds each element once; a create retried
 * after CONNECTIONLOSS that took effect twice shows here) nor a path twice.
 */
function duplicated(reads: ReadOp[]): Found | null {
  for (const r of reads) {
    const seen = new Set<number>();
    for (const e of r.output!.elements) {
      if (seen.has(e)) return { at: r.completedAt, anomaly: 'duplicate-element', witnesses: [{ element: e }, r] };
      seen.add(e);
    }
    if (new Set(r.output!.paths).size !== r.output!.paths.length) return { at: r.completedAt, anomaly: 'duplicate-path', witnesses: [r] };
  }
  return null;
}

/**
 * Acknowledged adds have distinct sequence numbers, and an add invoked after another was
 * acknowledged has a higher one (the parent's cversion only grows, in zxid order).
 */
function sequenceOrder(adds: AddOp[]): Found | null {
  const acked = adds.filter((a) => a.outcome === 'ok' && a.output !== undefined);
  const bySequence = new Map<number, AddOp>();
  for (const a of acked) {
    const n = sequenceNumber(a.output!.path);
    const other = bySequence.get(n);
    if (other !== undefined) return { at: Math.max(a.completedAt, other.completedAt), anomaly: 'duplicate-sequence-number', witnesses: [other, a] };
    bySequence.set(n, a);
  }
  // Sweep the invocations in time order, keeping the highest sequence number among the adds
  // acknowledged before each one.
  const byCompletion = [...acked].sort((a, b) => a.completedAt - b.completedAt);
  const byInvocation = [...acked].sort((a, b) => a.invokedAt - b.invokedAt);
  let done = 0;
  let highest: AddOp | null = null;
  let first: Found | null = null;
  for (const b of byInvocation) {
    while (done < byCompletion.length && byCompletion[done]!.completedAt < b.invokedAt) {
      const a = byCompletion[done++]!;
      if (highest === null || sequenceNumber(a.output!.path) > sequenceNumber(highest.output!.path)) highest = a;
    }
    if (highest !== null && sequenceNumber(highest.output!.path) > sequenceNumber(b.output!.path)) {
      if (first === null || b.completedAt < first.at) first = { at: b.completedAt, anomaly: 'sequence-number-out-of-order', witnesses: [highest, b] };
    }
  }
  return first;
}

/** Per session (or per client when no session is recorded), a read holds every element an earlier read saw. */
function readsLoseElements(reads: ReadOp[]): Found | null {
  const seenBy = new Map<string, { elements: Set<number>; from: Map<number, ReadOp> }>();
  for (const r of reads) {
    const who = r.session ?? `process ${r.process}`;
    let seen = seenBy.get(who);
    if (seen === undefined) seenBy.set(who, (seen = { elements: new Set(), from: new Map() }));
    const now = new Set(r.output!.elements);
    for (const e of seen.elements) {
      if (!now.has(e)) return { at: r.completedAt, anomaly: 'read-lost-element', witnesses: [{ element: e }, seen.from.get(e), r] };
    }
    for (const e of now) {
      if (!seen.elements.has(e)) {
        seen.elements.add(e);
        seen.from.set(e, r);
      }
    }
  }
  return null;
}

/** The counter ZooKeeper appends to a sequential node's name: its last ten digits. */
export function sequenceNumber(path: string): number {
  const m = /(\d{10})$/.exec(path);
  if (m === null) throw new Error(`not a sequential node's path: ${path}`);
  return Number(m[1]);
}
