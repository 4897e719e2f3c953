// The DataTree's two WatchManagers (data and child watches) and what clients do with them
// beyond a read: persistent watches, re-set after a reconnect (SetWatches), removal, and
// the four-letter words' views. The tree fires them on writes; this half only registers.
import { EventType, KeeperState, WatcherType } from '../jute/constants';
import type { DataNode } from './data-node';
import { WatchManager, WatcherMode, type Watcher } from './watch-manager';

export abstract class TreeWatches {
  readonly dataWatches: WatchManager;
  readonly childWatches: WatchManager;

  /** `skipACL` also lets every watch event through, as ZooKeeper's checkACL does for them. */
  constructor(opts: { skipACL?: boolean }) {
    this.dataWatches = new WatchManager({ skipACL: opts.skipACL });
    this.childWatches = new WatchManager({ skipACL: opts.skipACL });
  }

  /** The node at `path` (what SetWatches compares zxids with). */
  protected abstract lookup(path: string): DataNode | undefined;

  addWatch(path: string, watcher: Watcher, mode: number): void {
    const m = mode === WatcherMode.PERSISTENT_RECURSIVE ? WatcherMode.PERSISTENT_RECURSIVE : WatcherMode.PERSISTENT;
    this.dataWatches.addWatch(path, watcher, m);
    if (m !== WatcherMode.PERSISTENT_RECURSIVE) this.childWatches.addWatch(path, watcher, m);
  }

  /** A reconnected client's watches: re-set, or fired at once if it missed the change. */
  setWatches(
    relativeZxid: number,
    dataWatches: string[],
    existWatches: string[],
    childWatches: string[],
    persistentWatches: string[],
    persistentRecursiveWatches: string[],
    watcher: Watcher,
  ): void {
    const fire = (type: number, path: string) => watcher.process({ type, state: KeeperState.SyncConnected, path });
    for (const path of dataWatches) {
      const n = this.lookup(path);
      if (!n) fire(EventType.NodeDeleted, path);
      else if (n.mzxid > relativeZxid) fire(EventType.NodeDataChanged, path);
      else this.dataWatches.addWatch(path, watcher);
    }
    for (const path of existWatches) {
      if (this.lookup(path) !== undefined) fire(EventType.NodeCreated, path);
      else this.dataWatches.addWatch(path, watcher);
    }
    for (const path of childWatches) {
      const n = this.lookup(path);
      if (!n) fire(EventType.NodeDeleted, path);
      else if (n.pzxid > relativeZxid) fire(EventType.NodeChildrenChanged, path);
      else this.childWatches.addWatch(path, watcher);
    }
    for (const path of persistentWatches) {
      this.childWatches.addWatch(path, watcher, WatcherMode.PERSISTENT);
      this.dataWatches.addWatch(path, watcher, WatcherMode.PERSISTENT);
    }
    for (const path of persistentRecursiveWatches) this.dataWatches.addWatch(path, watcher, WatcherMode.PERSISTENT_RECURSIVE);
  }

  containsWatcher(path: string, type: number, watcher: Watcher): boolean {
    if (type === WatcherType.Children) return this.childWatches.containsWatcher(path, watcher);
    if (type === WatcherType.Data) return this.dataWatches.containsWatcher(path, watcher);
    return this.childWatches.containsWatcher(path, watcher) || this.dataWatches.containsWatcher(path, watcher);
  }

  removeWatch(path: string, type: number, watcher: Watcher): boolean {
    if (type === WatcherType.Children) return this.childWatches.removeWatcher(path, watcher);
    if (type === WatcherType.Data) return this.dataWatches.removeWatcher(path, watcher);
    const child = this.childWatches.removeWatcher(path, watcher);
    const data = this.dataWatches.removeWatcher(path, watcher);
    return child || data;
  }

  removeWatcher(watcher: Watcher): void {
    this.dataWatches.removeAllWatches(watcher);
    this.childWatches.removeAllWatches(watcher);
  }

  /** Watches of both kinds (mntr's zk_watch_count). */
  watchCount(): number {
    return this.dataWatches.size + this.childWatches.size;
  }

  /**
   * wchs, wchc and wchp: ZooKeeper reports its data watch manager only (exists and
   * getData watches, and persistent ones); child watches are not listed there.
   */
  watchSummary(): { connections: number; paths: number; total: number } {
    const w = this.dataWatches;
    return { connections: w.watcherCount, paths: w.pathCount, total: w.size };
  }

  /** wchc: (session, path) for each data watch, grouped by connection; live, so read it in slices. */
  *watchesBySession(): Generator<[bigint, string]> {
    for (const [w, paths] of this.dataWatches.byWatcher()) for (const p of paths) yield [w.sessionId, p];
  }

  /** wchp: (path, session) for each data watch, grouped by path; live, so read it in slices. */
  *watchesByPath(): Generator<[string, bigint]> {
    for (const [p, watchers] of this.dataWatches.byPath()) for (const w of watchers) yield [p, w.sessionId];
  }
}
