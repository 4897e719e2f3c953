// `zookeeper-ts purge dataLogDir [snapDir] -n count`: Apache's PurgeTxnLog, what zkCleanup.sh
// runs — its argument order, messages, usage and exit codes; the newest `count` valid
// snapshots and the logs they need are kept, every older file is removed and named.
// One difference, on purpose: a directory with no version-2 is refused. Apache's creates an
// empty version-2 there and exits 0, which hides a wrong path (/var/lib/zookeeper/version-2
// given for /var/lib/zookeeper) behind a purge that never deletes anything.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MIN_SNAP_RETAIN_COUNT, purge, type PurgedFile } from '../persistence/purge';

/** PurgeTxnLog's exit code for every refusal (ExitCode.UNEXPECTED_ERROR). */
const USAGE_EXIT = 1;

const USAGE = [
  'Usage:',
  'PurgeTxnLog dataLogDir [snapDir] -n count',
  '\tdataLogDir -- path to the txn log directory',
  '\tsnapDir -- path to the snapshot directory',
  `\tcount -- the number of old snaps/logs you want to keep, value should be greater than or equal to ${MIN_SNAP_RETAIN_COUNT}`,
].join('\n');

class Refused extends Error {}

export function runPurge(args: string[]): number {
  try {
    const { logDir, snapDir, count } = parseArgs(args);
    for (const dir of new Set([logDir, snapDir])) {
      if (!existsSync(join(dir, 'version-2'))) {
        console.error(`Path '${resolve(dir)}' holds no version-2 directory: not a dataDir or dataLogDir; nothing purged`);
        return USAGE_EXIT;
      }
    }
    for (const f of purge(snapDir, logDir, count).deleted) console.log(`Removing file: ${javaDateTime(f)}\t${f.path}`);
    return 0;
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    if (e.message !== '') console.error(e.message);
    console.log(USAGE);
    return USAGE_EXIT;
  }
}

/** PurgeTxnLog.main's checks, in its order: the count of words, each path, the count, then -n. */
function parseArgs(args: string[]): { logDir: string; snapDir: string; count: number } {
  if (args.length < 3 || args.length > 4) throw new Refused('');
  const logDir = existing(args[0]!);
  const snapDir = args.length === 4 ? existing(args[1]!) : logDir;
  const [option, count] = args.length === 4 ? [args[2], args[3]!] : [args[1], args[2]!];
  const n = countOf(count);
  if (option !== '-n') throw new Refused('');
  return { logDir, snapDir, count: n };
}

function existing(path: string): string {
  if (!existsSync(path)) throw new Refused(`Path '${resolve(path)}' does not exist. `);
  return path;
}

function countOf(word: string): number {
  // Integer.parseInt: an optional sign and decimal digits, within an int.
  const n = /^[+-]?\d+$/.test(word) ? Number(word) : NaN;
  if (!Number.isSafeInteger(n) || n > 0x7fffffff || n < -0x80000000) throw new Refused(`'${word}' can not be parsed to integer.`);
  if (n < MIN_SNAP_RETAIN_COUNT) throw new Refused(`count should be greater than or equal to ${MIN_SNAP_RETAIN_COUNT}`);
  return n;
}

/** DateFormat.getDateTimeInstance() in Java's default (en-US) locale: "Dec 1, 2026, 12:46:50 PM". */
function javaDateTime(f: PurgedFile): string {
  // ICU puts a narrow no-break space before AM/PM; Java 17's format has a plain one.
  return new Date(f.modified_ms).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'medium' }).replace(/\u202f/g, ' ');
}
