// The torn-log-tail fault: a member stopped by kill -9 in the middle of appending leaves a
// txn log whose last record is cut short. This makes that file by hand: it walks the newest
// log's records (Apache's FileTxnLog format: the 16-byte FileHeader, then per record a
// checksum (8), a length (4), the entry, an end-of-record byte) and truncates the file in
// the middle of the last one, so the member must recover from what came before it.
import { openSync, readdirSync, readSync, closeSync, fstatSync, truncateSync } from 'node:fs';
import { join } from 'node:path';

const FILE_HEADER_BYTES = 16;
const RECORD_PREFIX_BYTES = 12;
const EOR_BYTES = 1;

/** What was cut: the file, its records, and the length it had before and has now. */
export interface TornTail {
  file: string;
  records: number;
  from_bytes: number;
  to_bytes: number;
}

/** Truncates the newest txn log of dataDir mid-way through its last record; undefined if no log holds a record. */
export function tearLogTail(dataDir: string): TornTail | undefined {
  const dir = join(dataDir, 'version-2');
  const logs = readdirSync(dir)
    .filter((f) => /^log\.[0-9a-f]+$/.test(f))
    .sort((a, b) => parseInt(b.slice(4), 16) - parseInt(a.slice(4), 16));
  for (const name of logs) {
    const file = join(dir, name);
    const fd = openSync(file, 'r');
    let records = 0;
    let last = -1;
    let lastLen = 0;
    let size = 0;
    try {
      size = fstatSync(fd).size;
      const prefix = Buffer.alloc(RECORD_PREFIX_BYTES);
      let pos = FILE_HEADER_BYTES;
      while (pos + RECORD_PREFIX_BYTES <= size && readSync(fd, prefix, 0, RECORD_PREFIX_BYTES, pos) === RECORD_PREFIX_BYTES) {
        const len = prefix.readInt32BE(8);
        // A zero length is the preallocated padding: the end of what was written.
        if (len <= 0 || pos + RECORD_PREFIX_BYTES + len + EOR_BYTES > size) break;
        last = pos;
        lastLen = len;
        records++;
        pos += RECORD_PREFIX_BYTES + len + EOR_BYTES;
      }
    } finally {
      closeSync(fd);
    }
    if (last < 0) continue;
    const to = last + RECORD_PREFIX_BYTES + Math.floor(lastLen / 2);
    truncateSync(file, to);
    return { file, records, from_bytes: size, to_bytes: to };
  }
  return undefined;
}
