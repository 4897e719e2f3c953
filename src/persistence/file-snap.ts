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
import { Writer } from '../jute/codec';
import * as R from '../jute/records';
import { OPEN_UNSAFE_ACL_ID } from '../tree/acl-cache';
import type { DataTree, StatPersisted } from '../tree/data-tree';
import { adler32 } from './adler32';
import { FILE_VERSION, listDataFiles } from './file-txn-log';
import { SNAP_MAGIC } from './snapshot-file-parser';


export function snapshotFileName(zxid: number): string {
  return `snapshot.${zxid.toString(16)}`;
}

/** Snapshot files of a directory, newest first. */
export function listSnapshots(dir: string): { name: string; zxid: number }[] {
  return listDataFiles(dir, 'snapshot').reverse();
}

/**
 * A step of a background snapshot: nodes are serialized until either bound is reached, then
 * clients are served before the next step. At 4 sessions × 1 in flight a request that
 * arrives during a step waits for it: steps of 500 nodes (~1 ms on this 2-core machine,
 * bench/snapshot-stall.ts) put setData's p99 at 3.1 ms against Apache's 2.3 while snapshots
 * were taken; steps of 125 at 2.1. A step of 128 takes ~0.17 ms. The byte bound keeps a step
 * of large nodes about as short (a node of up to jute.maxbuffer is one step).
 */
export const SNAPSHOT_STEP_NODES = 128;
export const SNAPSHOT_STEP_BYTES = 32 * 1024;
/**
 * A chunk of a snapshot: what is checksummed and written (or sent to a learner) at once, and
 * the most its buffer holds beyond one node. Steps are smaller: a write, a checksum and a
 * socket send per step of 128 nodes cost 3-16 % more CPU per write than per 500.
 */
export const SNAPSHOT_CHUNK_BYTES = 128 * 1024;
/**
 * What snapshotSlices yields at the end of a step that did not fill a chunk: nothing to
 * write, the loop to hand back. Empty, so a consumer that writes it writes nothing.
 */
export const SNAPSHOT_PAUSE: Buffer = Buffer.alloc(0);
/**
 * A snapshot written in the background is synced every this many bytes, not only at its
 * end: one fsync of 100+ MB of dirty pages held the txn log's fdatasync behind it for
 * 60–110 ms (the filesystem commits both together), and every write waiting on that batch
 * with it (setData p999 at 32 × 16). Small syncs keep the log's wait short.
 */
export const SNAPSHOT_SYNC_EVERY_BYTES = 4 * 1024 * 1024;

/**
 * SerializeUtils.serializeSnapshot: the sessions with their timeouts, the ACL map, then the
 * nodes until the path "/" — what a snapshot file holds after its header, and what a leader
 * streams to a learner after a SNAP — as slices made one by one as they are pulled, so that
 * the writer serves clients between them and holds one slice at a time: each pull is a step
 * (at most SNAPSHOT_STEP_NODES nodes or about SNAPSHOT_STEP_BYTES), and yields a chunk once
 * SNAPSHOT_CHUNK_BYTES are made, SNAPSHOT_PAUSE otherwise. Pulled with clients served in
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
 * `opts.last` is written after the "/" that ends the nodes (the SNAP stream's signature).
 * With `opts.borrowed`, each slice but the first is a view of the one buffer they are made in,
 * good until the next is pulled: for a consumer done with a slice before it pulls the next
 * (writeSnapshot awaits each write). Otherwise each is a copy of its own (a socket holds
 * the slices it was given until they are sent).
 */
export function snapshotSlices(
  tree: DataTree,
  sessions: ReadonlyMap<bigint, number>,
  zxid: number,
  opts: { last?: string; borrowed?: boolean } = {},
): Generator<Buffer> {
  const { last, borrowed = false } = opts;
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
    // One buffer for every slice, each lent or copied out at its exact size: a fresh buffer
    // per slice made the collector's work (and its pauses) grow with the tree.
    const w = new Writer(SNAPSHOT_CHUNK_BYTES + (SNAPSHOT_CHUNK_BYTES >> 1));
    const slice = (): Buffer => (borrowed ? w.buf.subarray(0, w.pos) : Buffer.from(w.buf.subarray(0, w.pos)));
    let inStep = 0;
    let stepFrom = 0;
    const walk = tree.snapshotWalk((n) => n.czxid > zxid);
    for (let node = walk.next(); node !== undefined; node = walk.next()) {
      const aclId = tree.aclIndexOf(node.acl);
      writeNode(w, node.path === '/' ? '' : node.path, node.data, node, aclId === OPEN_UNSAFE_ACL_ID || inMap.has(aclId) ? aclId : OPEN_UNSAFE_ACL_ID);
      const chunkFull = w.pos >= SNAPSHOT_CHUNK_BYTES;
      if (!chunkFull && ++inStep < SNAPSHOT_STEP_NODES && w.pos - stepFrom < SNAPSHOT_STEP_BYTES) continue;
      if (chunkFull) {
        yield slice();
        w.reset();
      } else yield SNAPSHOT_PAUSE;
      inStep = 0;
      stepFrom = w.pos;
    }
    w.ustring('/');
    if (last !== undefined) w.ustring(last);
    yield slice();
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
  // Written chunk by chunk, each is done with before the next is made: they may share a buffer.
  const parts: Iterable<Buffer> = yieldBetweenSlices ? snapshotSlices(tree, sessions, zxid, { borrowed: true }) : [...snapshotSlices(tree, sessions, zxid)];

  const name = snapshotFileName(zxid);
  const tmp = join(dir, `.${name}.${++tmpSequence}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    const head = header.toBuffer();
    let checksum = adler32(head, 1);
    await writeAll(fh, head, 0);
    let at = head.length;
    let unsynced = 0;
    for (const part of parts) {
      if (part !== SNAPSHOT_PAUSE) {
        checksum = adler32(part, checksum);
        await writeAll(fh, part, at);
        at += part.length;
        unsynced += part.length;
        if (yieldBetweenSlices && unsynced >= SNAPSHOT_SYNC_EVERY_BYTES) {
          await fh.datasync();
          unsynced = 0;
        }
      }
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

/** Makes a rename or a new file in `dir` itself durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
