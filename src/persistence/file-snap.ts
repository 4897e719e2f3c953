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
 * streams to a learner after a SNAP. Nodes are serialized in slices (SNAPSHOT_SLICE_NODES,
 * SNAPSHOT_SLICE_BYTES), with clients served in between when `yieldBetweenSlices` is given:
 * a fuzzy snapshot, as ZooKeeper's. Nodes may then show changes made after the snapshot's
 * zxid; replaying the log from zxid + 1 over it gives the same tree, since every txn
 * applies the same way twice (see FileTxnSnapLog.restore). The sessions are read after the
 * last slice, so they too are as fuzzy as the nodes, and their txns replay alike.
 */
export async function serializeSnapshot(tree: DataTree, sessions: ReadonlyMap<bigint, number>, yieldBetweenSlices?: () => Promise<void>): Promise<Buffer[]> {
  // The ACL map comes before the nodes but is known only once every node was seen: nodes
  // are serialized first, into chunks, and the parts put together at the end.
  // Each node is written with its index in the tree's ACL cache (as ZooKeeper's), and the
  // map holds exactly the lists the written nodes refer to: none that no node uses, and,
  // in a fuzzy snapshot, also a list that was dropped or replaced after its node was written.
  const used = new Map<number, ACL[]>();
  const chunks: Buffer[] = [];
  // One buffer for every slice, each copied out at its exact size: a fresh buffer per
  // slice made the collector's work (and its pauses) grow with the tree.
  const w = new Writer(SNAPSHOT_SLICE_BYTES + (SNAPSHOT_SLICE_BYTES >> 1));
  let inSlice = 0;
  for (const [path, node] of tree.nodesInSnapshotOrder()) {
    const aclId = tree.aclIndexOf(node.acl);
    if (aclId !== OPEN_UNSAFE_ACL_ID && !used.has(aclId)) used.set(aclId, node.acl);
    writeNode(w, path, node.data, node, aclId);
    if (++inSlice >= SNAPSHOT_SLICE_NODES || w.pos >= SNAPSHOT_SLICE_BYTES) {
      chunks.push(Buffer.from(w.buf.subarray(0, w.pos)));
      w.reset();
      inSlice = 0;
      if (yieldBetweenSlices) await yieldBetweenSlices();
    }
  }
  w.ustring('/');
  chunks.push(Buffer.from(w.buf.subarray(0, w.pos)));

  const head = new Writer(1 << 16);
  head.int(sessions.size);
  for (const [id, timeout] of sessions) {
    head.bigLong(id);
    head.int(timeout);
  }
  // ZooKeeper writes its map in HashMap order; a reader takes entries in any order, and in
  // index order the same tree always gives the same bytes.
  head.int(used.size);
  for (const aclId of [...used.keys()].sort((a, b) => a - b)) {
    head.long(aclId);
    R.ACLs.write(head, used.get(aclId)!);
  }
  return [head.toBuffer(), ...chunks];
}

/** One node as a snapshot holds it: path, data, ACL index, StatPersisted (the tree's node is one). */
export function writeNode(w: Writer, path: string, data: Buffer | null, stat: StatPersisted, aclId: number): void {
  w.ustring(path);
  w.buffer(data);
  w.long(aclId);
  R.StatPersisted.write(w, stat);
}

/** Tells apart the temporary files of snapshots written at once (same zxid, two callers). */
let tmpSequence = 0;

/**
 * Writes a snapshot file: the file header, the serialized snapshot, and the checksum seal.
 * The parts are checksummed and written one at a time through libuv's pool, so with
 * `yieldBetweenSlices` no step on the event loop grows with the tree; without it the
 * nodes are serialized in one go (a consistent view, at start and at NEWLEADER).
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
  const parts = [header.toBuffer(), ...(await serializeSnapshot(tree, sessions, yieldBetweenSlices))];

  const name = snapshotFileName(zxid);
  const tmp = join(dir, `.${name}.${++tmpSequence}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    let checksum = 1;
    let at = 0;
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
    // One record for every node: the tree copies what it keeps.
    const record: { path: string | null } & SnapshotNode = { path: null, data: null, acl: BUILT_IN_ACL, stat: undefined as never };
    const readNode = (r: Reader) => {
      record.path = r.ustring();
      if (record.path === '/') return;
      record.data = r.bufferView();
      const aclId = r.long();
      const acl = acls.get(aclId);
      if (!acl) throw new Error(`${file}: node ${record.path} refers to ACL ${aclId}, which the snapshot does not hold`);
      record.acl = acl;
      record.stat = R.StatPersisted.read(r);
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
