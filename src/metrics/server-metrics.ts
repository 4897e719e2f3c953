// ServerMetrics: every metric of ZooKeeper's catalogue registered with the provider, and
// named handles for those this server records. The rest stay at zero (they count commit
// processor threads, netty, ...).
import { EventType } from '../jute/constants';
import { SERVER_METRICS } from './metric-names';
import type { Counter, CounterSet, MetricsProvider, Summary, SummarySet } from './metrics-provider';

export type ServerMetrics = ReturnType<typeof createServerMetrics>;

export function createServerMetrics(provider: MetricsProvider) {
  const counters = new Map<string, Counter>();
  const summaries = new Map<string, Summary>();
  const summarySets = new Map<string, SummarySet>();
  const counterSets = new Map<string, CounterSet>();
  for (const [name, kind] of SERVER_METRICS) {
    if (kind === 'counter') counters.set(name, provider.counter(name));
    else if (kind === 'counter_set') counterSets.set(name, provider.counterSet(name));
    else if (kind === 'summary' || kind === 'summary_advanced') summaries.set(name, provider.summary(name, kind === 'summary_advanced'));
    else summarySets.set(name, provider.summarySet(name, kind === 'summary_set_advanced'));
  }
  const pick = <T>(map: Map<string, T>, name: string): T => {
    const m = map.get(name);
    if (!m) throw new Error(`${name} is not in ZooKeeper's metric catalogue`);
    return m;
  };
  const counter = (name: string) => pick(counters, name);
  const summary = (name: string) => pick(summaries, name);
  const watchCount: Record<number, Summary> = {
    [EventType.NodeCreated]: summary('node_created_watch_count'),
    [EventType.NodeDeleted]: summary('node_deleted_watch_count'),
    [EventType.NodeDataChanged]: summary('node_changed_watch_count'),
    [EventType.NodeChildrenChanged]: summary('node_children_watch_count'),
  };

  const readPerNamespace = pick(summarySets, 'read_per_namespace');
  const writePerNamespace = pick(summarySets, 'write_per_namespace');
  const quotaExceededPerNamespace = pick(counterSets, 'quota_exceeded_error_per_namespace');

  return {
    provider,
    // Requests: latency from arrival to answer, split as ZooKeeper splits it.
    READ_LATENCY: summary('readlatency'),
    UPDATE_LATENCY: summary('updatelatency'),
    /** A write from arrival until it is applied (standalone: the whole pipeline). */
    PROPAGATION_LATENCY: summary('propagation_latency'),
    PREP_PROCESSOR_REQUEST_QUEUED: counter('prep_processor_request_queued'),
    SYNC_PROCESSOR_REQUEST_QUEUED: counter('sync_processor_request_queued'),

    // The txn log and snapshots.
    FSYNC_TIME: summary('fsynctime'),
    SYNC_PROCESSOR_BATCH_SIZE: summary('sync_processor_batch_size'),
    SNAPSHOT_TIME: summary('snapshottime'),
    DB_INIT_TIME: summary('dbinittime'),
    STARTUP_SNAP_LOAD_TIME: summary('startup_snap_load_time'),
    STARTUP_TXNS_LOADED: summary('startup_txns_loaded'),
    STARTUP_TXNS_LOAD_TIME: summary('startup_txns_load_time'),

    // Connections and sessions.
    CONNECTION_REQUEST_COUNT: counter('connection_request_count'),
    CONNECTION_REJECTED: counter('connection_rejected'),
    UNSUCCESSFUL_HANDSHAKE: counter('unsuccessful_handshake'),
    BYTES_RECEIVED_COUNT: counter('bytes_received_count'),
    RESPONSE_BYTES: counter('response_bytes'),
    STALE_SESSIONS_EXPIRED: counter('stale_sessions_expired'),

    // The ensemble: elections, learners' syncs, the leader's proposals (QuorumPeer,
    // Leader, LearnerHandler, Follower, Observer).
    /** LOOKING entered. */
    LOOKING_COUNT: counter('looking_count'),
    /** From LOOKING to FOLLOWING or LEADING (an observer's is not counted, as Apache's). */
    ELECTION_TIME: summary('election_time'),
    /** A learner's sync with its leader, from connecting to serving. */
    FOLLOWER_SYNC_TIME: summary('follower_sync_time'),
    OBSERVER_SYNC_TIME: summary('observer_sync_time'),
    /** The leader synced a learner by DIFF (or TRUNC), by SNAP. */
    DIFF_COUNT: counter('diff_count'),
    SNAP_COUNT: counter('snap_count'),
    PROPOSAL_COUNT: counter('proposal_count'),
    COMMIT_COUNT: counter('commit_count'),
    LEARNER_PROPOSAL_RECEIVED_COUNT: counter('learner_proposal_received_count'),
    LEARNER_COMMIT_RECEIVED_COUNT: counter('learner_commit_received_count'),

    /** A read of `path` that returned `bytes` (data, or child names), by its top namespace, as ZooKeeper's DataTree counts it. */
    readPerNamespace(path: string, bytes: number): void {
      const ns = topNamespace(path);
      if (ns !== undefined) readPerNamespace.add(ns, path.length + bytes + STAT_OVERHEAD_BYTES);
    },

    /** A create, setData or delete of `path` with `bytes` of data. */
    writePerNamespace(path: string, bytes: number): void {
      const ns = topNamespace(path);
      if (ns !== undefined) writePerNamespace.add(ns, path.length + bytes);
    },

    /** A create or setData refused by a hard quota, by its path's top namespace. */
    quotaExceeded(namespace: string): void {
      quotaExceededPerNamespace.add(namespace, 1);
    },

    /** Watchers reached by one event, by its type. */
    watchesTriggered(type: number, watchers: number): void {
      watchCount[type]?.add(watchers);
    },
  };
}

/** The bytes ZooKeeper adds to each read for the Stat that goes with it (6 longs, 5 ints). */
const STAT_OVERHEAD_BYTES = 6 * 8 + 5 * 4;

/** ZooKeeper's top namespace: "/a/b" → "a"; none for "/". */
function topNamespace(path: string): string | undefined {
  // path.split('/')[1], without the array and every component a split makes: this runs
  // for every read and write.
  const start = path.indexOf('/');
  if (start < 0) return undefined;
  const end = path.indexOf('/', start + 1);
  const first = end < 0 ? path.slice(start + 1) : path.slice(start + 1, end);
  return first === '' ? undefined : first;
}
