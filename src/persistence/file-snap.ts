// Snapshots, in Apache ZooKeeper's format (FileSnap): snapshot.<zxid hex> under
// version-2/, holding a FileHeader ("ZKSN", version 2, dbid -1), the sessions (id,
// timeout), the ACL cache (index → ACL list), every node as path + DataNode record
// (data, ACL index, StatPersisted) from the root ("") down, "/" as the end, then the seal:
// the Adler-32 of all of that, and "/" again. Snapshots by ZooKeeper 3.8 then carry a
// zxid digest and a second seal; we read past it and write none (ZooKeeper reads such a
// snapshot as one from before digests).
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { JuteError, Reader, Writer } from '../jute/codec';
import * as R from '../jute/records';
import type { ACL } from '../jute/records';
import { BUILT_IN_ACL, OPEN_UNSAFE_ACL_ID } from '../tree/acl-cache';
import type { DataTree, SnapshotNode, StatPersisted } from '../tree/data-tree';
import { adler32, adler32Of } from './adler32';
import { ChunkedFile, FILE_VERSION, listDataFiles } from './file-txn-log';

export const SNAP_MAGIC = 0x5a4b534e; // "ZKSN"

export function snapshotFileName(zxid: number): string {
  return `snapshot.${zxid.toString(16)}`;
}

/** Snapshot files of a directory, newest first. */
export function listSnapshots(dir: string): { name: string; zxid: number }[] {
  return listDataFiles(dir, 'snapshot').reverse();
}

/**
 * A slice of a background snapshot: nodes are serialized until either bound is reached,
 * then clients are served before the next slice. 500 nodes of ~100 bytes serialize in
 * under 2 ms of CPU on this 2-core machine under load; the byte bound keeps a slice of large nodes (up to
 * jute.maxbuffer each) about as short, and is also the most a slice's buffer holds.
 */
export const SNAPSHOT_SLICE_NODES = 500;
export const SNAPSHOT_SLICE_BYTES = 128 * 1024;

/**
 * SerializeUtils.serializeSnapshot: the sessions with their timeouts, the ACL map, then the
 * nodes until the path "/" — what a snapshot file holds after its header, and what a leader
 * streams to a learner after a SNAP — as slices made one by one as they are pulled (each
 * at most SNAPSHOT_SLICE_NODES nodes or about SNAPSHOT_SLICE_BYTES), so that the writer
 * serves clients between them and holds one slice at a time. Pulled with clients served in
 * between, the snapshot is fuzzy, as ZooKeeper's: the txns after `zxid` (the tree's when
 * the snapshot began) are in the log after it (or follow a SNAP to the learner), and
 * replaying them over it gives the tree (FileTxnSnapLog.restore applies every txn the same
 * way twice). The sessions and the ACL map come first, so they are taken at the call, as
 * the tree is at `zxid`; then:
 * - a node created after `zxid` is left out with everything under it: its create (absolute
 *   parent cversion included) is among the txns after;
 * - a node whose ACL list is not in the map (set after `zxid`) is written with the open
 *   list's index: its setACL is among the txns after, and restores the list;
 * - a node deleted since its parent was listed is left out (its delete follows).
 * Data, versions and zxids a node shows from a later txn are what that txn sets again.
 * `last` is written after the "/" that ends the nodes (the SNAP stream's signature).
 */
export function snapshotSlices(tree: DataTree, sessions: ReadonlyMap<bigint, number>, zxid: number, last?: string): Generator<Buffer> {
  const head = new Writer(1 << 16);
  head.int(sessions.size);
  for (const [id, timeout] of sessions) {
    head.bigLong(id);
    head.int(timeout);
  }
  // ZooKeeper writes its map in HashMap order; a reader takes entries in any order, and in
  // index order the same tree always gives the same bytes.
  const acls = [...tree.aclEntries()].sort((a, b) => a[0] - b[0]);
  head.int(acls.length);
  for (const [aclId, acl] of acls) {
    head.long(aclId);
    R.ACLs.write(head, acl);
  }
  const inMap = new Set(acls.map(([aclId]) => aclId));
  const first = head.toBuffer();
  return (function* (): Generator<Buffer> {
    yield first;
    // One buffer for every slice, each copied out at its exact size: a fresh buffer per
    // slice made the collector's work (and its pauses) grow with the tree.
    const w = new Writer(SNAPSHOT_SLICE_BYTES + (SNAPSHOT_SLICE_BYTES >> 1));
    let inSlice = 0;
    for (const [path, node] of tree.nodesInSnapshotOrder((n) => n.czxid > zxid)) {
      const aclId = tree.aclIndexOf(node.acl);
      writeNode(w, path, node.data, node, aclId === OPEN_UNSAFE_ACL_ID || inMap.has(aclId) ? aclId : OPEN_UNSAFE_ACL_ID);
      if (++inSlice >= SNAPSHOT_SLICE_NODES || w.pos >= SNAPSHOT_SLICE_BYTES) {
        yield Buffer.from(w.buf.subarray(0, w.pos));
        w.reset();
        inSlice = 0;
      }
    }
    w.ustring('/');
    if (last !== undefined) w.ustring(last);
    yield Buffer.from(w.buf.subarray(0, w.pos));
  })();
}

