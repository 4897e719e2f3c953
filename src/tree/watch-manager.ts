// WatchManager: who watches which path, and in which mode. One-shot (standard) watches
// fire once; persistent ones stay; persistent-recursive ones fire for the path and every
// descendant, except for child-list changes. ZooKeeper's DataTree keeps two managers
// (data/exist watches and child watches); so do we. An event reaches a watcher only if it
// may READ the node the event is about (CVE-2024-23944, as fixed ZooKeeper checks).
//
// Kept small per watch, as a server may hold hundreds of thousands: a path watched by
// one watcher (the usual case) holds that watcher itself, not a collection; modes other
// than standard (persistent watches, few) sit in a side table.
import { AddWatchMode, EventType, KeeperState, Perms } from '../jute/constants';
import { KeeperError } from '../jute/keeper-error';
import type { ACL, Id } from '../jute/records';
import { checkACL, type AclOptions } from './acl';

export interface WatchedEvent {
  type: number;
  state: number;
  path: string;
}

/** Whoever gets the events: a client connection. */
export interface Watcher {
  readonly sessionId: bigint;
  /** The ids the connection authenticated as: an event needs READ on the node for one of them. */
  readonly authInfo: readonly Id[];
  process(event: WatchedEvent): void;
}

/** What triggerWatch returns where no watch fired: shared, never added to (ReadonlySet). */
const NO_WATCHERS: ReadonlySet<Watcher> = new Set<Watcher>();

export const WatcherMode = {
  STANDARD: -1,
  PERSISTENT: AddWatchMode.PERSISTENT,
  PERSISTENT_RECURSIVE: AddWatchMode.PERSISTENT_RECURSIVE,
} as const;
export type WatcherMode = (typeof WatcherMode)[keyof typeof WatcherMode];

type Watchers = Watcher | Set<Watcher>;

export class WatchManager {
  /** Told how many watchers each event that found any reached (ZooKeeper's *_watch_count metrics). */
  onTriggered: ((type: number, watchers: number) => void) | undefined;

  /** path → its watcher, or a Set of them when more than one. */
  private readonly watchTable = new Map<string, Watchers>();
  /** path → watcher → mode, for modes other than STANDARD only. */
  private readonly modes = new Map<string, Map<Watcher, WatcherMode>>();
  private readonly watch2Paths = new Map<Watcher, Set<string>>();
  private recursiveCount = 0;
  private watchCount = 0;

  constructor(private readonly aclOptions: AclOptions = {}) {}

  /** Adds (or re-modes) a watch. A standard watch replaces a persistent one, as in ZooKeeper. */
  addWatch(path: string, watcher: Watcher, mode: WatcherMode = WatcherMode.STANDARD): void {
    const entry = this.watchTable.get(path);
    if (entry === undefined) this.watchTable.set(path, watcher);
    else if (entry instanceof Set) entry.add(watcher);
    else if (entry !== watcher) this.watchTable.set(path, new Set([entry, watcher]));
    let paths = this.watch2Paths.get(watcher);
    if (!paths) this.watch2Paths.set(watcher, (paths = new Set()));
    if (!paths.has(path)) {
      paths.add(path);
      this.watchCount++;
    }
    this.setMode(path, watcher, mode);
  }

