// The transaction log, in Apache ZooKeeper's format (FileTxnLog): files named
// log.<zxid of their first txn, hex> under version-2/, each a FileHeader ("ZKLG", version
// 2, dbid 0) then entries of  checksum (long, Adler-32 of the entry) · length (int) ·
// entry (TxnHeader + body) · 'B'. The file is grown in preAllocSize steps of zeros, so
// a zero length marks the end of what was written.
import { closeSync, fdatasync, fstatSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Reader, Writer } from '../jute/codec';
import { FileHeader } from '../jute/records';
import type { Txn } from '../tree/txn';
import { adler32 } from './adler32';
import { decodeTxn, entryZxid, writeTxn } from './txn-codec';

export const TXNLOG_MAGIC = 0x5a4b4c47; // "ZKLG"
export const FILE_VERSION = 2;
/** The end-of-record byte after each entry. */
const EOR = 0x42;
/** An entry's checksum (long) and length (int), ahead of it. */
const RECORD_HEAD_BYTES = 12;
const fdatasyncAsync = promisify(fdatasync);

/** A log or snapshot file name's zxid: log.1a → 0x1a. */
export function zxidFromName(name: string, prefix: 'log' | 'snapshot'): number | undefined {
  const m = new RegExp(`^${prefix}\\.([0-9a-f]+)$`).exec(name);
  return m ? parseInt(m[1]!, 16) : undefined;
}

export function logFileName(zxid: number): string {
  return `log.${zxid.toString(16)}`;
}

/** The files of one kind (log or snapshot) in a directory, with their zxids, oldest first. */
export function listDataFiles(dir: string, prefix: 'log' | 'snapshot'): { name: string; zxid: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, zxid: zxidFromName(name, prefix) }))
    .filter((f): f is { name: string; zxid: number } => f.zxid !== undefined)
    .sort((a, b) => a.zxid - b.zxid);
}

/** The log files of a directory, oldest first. */
export function listLogs(dir: string): { name: string; zxid: number }[] {
  return listDataFiles(dir, 'log');
}

/** A record in the middle of a log that does not check out: the server must not go on. */
export class CorruptLogError extends Error {
  override readonly name = 'CorruptLogError';
}

export class FileTxnLog {
  private fd: number | undefined;
  private position = 0;
  private fileSize = 0;
  private readonly out = new Writer(64 * 1024);
  /** Txns in the current file and its size: what decides when to roll. */
  txnsInCurrentLog = 0;
  /** rollLog was called while an fdatasync was in flight: the next append closes the file first. */
  private rollPending = false;
  /** Appends between their write and the end of their fdatasync. */
  private syncing = 0;

  constructor(
    readonly dir: string,
    private readonly preAllocSize_bytes: number,
  ) {}

  /**
   * Appends the txns and makes them durable (one fdatasync for the batch: group commit).
   * Resolves only once they are on disk; rejects (ENOSPC, EIO...) if they may not be.
   */
  async append(txns: Txn[]): Promise<void> {
    if (txns.length === 0) return;
    if (this.rollPending) {
      this.rollPending = false;
      this.closeFile();
    }
    if (this.fd === undefined) this.open(txns[0]!.hdr.zxid);
    const out = this.out.reset();
    for (const txn of txns) {
      // Each entry is encoded in place (its checksum and length patched in after it): no
      // Buffer of its own per txn, only the batch's one write.
      const at = out.pos;
      out.ensure(RECORD_HEAD_BYTES);
      out.pos += RECORD_HEAD_BYTES;
      writeTxn(out, txn);
      const length = out.pos - at - RECORD_HEAD_BYTES;
      out.buf.writeUInt32BE(0, at); // Adler-32 is 32 bits: the long's high half is zero
      out.buf.writeUInt32BE(adler32(out.buf.subarray(at + RECORD_HEAD_BYTES, out.pos)), at + 4);
      out.buf.writeInt32BE(length, at + 8);
      out.ensure(1);
      out.buf[out.pos++] = EOR;
    }
    // A failure from here on (preallocation, write, fdatasync) keeps the descriptor: it is
    // the current log's, the next append writes at the same offset again, and rollLog or
    // close releases it. Only open() makes a descriptor that a failure could orphan.
    const fd = this.fd!;
    this.pad(fd, out.pos);
    const start = this.position;
    try {
      let done = 0;
      while (done < out.pos) done += writeSync(fd, out.buf, done, out.pos - done, start + done);
      this.syncing++;
      try {
        await fdatasyncAsync(fd);
      } finally {
        this.syncing--;
      }
    } catch (e) {
      // Whatever part of the batch reached the file is not acknowledged: overwrite it with
      // zeros, so that recovery sees the end of the log there and not a torn record.
      try {
        writeSync(fd, Buffer.alloc(out.pos), 0, out.pos, start);
      } catch {
        // the disk refuses even that; recovery cuts a torn tail off anyway
      }
      throw e;
    }
    this.position = start + out.pos;
    this.txnsInCurrentLog += txns.length;
  }

