// WatchManager: who watches which path, and in which mode. One-shot (standard) watches
// fire once; persistent ones stay; persistent-recursive ones fire for the path and every
// descendant, except for child-list changes. ZooKeeper's DataTree keeps two managers
// (data/exist watches and child watches); so do we.
import { AddWatchMode, EventType, KeeperState } from '../jute/constants';

export interface WatchedEvent {
  type: number;
  state: number;
  path: string;
}

/** Whoever gets the events: a client connection. */
export interface Watcher {
  readonly sessionId: bigint;
  process(event: WatchedEvent): void;
}

export const WatcherMode = {
  STANDARD: -1,
  PERSISTENT: AddWatchMode.PERSISTENT,
  PERSISTENT_RECURSIVE: AddWatchMode.PERSISTENT_RECURSIVE,
} as const;
export type WatcherMode = (typeof WatcherMode)[keyof typeof WatcherMode];

export class WatchManager {
  /** Told how many watchers each event that found any reached (ZooKeeper's *_watch_count metrics). */
  onTriggered: ((type: number, watchers: number) => void) | undefined;

  /** path → watcher → mode. */
  private readonly watchTable = new Map<string, Map<Watcher, WatcherMode>>();
  private readonly watch2Paths = new Map<Watcher, Set<string>>();
  private recursiveCount = 0;

  /** Adds (or re-modes) a watch. A standard watch replaces a persistent one, as in ZooKeeper. */
  addWatch(path: string, watcher: Watcher, mode: WatcherMode = WatcherMode.STANDARD): void {
    let watchers = this.watchTable.get(path);
    if (!watchers) this.watchTable.set(path, (watchers = new Map()));
    const previous = watchers.get(watcher);
    if (previous === WatcherMode.PERSISTENT_RECURSIVE) this.recursiveCount--;
    if (mode === WatcherMode.PERSISTENT_RECURSIVE) this.recursiveCount++;
    watchers.set(watcher, mode);
    let paths = this.watch2Paths.get(watcher);
    if (!paths) this.watch2Paths.set(watcher, (paths = new Set()));
    paths.add(path);
  }

  /**
   * Fires the watches `type` on `path` triggers and returns who got it. Watchers in
   * `suppress` are not told (they already were, by the other manager).
   */
  triggerWatch(path: string, type: number, suppress?: Set<Watcher>): Set<Watcher> {
    const fired = new Set<Watcher>();
    let localPath: string | undefined = path;
    let atParent = false;
    while (localPath !== undefined) {
      const watchers = this.watchTable.get(localPath);
      if (watchers) {
        for (const [watcher, mode] of watchers) {
          if (mode === WatcherMode.PERSISTENT_RECURSIVE) {
            if (type !== EventType.NodeChildrenChanged) fired.add(watcher);
          } else if (!atParent) {
            fired.add(watcher);
            if (mode === WatcherMode.STANDARD) {
              watchers.delete(watcher);
              this.watch2Paths.get(watcher)?.delete(localPath);
            }
          }
        }
        if (watchers.size === 0) this.watchTable.delete(localPath);
      }
      // Parents matter only while some recursive watch exists.
      if (this.recursiveCount === 0 || localPath === '/') break;
      localPath = parentPath(localPath);
      atParent = true;
    }
    const event: WatchedEvent = { type, state: KeeperState.SyncConnected, path };
    for (const w of fired) if (!suppress?.has(w)) w.process(event);
    if (fired.size > 0) this.onTriggered?.(type, fired.size);
    return fired;
  }

  containsWatcher(path: string, watcher: Watcher): boolean {
    return this.watchTable.get(path)?.has(watcher) ?? false;
  }

  /** Removes one watcher's watch on `path`; false if it had none. */
  removeWatcher(path: string, watcher: Watcher): boolean {
    const watchers = this.watchTable.get(path);
    const mode = watchers?.get(watcher);
    if (!watchers || mode === undefined) return false;
    if (mode === WatcherMode.PERSISTENT_RECURSIVE) this.recursiveCount--;
    watchers.delete(watcher);
    if (watchers.size === 0) this.watchTable.delete(path);
    this.watch2Paths.get(watcher)?.delete(path);
    return true;
  }

  /** A connection is gone: all its watches go with it. */
  removeAllWatches(watcher: Watcher): void {
    const paths = this.watch2Paths.get(watcher);
    if (!paths) return;
    for (const p of paths) this.removeWatcher(p, watcher);
    this.watch2Paths.delete(watcher);
  }

  get size(): number {
    let n = 0;
    for (const w of this.watchTable.values()) n += w.size;
    return n;
  }

  /** path → watchers, for wchp. */
  byPath(): Map<string, Watcher[]> {
    return new Map([...this.watchTable].map(([p, w]) => [p, [...w.keys()]]));
  }

  /** watcher → paths, for wchc. */
  byWatcher(): Map<Watcher, string[]> {
    const out = new Map<Watcher, string[]>();
    for (const [w, paths] of this.watch2Paths) if (paths.size > 0) out.set(w, [...paths]);
    return out;
  }
}

function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
