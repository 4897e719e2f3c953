// A txn log is read LOG_READ_CHUNK_BYTES at a time: a 64 MB preallocated log holding a few
// hundred txns costs a buffer of about a chunk, not the whole file (what held 64 MB more
// at start), and every txn still comes back, with its torn-tail verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpCode } from '../../../src/jute/constants';
import { CorruptLogError, FileTxnLog, listLogs, LOG_READ_CHUNK_BYTES, readLogFile } from '../../../src/persistence/file-txn-log';
import type { Txn } from '../../../src/tree/txn';

/** Apache's default preAllocSize (64 MB), the file size a fresh log has. */
const PREALLOC_BYTES = 64 * 1024 * 1024;
/** What reading may hold beyond the txns it returns: the chunk, and some slack for the rest. */
const READ_BUFFERS_BYTES_MAX = 4 * LOG_READ_CHUNK_BYTES;

/** A preallocated log of 300 creates (zxids 1 to 300) of 100-byte znodes. */
async function logOf300Creates(): Promise<{ file: string; txns: Txn[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'zk-logread-'));
  const log = new FileTxnLog(dir, PREALLOC_BYTES);
  const txns: Txn[] = [];
  for (let i = 1; i <= 300; i++) {
    txns.push({
      hdr: { clientId: 1n, cxid: i, zxid: i, time: 1_700_000_000_000, type: OpCode.create },
      body: { kind: 'create', path: `/n${i}`, data: Buffer.alloc(100, i), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], ephemeral: false, parentCVersion: i },
    });
  }
  await log.append(txns);
  log.close();
  const file = join(dir, listLogs(dir)[0]!.name);
  return { file, txns };
}

test('a 64 MB preallocated log is read in chunks: a few MB of buffers at most, every txn back', async () => {
  const { file, txns } = await logOf300Creates();
  assert.ok(statSync(file).size >= PREALLOC_BYTES, 'the log is preallocated');

  const before = process.memoryUsage().arrayBuffers;
  const read = readLogFile(file);
  const grew = process.memoryUsage().arrayBuffers - before;
  assert.ok(grew <= READ_BUFFERS_BYTES_MAX, `reading held ${(grew / 1e6).toFixed(1)} MB of buffers (bound ${READ_BUFFERS_BYTES_MAX / 1e6} MB)`);
  assert.equal(read.txns.length, 300);
  assert.deepEqual(read.txns.map((t) => t.hdr.zxid), txns.map((t) => t.hdr.zxid));
  assert.deepEqual(read.txns[299]!.body, txns[299]!.body);
  assert.equal(read.tornTail, false);
  assert.equal(read.ends.length, 300);
  assert.equal(read.validEnd, read.ends[299]);
});

test('a restore reads only the txns past its snapshot: those before are checked, not decoded', async () => {
  const { file, txns } = await logOf300Creates();
  const whole = readLogFile(file);
  const past = readLogFile(file, 250);
  assert.deepEqual(past.txns.map((t) => t.hdr.zxid), txns.slice(250).map((t) => t.hdr.zxid));
  assert.deepEqual(past.ends, whole.ends.slice(250));
  assert.equal(past.validEnd, whole.validEnd);
  // A record among those left out is still checked: corruption there is not skipped over.
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.from([0xff]), 0, 1, whole.ends[8]! + 30);
  closeSync(fd);
  assert.throws(() => readLogFile(file, 250), CorruptLogError);
});