  /**
   * The next append starts a new file (taken with a snapshot). While a batch is being
   * fsynced (an ensemble member snapshots then) the current file is closed by the next
   * append, not now: closing the descriptor under that fdatasync would fail the batch (or
   * sync another file that got the number).
   */
  rollLog(): void {
    this.txnsInCurrentLog = 0;
    // Nothing in flight: the file is closed now (its descriptor is not held until the next write).
    if (this.syncing === 0) this.closeFile();
    else this.rollPending = true;
  }

  close(): void {
    this.closeFile();
  }

  private open(firstZxid: number): void {
    // A log of this name can be there already: written by a run that crashed before any of
    // it was whole (recovery found no txn in it, so the zxid is handed out again). None of
    // it was acknowledged; it is replaced.
    const path = join(this.dir, logFileName(firstZxid));
    const fd = openSync(path, 'w');
    const header = FileHeader.encode({ magic: TXNLOG_MAGIC, version: FILE_VERSION, dbid: 0 });
    try {
      let done = 0;
      while (done < header.length) done += writeSync(fd, header, done, header.length - done, done);
      this.fileSize = fstatSync(fd).size;
    } catch (e) {
      // A full disk right after a roll fails here, and every later write comes back here:
      // the descriptor must go with the failure, or each failed write keeps one open until
      // the process runs out. A log without its header holds nothing: it goes too.
      closeQuietly(fd);
      rmSync(path, { force: true });
      throw e;
    }
    this.fd = fd;
    this.position = header.length;
    this.txnsInCurrentLog = 0;
  }

  /** FilePadding: keep zeros ahead of the write position, preAllocSize at a time. */
  private pad(fd: number, bytes: number): void {
    if (this.preAllocSize_bytes <= 0) return;
    const end = this.position + bytes;
    if (end + 4096 < this.fileSize) return;
    let size = this.fileSize + this.preAllocSize_bytes;
    if (end > this.fileSize) size = end + this.preAllocSize_bytes - ((end + this.preAllocSize_bytes) % this.preAllocSize_bytes);
    writeSync(fd, Buffer.alloc(1), 0, 1, size - 1);
    this.fileSize = size;
  }

  private closeFile(): void {
    const fd = this.fd;
    // Forgotten before closing: a close that fails (EIO) still releases the descriptor, and
    // the next append must open a new file rather than write to a number that is gone.
    this.fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }
}

/** Closes a descriptor on an error path, where the first error is the one to report. */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // the descriptor is released even when close reports an error (close(2))
  }
}

/** What reading one log file found: its txns, and whether it ended in a torn record. */
export interface LogRead {
  /** The txns read (past `after`, when given). */
  txns: Txn[];
  /** Byte offset just past each txn's record (what truncating after it keeps), one per txn. */
  ends: number[];
  /** Byte offset just past the last whole record. */
  validEnd: number;
  tornTail: boolean;
}

/**
 * How much of a log file is read at a time. A log is preallocated (64 MB by default) and
 * mostly zeros past its last txn: read whole, a 10k-znode server held 64 MB more at start.
 * 1 MiB holds a jute.maxbuffer record; a longer one gets a buffer of its own size.
 */
export const LOG_READ_CHUNK_BYTES = 1 << 20;

/**
 * Reads one log file, LOG_READ_CHUNK_BYTES at a time. A record cut short, or followed by
 * nothing but zeros, is a crash in mid-append: reading stops before it. A bad record with
 * written data after it is corruption, and throws a CorruptLogError naming the file and offset.
 */
export function readLogFile(path: string, after = Number.NEGATIVE_INFINITY): LogRead {
  const file = new ChunkedFile(path);
  try {
    return readRecords(path, file, after);
  } finally {
    file.close();
  }
}