  /**
   * Fires the watches `type` on `path` triggers and returns who got it. A watcher that may
   * not READ under `acl` (the node's ACL, or its parent's for a child-list change) is not
   * told, though a standard watch is used up all the same, as in ZooKeeper. Watchers in
   * `suppress` are not told (they already were, by the other manager).
   */
  triggerWatch(path: string, type: number, acl?: readonly ACL[], suppress?: ReadonlySet<Watcher>): ReadonlySet<Watcher> {
    // Most writes touch paths nobody watches: then nothing is allocated for them.
    if (this.recursiveCount === 0 && !this.watchTable.has(path)) return NO_WATCHERS;
    const fired = new Set<Watcher>();
    let localPath: string | undefined = path;
    let atParent = false;
    while (localPath !== undefined) {
      const entry = this.watchTable.get(localPath);
      if (entry !== undefined) {
        const used: Watcher[] = [];
        for (const watcher of entry instanceof Set ? entry : [entry]) {
          const mode = this.modeOf(localPath, watcher);
          if (mode === WatcherMode.PERSISTENT_RECURSIVE) {
            if (type !== EventType.NodeChildrenChanged) fired.add(watcher);
          } else if (!atParent) {
            fired.add(watcher);
            if (mode === WatcherMode.STANDARD) used.push(watcher);
          }
        }
        for (const w of used) this.removeWatcher(localPath, w);
      }
      // Parents matter only while some recursive watch exists.
      if (this.recursiveCount === 0 || localPath === '/') break;
      localPath = parentPath(localPath);
      atParent = true;
    }
    const event: WatchedEvent = { type, state: KeeperState.SyncConnected, path };
    for (const w of fired) if (!suppress?.has(w) && this.mayRead(w, acl)) w.process(event);
    if (fired.size > 0) this.onTriggered?.(type, fired.size);
    return fired;
  }

  containsWatcher(path: string, watcher: Watcher): boolean {
    return this.watch2Paths.get(watcher)?.has(path) ?? false;
  }

  /** Removes one watcher's watch on `path`; false if it had none. */
  removeWatcher(path: string, watcher: Watcher): boolean {
    const paths = this.watch2Paths.get(watcher);
    if (!paths?.delete(path)) return false;
    if (paths.size === 0) this.watch2Paths.delete(watcher);
    this.watchCount--;
    this.setMode(path, watcher, WatcherMode.STANDARD);
    const entry = this.watchTable.get(path);
    if (entry === watcher) this.watchTable.delete(path);
    else if (entry instanceof Set) {
      entry.delete(watcher);
      if (entry.size === 1) this.watchTable.set(path, entry.values().next().value!);
    }
    return true;
  }

  /** A connection is gone: all its watches go with it. */
  removeAllWatches(watcher: Watcher): void {
    const paths = this.watch2Paths.get(watcher);
    if (!paths) return;
    for (const p of [...paths]) this.removeWatcher(p, watcher);
  }

  get size(): number {
    return this.watchCount;
  }

  /** Paths watched (wchs). */
  get pathCount(): number {
    return this.watchTable.size;
  }

  /** Watchers with at least one watch (wchs). */
  get watcherCount(): number {
    return this.watch2Paths.size;
  }

  /** path → its watchers, live (wchp): read it without awaiting between steps of one entry. */
  *byPath(): Generator<[string, Iterable<Watcher>]> {
    for (const [path, entry] of this.watchTable) yield [path, entry instanceof Set ? entry : [entry]];
  }

  /** watcher → its paths, live (wchc). */
  byWatcher(): IterableIterator<[Watcher, ReadonlySet<string>]> {
    return this.watch2Paths.entries();
  }

  private modeOf(path: string, watcher: Watcher): WatcherMode {
    return this.modes.get(path)?.get(watcher) ?? WatcherMode.STANDARD;
  }

  private setMode(path: string, watcher: Watcher, mode: WatcherMode): void {
    const previous = this.modeOf(path, watcher);
    if (previous === mode) return;
    if (previous === WatcherMode.PERSISTENT_RECURSIVE) this.recursiveCount--;
    if (mode === WatcherMode.PERSISTENT_RECURSIVE) this.recursiveCount++;
    let byWatcher = this.modes.get(path);
    if (mode === WatcherMode.STANDARD) {
      byWatcher?.delete(watcher);
      if (byWatcher?.size === 0) this.modes.delete(path);
      return;
    }
    if (!byWatcher) this.modes.set(path, (byWatcher = new Map()));
    byWatcher.set(watcher, mode);
  }

  private mayRead(watcher: Watcher, acl: readonly ACL[] | undefined): boolean {
    if (acl === undefined) return true;
    try {
      checkACL(acl as ACL[], Perms.READ, watcher.authInfo as Id[], this.aclOptions);
      return true;
    } catch (e) {
      if (e instanceof KeeperError) return false;
      throw e;
    }
  }
}

function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