/** One node as a snapshot holds it: path, data, ACL index, StatPersisted (the tree's node is one). */
export function writeNode(w: Writer, path: string, data: Buffer | null, stat: StatPersisted, aclId: number): void {
  w.ustring(path);
  w.buffer(data);
  w.long(aclId);
  // StatPersisted's fields, in its order (R.StatPersisted's generic write looks each up by name).
  w.long(stat.czxid);
  w.long(stat.mzxid);
  w.long(stat.ctime);
  w.long(stat.mtime);
  w.int(stat.version);
  w.int(stat.cversion);
  w.int(stat.aversion);
  w.bigLong(stat.ephemeralOwner);
  w.long(stat.pzxid);
}

/** Tells apart the temporary files of snapshots written at once (same zxid, two callers). */
let tmpSequence = 0;

/**
 * Writes a snapshot file at `zxid` (the tree's last applied txn): the file header, the
 * snapshot's slices, and the checksum seal. With `yieldBetweenSlices` each slice is made,
 * checksummed and written through libuv's pool in turn, clients served in between, so no
 * step on the event loop and no buffer grows with the tree (a fuzzy snapshot, see
 * snapshotSlices); without it every slice is made before the first write (a consistent
 * view, at start and at NEWLEADER).
 */
export async function writeSnapshot(
  dir: string,
  tree: DataTree,
  sessions: Map<bigint, number>,
  zxid: number,
  yieldBetweenSlices?: () => Promise<void>,
): Promise<string> {
  const header = new Writer(32);
  R.FileHeader.write(header, { magic: SNAP_MAGIC, version: FILE_VERSION, dbid: -1 });
  const slices = snapshotSlices(tree, sessions, zxid);
  const parts: Iterable<Buffer> = yieldBetweenSlices ? slices : [...slices];

  const name = snapshotFileName(zxid);
  const tmp = join(dir, `.${name}.${++tmpSequence}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    const head = header.toBuffer();
    let checksum = adler32(head, 1);
    await writeAll(fh, head, 0);
    let at = head.length;
    for (const part of parts) {
      checksum = adler32(part, checksum);
      await writeAll(fh, part, at);
      at += part.length;
      if (yieldBetweenSlices) await yieldBetweenSlices();
    }
    const seal = new Writer(32);
    seal.long(checksum);
    seal.ustring('/');
    await writeAll(fh, seal.toBuffer(), at);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    rmSync(tmp, { force: true });
    throw e;
  }
  try {
    await fh.close();
    renameSync(tmp, join(dir, name));
  } catch (e) {
    // The descriptor is released by close even when it fails; the file never got its name.
    rmSync(tmp, { force: true });
    throw e;
  }
  // The rename made durable off the event loop too (a directory fsync can take a while).
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
  return name;
}

/** A temporary snapshot file (cut short by a crash, never renamed): `.snapshot.<zxid>[.<n>].tmp`. */
export const SNAPSHOT_TMP_FILE = /^\.snapshot\.[0-9a-f]+(\.[0-9]+)?\.tmp$/;

async function writeAll(fh: import('node:fs/promises').FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) done += (await fh.write(buf, done, buf.length - done, position + done)).bytesWritten;
}

export interface LoadedSnapshot {
  zxid: number;
  sessions: Map<bigint, number>;
  /**
   * The nodes, decoded as they are consumed (a million nodes are not held twice); the seal
   * is checked after the last, and a mismatch throws there. One record is handed out again
   * for every node, its data a view valid until the next: copy what is kept.
   */
  nodes: Iterable<[string, SnapshotNode]>;
  /** The ACL map, index → list; each node holds the very array of its index. */
  acls: Map<number, ACL[]>;
}

/**
 * What is tried first for one element (a session, an ACL list, a node) of a snapshot read
 * in chunks: most nodes are far smaller; a larger one is retried with twice the window.
 */
const SNAPSHOT_ELEMENT_WINDOW_BYTES = 64 * 1024;

/**
 * Reads one snapshot, through one reused buffer (ChunkedFile, LOG_READ_CHUNK_BYTES): a
 * file of a million nodes is not held whole (and left for the collector) while its nodes
 * go into the tree. A node's data is a view of that buffer, valid until the next node is
 * pulled: DataTree.loadNodes copies it. Throws if the file is not whole (bad magic, short,
 * checksum mismatch), at the end for the checksum.
 */
export function readSnapshot(file: string, zxid: number): LoadedSnapshot {
  const f = new ChunkedFile(file);
  /** The file offset of r.buf[0]; r reads the window of the file the buffer holds. */
  let base = 0;
  let r = new Reader(f.window(0, SNAPSHOT_ELEMENT_WINDOW_BYTES));
  let checksum = 1;
  /** One element read at r.pos, its bytes added to the checksum (when `sealed`). */
  function element<T>(read: (r: Reader) => T, sealed = true): T {
    for (let window = SNAPSHOT_ELEMENT_WINDOW_BYTES; ; window *= 2) {
      const start = r.pos;
      try {
        const v = read(r);
        if (sealed) checksum = adler32Of(r.buf, start, r.pos, checksum);
        return v;
      } catch (e) {
        // Cut short by the window, or by the end of the file (then it is not whole).
        if (!(e instanceof JuteError) || base + r.buf.length >= f.size) throw e;
        base += start;
        r = new Reader(f.window(base, window));
      }
    }
  }
  try {
    const header = element((r) => R.FileHeader.read(r));
    if (header.magic !== SNAP_MAGIC) throw new Error(`${file}: not a snapshot (magic 0x${(header.magic >>> 0).toString(16)})`);
    const sessions = new Map<bigint, number>();
    for (let n = element((r) => r.int()); n > 0; n--) element((r) => sessions.set(r.bigLong(), r.int()));
    // Every node with the same ACL index gets the same array: the tree shares it as is.
    const acls = new Map<number, ACL[]>([[OPEN_UNSAFE_ACL_ID, BUILT_IN_ACL]]);
    for (let n = element((r) => r.int()); n > 0; n--) element((r) => acls.set(r.long(), R.ACLs.read(r)));
    // One record (and one Stat) for every node: the tree copies what it keeps. Read field by
    // field into them, not as a new object per node: a million znodes load faster so.
    const stat: StatPersisted = { czxid: 0, mzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0 };
    const record: { path: string | null } & SnapshotNode = { path: null, data: null, acl: BUILT_IN_ACL, stat };
    const readNode = (r: Reader) => {
      record.path = r.ustring();
      if (record.path === '/') return;
      record.data = r.bufferView();
      const aclId = r.long();
      const acl = acls.get(aclId);
      if (!acl) throw new Error(`${file}: node ${record.path} refers to ACL ${aclId}, which the snapshot does not hold`);
      record.acl = acl;
      // StatPersisted's fields, in its order.
      stat.czxid = r.long();
      stat.mzxid = r.long();
      stat.ctime = r.long();
      stat.mtime = r.long();
      stat.version = r.int();
      stat.cversion = r.int();
      stat.aversion = r.int();
      stat.ephemeralOwner = r.bigLong();
      stat.pzxid = r.long();
    };
    const nodes = function* (): Generator<[string, SnapshotNode]> {
      try {
        for (element(readNode); record.path !== '/'; element(readNode)) yield [record.path ?? '', record];
        const sealed = checksum;
        const written = element((r) => r.long(), false);
        if (written !== sealed) throw new Error(`${file}: checksum mismatch (file says ${written}, contents give ${sealed})`);
      } finally {
        f.close();
      }
    };
    return { zxid, sessions, nodes: nodes(), acls };
  } catch (e) {
    f.close();
    throw e;
  }
}

/** Makes a rename or a new file in `dir` itself durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
