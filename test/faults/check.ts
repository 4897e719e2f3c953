// Every checker over one run's histories: what the fault runs call once a run has ended.

import { checkEphemerals } from './check-ephemerals';
import { checkRegisterLinearizable } from './check-linearizable';
import { checkSessionReads, checkSessionZxids, checkSyncedReads } from './check-session';
import { checkSet } from './check-set';
import type { CheckResult, Histories } from './history';

/**
 * One checker's verdict. promised: ZooKeeper promises the property, so an anomaly is a bug;
 * false for what it does not promise (reads that are not synced may be stale), whose
 * result is reported as what the server did.
 */
export type NamedCheckResult = CheckResult & { checker: string; promised: boolean };

export function checkAll(h: Histories): NamedCheckResult[] {
  const writes = h.register.filter((op) => op.f !== 'read');
  return [
    // ZooKeeper orders every write in one total order (the zxid): setData and its version
    // check are linearizable. A plain read is served by whichever member the client is on,
    // which may lag: reads are sequentially consistent, not linearizable.
    { checker: 'register-writes-linearizable', promised: true, ...checkRegisterLinearizable(writes, h.registerInitial) },
    { checker: 'register-reads-linearizable', promised: false, ...checkRegisterLinearizable(h.register, h.registerInitial) },
    // "A client never sees older state": per session, zxids and versions never go back.
    { checker: 'session-zxids-monotonic', promised: true, ...checkSessionZxids(h) },
    { checker: 'session-reads-sequential', promised: true, ...checkSessionReads(h) },
    // sync + read: Apache documents it as the way to read what was written before, but
    // sync is not a quorum operation and Jepsen found it stale on Apache: reported, not promised.
    { checker: 'synced-read-not-stale', promised: false, ...checkSyncedReads(h) },
    { checker: 'set', promised: true, ...checkSet(h.set) },
    { checker: 'ephemerals', promised: true, ...checkEphemerals(h.ephemeral) },
  ];
}
