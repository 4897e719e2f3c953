// The acceptedEpoch and currentEpoch files a quorum peer keeps in dataDir/version-2, as
// Apache ZooKeeper's QuorumPeer writes and reads them: the epoch in decimal, no newline,
// written to <name>.tmp, fsynced, then renamed over the file (AtomicFileOutputStream), so
// a crash leaves either the old value or the new one. Read back as Long.parseLong of the
// file's first line.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { epochOf, zxidToString } from '../quorum/zxid';
import { fsyncDir } from './file-snap';

export const CURRENT_EPOCH_FILENAME = 'currentEpoch';
export const ACCEPTED_EPOCH_FILENAME = 'acceptedEpoch';
/** AtomicFileOutputStream.TMP_EXTENSION. */
export const TMP_EXTENSION = '.tmp';

/** An epoch file that does not hold a number, or epochs that contradict each other: the peer must not start. */
export class EpochFileError extends Error {
  override readonly name = 'EpochFileError';
}

/** The epoch in `dir/name`, or undefined when there is no such file (Apache's FileNotFoundException). */
export function readLongFromFile(dir: string, name: string): number | undefined {
  const file = join(dir, name);
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  // BufferedReader.readLine: up to the first \n, \r or \r\n; Long.parseLong takes an
  // optional sign and decimal digits, nothing else (no spaces).
  const line = /^[^\r\n]*/.exec(text)![0];
  if (!/^[+-]?\d{1,19}$/.test(line)) throw new EpochFileError(`Found ${line} in ${file}`);
  const value = Number(line);
  if (!Number.isSafeInteger(value)) throw new EpochFileError(`Found ${line} in ${file} (beyond the epochs this server can hold)`);
  return value;
}

/** Writes the epoch durably: tmp file, fsync, rename over `name`, fsync of the directory. */
export function writeLongToFile(dir: string, name: string, value: number): void {
  const file = join(dir, name);
  const tmp = file + TMP_EXTENSION;
  const bytes = Buffer.from(String(value), 'latin1');
  const fd = openSync(tmp, 'w');
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, done);
    fsyncSync(fd);
    closeSync(fd);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed, or the close is what failed: the descriptor is released either way
    }
    rmSync(tmp, { force: true });
    throw e;
  }
  renameSync(tmp, file);
  // Apache stops at the rename; the directory's fsync makes the rename itself survive a
  // power cut, so the value is durable when this returns.
  fsyncDir(dir);
}

export interface Epochs {
  acceptedEpoch: number;
  currentEpoch: number;
  /** What was decided on the way, one line each, for the log. */
  notes: string[];
}

/** What the epoch files hold (undefined: no such file), as loadEpochs reads them. */
export interface EpochFiles {
  currentEpoch?: number;
  currentEpochTmp?: number;
  acceptedEpoch?: number;
}

/**
 * QuorumPeer.loadDataBase's epoch rules, after the tree is loaded (pure: loadEpochs reads
 * the files, and writes back the ones named in `write`):
 * - a missing file is created from the epoch of the last processed zxid (an upgrade from a
 *   version without the files);
 * - a currentEpoch below that zxid's epoch is either a crash between writing
 *   currentEpoch.tmp and its rename (the tmp file's value is taken, and written) or, with
 *   that epoch accepted, a crash between logging the txns of a sync and moving currentEpoch,
 *   the order ZOOKEEPER-4643 requires (the txns came from that epoch's leader before its
 *   NEWLEADER was acknowledged: currentEpoch stays, so the peer ranks below those that
 *   finished the sync); otherwise the peer refuses to start. Apache 3.8 refuses the second
 *   case too, but there it cannot arise: it moves currentEpoch before the log;
 * - an acceptedEpoch below currentEpoch refuses to start.
 */
export function decideEpochs(files: EpochFiles, lastProcessedZxid: number): Epochs & { write: { currentEpoch?: number; acceptedEpoch?: number } } {
  const notes: string[] = [];
  const write: { currentEpoch?: number; acceptedEpoch?: number } = {};
  const epochOfZxid = epochOf(lastProcessedZxid);
  let currentEpoch = files.currentEpoch;
  if (currentEpoch === undefined) {
    currentEpoch = write.currentEpoch = epochOfZxid;
    notes.push(`${CURRENT_EPOCH_FILENAME} not found: created with ${currentEpoch}, the epoch of the last zxid`);
  }
  let acceptedEpoch = files.acceptedEpoch;
  if (acceptedEpoch === undefined) {
    acceptedEpoch = write.acceptedEpoch = epochOfZxid;
    notes.push(`${ACCEPTED_EPOCH_FILENAME} not found: created with ${acceptedEpoch}, the epoch of the last zxid`);
  }
  if (epochOfZxid > currentEpoch) {
    const fromTmp = files.currentEpochTmp;
    if (fromTmp !== undefined) {
      notes.push(`${CURRENT_EPOCH_FILENAME}${TMP_EXTENSION} found: current epoch set to ${fromTmp}`);
      currentEpoch = write.currentEpoch = fromTmp;
    } else if (acceptedEpoch >= epochOfZxid) {
      notes.push(`the log reaches epoch ${epochOfZxid}, accepted but not yet current (${currentEpoch}): a sync's txns were logged and the peer stopped before its NEWLEADER ACK`);
    } else {
      throw new EpochFileError(`The current epoch, ${zxidToString(currentEpoch)}, is older than the last zxid, ${zxidToString(lastProcessedZxid)}`);
    }
  }
  if (acceptedEpoch < currentEpoch) {
    throw new EpochFileError(`The accepted epoch, ${zxidToString(acceptedEpoch)} is less than the current epoch, ${zxidToString(currentEpoch)}`);
  }
  return { acceptedEpoch, currentEpoch, notes, write };
}

/** Reads the epoch files of `dir`, decides (decideEpochs) and writes back what it created or took. */
export function loadEpochs(dir: string, lastProcessedZxid: number): Epochs {
  const files: EpochFiles = { currentEpoch: readLongFromFile(dir, CURRENT_EPOCH_FILENAME), acceptedEpoch: readLongFromFile(dir, ACCEPTED_EPOCH_FILENAME) };
  if (files.currentEpoch === undefined || epochOf(lastProcessedZxid) > files.currentEpoch) files.currentEpochTmp = readLongFromFile(dir, CURRENT_EPOCH_FILENAME + TMP_EXTENSION);
  const d = decideEpochs(files, lastProcessedZxid);
  if (d.write.currentEpoch !== undefined) writeLongToFile(dir, CURRENT_EPOCH_FILENAME, d.write.currentEpoch);
  if (d.write.acceptedEpoch !== undefined) writeLongToFile(dir, ACCEPTED_EPOCH_FILENAME, d.write.acceptedEpoch);
  return { acceptedEpoch: d.acceptedEpoch, currentEpoch: d.currentEpoch, notes: d.notes };
}