/**
 * Txns at or before `after` are checked (length, checksum, end mark) and left out without
 * being decoded: a restore skips what its snapshot holds, often most of the log it reads.
 */
function readRecords(path: string, file: ChunkedFile, after: number): LogRead {
  const size = file.size;
  if (size < 16) return { txns: [], ends: [], validEnd: 0, tornTail: size > 0 };
  const header = FileHeader.read(file.reader(0, 16));
  if (header.magic !== TXNLOG_MAGIC) throw new CorruptLogError(`${path}: not a transaction log (magic 0x${(header.magic >>> 0).toString(16)})`);
  const txns: Txn[] = [];
  const ends: number[] = [];
  let offset = 16;
  for (;;) {
    if (size - offset < 12) return { txns, ends, validEnd: offset, tornTail: !file.zerosFrom(offset) };
    const head = file.reader(offset, 12);
    const crc = head.long();
    const len = head.int();
    if (len === 0 && crc === 0) return { txns, ends, validEnd: offset, tornTail: !file.zerosFrom(offset) };
    const recordEnd = offset + 12 + len + 1;
    const whole = len > 0 && recordEnd <= size;
    let entry: Buffer | undefined;
    let good = false;
    if (whole) {
      const record = file.bytes(offset + 12, len + 1);
      entry = record.subarray(0, len);
      good = record[len] === EOR && adler32(entry) === crc;
    }
    if (!good || !entry) {
      if (file.zerosFrom(whole ? recordEnd : size)) return { txns, ends, validEnd: offset, tornTail: true };
      throw new CorruptLogError(`${path}: corrupt record at offset ${offset} (checksum or length does not match) with data after it`);
    }
    offset = recordEnd;
    if (entryZxid(entry) <= after) continue;
    // decodeTxn copies what it keeps: the chunk is reused for the next records.
    txns.push(decodeTxn(entry));
    ends.push(offset);
  }
}

/** A file read through one reused buffer of LOG_READ_CHUNK_BYTES (grown for a longer record). */
export class ChunkedFile {
  private readonly fd: number;
  readonly size: number;
  private buf = Buffer.allocUnsafe(LOG_READ_CHUNK_BYTES);
  /** The file offset of buf[0], and how many bytes of buf hold the file. */
  private start = 0;
  private held = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
    try {
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      closeQuietly(this.fd);
      throw e;
    }
  }

  /** Bytes [offset, offset + length) of the file, valid until the next call; the caller checks they exist. */
  bytes(offset: number, length: number): Buffer {
    if (offset < this.start || offset + length > this.start + this.held) {
      if (length > this.buf.length) this.buf = Buffer.allocUnsafe(length);
      this.start = offset;
      this.held = 0;
      const want = Math.min(this.buf.length, this.size - offset);
      while (this.held < want) {
        const n = readSync(this.fd, this.buf, this.held, want - this.held, offset + this.held);
        if (n === 0) break; // the file shrank under us: what is there is all there is
        this.held += n;
      }
      if (this.held < length) throw new CorruptLogError(`short read at offset ${offset}: the log shrank while being read`);
    }
    return this.buf.subarray(offset - this.start, offset - this.start + length);
  }

  /**
   * The file from `offset` to the end of what the buffer holds, at least `length` bytes of
   * it (fewer at the end of the file); valid until the next call. For records whose length
   * is known only once they are read (a snapshot's).
   */
  window(offset: number, length: number): Buffer {
    const end = Math.min(this.size, offset + Math.max(length, 1));
    if (offset < this.start || end > this.start + this.held) this.bytes(offset, end - offset);
    return this.buf.subarray(offset - this.start, this.held);
  }

  reader(offset: number, length: number): Reader {
    return new Reader(this.bytes(offset, length));
  }

  /** Whether the file holds only zeros from `from` on (the preallocated tail of a log). */
  zerosFrom(from: number): boolean {
    for (let at = from; at < this.size; at += LOG_READ_CHUNK_BYTES) {
      const length = Math.min(LOG_READ_CHUNK_BYTES, this.size - at);
      const chunk = this.bytes(at, length);
      for (let i = 0; i < length; i += ZEROS.length) {
        const end = Math.min(i + ZEROS.length, length);
        if (chunk.compare(ZEROS, 0, end - i, i, end) !== 0) return false;
      }
    }
    return true;
  }

  close(): void {
    closeQuietly(this.fd);
  }
}

const ZEROS = Buffer.alloc(1 << 16);
