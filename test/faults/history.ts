// What the fault runs record and the checkers read: one entry per client operation, in the
// shape Jepsen's and Porcupine's checkers use (an invocation time, a completion time, and an
// outcome that says whether the operation certainly took effect, certainly did not, or may
// have). The workloads (test/faults) write these; the checkers (test/faults/check-*.ts) read
// them. Times are milliseconds on one monotonic clock (performance.now() of the recording
// process), so that "a completed before b was invoked" can be decided across clients.

/**
 * ok: the server answered and the operation took effect (or, for a read, this is what it saw).
 * fail: the operation certainly did not take effect (ZooKeeper answered an error such as
 *   BADVERSION or NODEEXISTS, or it was never sent).
 * unknown: no answer (CONNECTIONLOSS, a timeout, the process died): it may have taken effect
 *   at any moment after its invocation, or never. A checker treats it as completing at +∞.
 */
export type Outcome = 'ok' | 'fail' | 'unknown';

export interface Operation<F extends string, I, O> {
  /** The client that issued it; one client issues one operation at a time. */
  process: number;
  /** The ZooKeeper session (hex) the operation ran in, when it had one. */
  session?: string;
  f: F;
  input: I;
  /** Present when outcome is 'ok' (and for 'fail' when the error says something, e.g. BADVERSION). */
  output?: O;
  outcome: Outcome;
  /** The error ZooKeeper answered (its code name, e.g. 'BADVERSION'), or why there was no answer. */
  error?: string;
  invokedAt: number;
  /** When the answer came, or (for 'unknown') when the client gave up waiting. */
  completedAt: number;
  /** The zxid of the reply header, when there was a reply: a session's view never goes back. */
  zxid?: number;
  /**
   * For an entry of Histories.syncedRead: when the sync() before the read was invoked (the
   * writes ZooKeeper promises the read sees are those acknowledged before it). Without it
   * the read's own invokedAt is taken, a stricter demand.
   */
  syncInvokedAt?: number;
}

/**
 * A compare-and-set register: one znode whose data is a decimal number.
 * read: getData → the value and the znode's version.
 * write: setData with version -1 (unconditional) of input.value.
 * cas: setData of input.value with version input.expectedVersion; ok output is the new
 *   version; BADVERSION is outcome 'fail' (it did not take effect).
 */
export type RegisterOp =
  | Operation<'read', null, { value: number; version: number }>
  | Operation<'write', { value: number }, { version: number }>
  | Operation<'cas', { expectedVersion: number; value: number }, { version: number }>;

/**
 * A set of sequential creates under one parent.
 * add: create parent/e- (PERSISTENT_SEQUENTIAL) with input.element as data; ok output is the
 *   path the server gave.
 * read: getChildren of the parent (with each child's data when the workload reads them):
 *   output lists the elements seen.
 */
export type SetOp =
  | Operation<'add', { element: number }, { path: string }>
  | Operation<'read', null, { elements: number[]; paths: string[] }>;

/**
 * Ephemerals bound to sessions. Session lifecycle entries come from the session's own
 * client (established when the ConnectResponse came; expired when the server said so or
 * the client saw Expired; closed when closeSession was answered). Observations come from
 * other clients: exists(path) ok with output.exists true/false.
 * The checker takes each event to have happened inside its operation's interval, so a
 * session-expired's invokedAt is the last moment the session surely lived (when its client
 * last heard from the server: it may have expired any time after), its completedAt when the
 * client learned of it. An exists observation proves something only if it sees the latest
 * state: make it after a sync() (a member that lags may still show a deleted node, or not
 * yet show a created one, which ZooKeeper allows).
 */
export type EphemeralOp =
  | Operation<'session-established', { sessionTimeoutMs: number }, { session: string }>
  | Operation<'session-expired', null, null>
  | Operation<'session-closed', null, null>
  | Operation<'create-ephemeral', { path: string }, { path: string }>
  | Operation<'exists', { path: string; owner: string }, { exists: boolean; ephemeralOwner?: string }>;

/**
 * What a checker says: valid, or the first anomaly with the operations that show it, or
 * (valid 'unknown', as Jepsen's checkers say) that it gave up at a named bound before
 * deciding. Test with `valid === true`: 'unknown' is neither a pass nor a failure.
 */
export type CheckResult =
  | { valid: true; operations: number }
  | { valid: false; operations: number; anomaly: string; witnesses: unknown[] }
  | { valid: 'unknown'; operations: number; gaveUp: string };

/** Everything one run recorded, as the runner hands it to the checkers (test/faults/check.ts). */
export interface Histories {
  register: RegisterOp[];
  set: SetOp[];
  ephemeral: EphemeralOp[];
  /**
   * Reads of the register made right after a sync() answered in the same session: ZooKeeper
   * promises such a read sees every write acknowledged before the sync was invoked.
   */
  syncedRead: RegisterOp[];
  /**
   * The register's data and version when the run began (a fresh znode of "0": value 0,
   * version 0), when the run knows it; without it the checkers take the first operations
   * that reveal it as the start.
   */
  registerInitial?: { value: number; version: number };
}
