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

/**
 * QuorumPeer.loadDataBase's epoch rules, after the tree is loaded:
 * - a missing file is created from the epoch of the last processed zxid (an upgrade from a
 *   version without the files);
 * - a currentEpoch below that zxid's epoch is a crash between writing currentEpoch.tmp and
 *   its rename: the tmp file's value is taken (and written) if it is there, else the peer
 *   refuses to start; a tmp file left behind in any other case is ignored;
 * - an acceptedEpoch below currentEpoch refuses to start.
 */
export function loadEpochs(dir: string, lastProcessedZxid: number): Epochs {
  const notes: string[] = [];
  const epochOfZxid = epochOf(lastProcessedZxid);
  let currentEpoch = readLongFromFile(dir, CURRENT_EPOCH_FILENAME);
  if (currentEpoch === undefined) {
    currentEpoch = epochOfZxid;
    notes.push(`${CURRENT_EPOCH_FILENAME} not found: created with ${currentEpoch}, the epoch of the last zxid`);
    writeLongToFile(dir, CURRENT_EPOCH_FILENAME, currentEpoch);
  }
  if (epochOfZxid > currentEpoch) {
    const fromTmp = readLongFromFile(dir, CURRENT_EPOCH_FILENAME + TMP_EXTENSION);
    if (fromTmp === undefined) {
      throw new EpochFileError(`The current epoch, ${zxidToString(currentEpoch)}, is older than the last zxid, ${zxidToString(lastProcessedZxid)}`);
    }
    notes.push(`${CURRENT_EPOCH_FILENAME}${TMP_EXTENSION} found: current epoch set to ${fromTmp}`);
    writeLongToFile(dir, CURRENT_EPOCH_FILENAME, fromTmp);
    currentEpoch = fromTmp;
  }
  let acceptedEpoch = readLongFromFile(dir, ACCEPTED_EPOCH_FILENAME);
  if (acceptedEpoch === undefined) {
    acceptedEpoch = epochOfZxid;
    notes.push(`${ACCEPTED_EPOCH_FILENAME} not found: created with ${acceptedEpoch}, the epoch of the last zxid`);
    writeLongToFile(dir, ACCEPTED_EPOCH_FILENAME, acceptedEpoch);
  }
  if (acceptedEpoch < currentEpoch) {
    throw new EpochFileError(`The accepted epoch, ${zxidToString(acceptedEpoch)} is less than the current epoch, ${zxidToString(currentEpoch)}`);
  }
  return { acceptedEpoch, currentEpoch, notes };
}
