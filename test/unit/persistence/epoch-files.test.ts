// The acceptedEpoch/currentEpoch files as Apache's QuorumPeer writes and reads them: decimal
// text with no newline, replaced atomically; created from the last zxid's epoch when missing;
// currentEpoch.tmp taken only after a crash between its write and its rename; an accepted
// epoch below the current one refused.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { decideEpochs, EpochFileError, loadEpochs, readLongFromFile, writeLongToFile } from '../../../src/persistence/epoch-files';
import { makeZxid } from '../../../src/quorum/zxid';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'zkts-epochs-'));
  dirs.push(d);
  return d;
}

test('an epoch is written as Long.toString with no newline, and no tmp file stays behind', () => {
  const d = dir();
  writeLongToFile(d, 'acceptedEpoch', 7);
  assert.equal(readFileSync(join(d, 'acceptedEpoch'), 'latin1'), '7');
  writeLongToFile(d, 'acceptedEpoch', 123456789);
  assert.equal(readFileSync(join(d, 'acceptedEpoch'), 'latin1'), '123456789');
  assert.deepEqual(readdirSync(d), ['acceptedEpoch']);
  assert.equal(readLongFromFile(d, 'acceptedEpoch'), 123456789);
});

test('reading takes the first line as Long.parseLong does: a trailing newline is fine, spaces or words are not', () => {
  const d = dir();
  writeFileSync(join(d, 'currentEpoch'), '12\n');
  assert.equal(readLongFromFile(d, 'currentEpoch'), 12);
  writeFileSync(join(d, 'currentEpoch'), '12\r\nrest');
  assert.equal(readLongFromFile(d, 'currentEpoch'), 12);
  writeFileSync(join(d, 'currentEpoch'), '+3');
  assert.equal(readLongFromFile(d, 'currentEpoch'), 3);
  for (const bad of [' 12', '12 ', 'twelve', '', '0x5']) {
    writeFileSync(join(d, 'currentEpoch'), bad);
    assert.throws(() => readLongFromFile(d, 'currentEpoch'), (e: Error) => e instanceof EpochFileError && e.message === `Found ${bad} in ${join(d, 'currentEpoch')}`);
  }
  assert.equal(readLongFromFile(d, 'acceptedEpoch'), undefined, 'a missing file is not an error');
});

test('missing files are created from the epoch of the last zxid (an upgrade), as Apache does', () => {
  const d = dir();
  const e = loadEpochs(d, makeZxid(5, 17));
  assert.deepEqual([e.acceptedEpoch, e.currentEpoch], [5, 5]);
  assert.equal(readFileSync(join(d, 'currentEpoch'), 'latin1'), '5');
  assert.equal(readFileSync(join(d, 'acceptedEpoch'), 'latin1'), '5');
  assert.equal(e.notes.length, 2);
});

test('a tmp file left by a crash before the rename is ignored: the old value stands', () => {
  const d = dir();
  writeLongToFile(d, 'currentEpoch', 4);
  writeLongToFile(d, 'acceptedEpoch', 6);
  // the crash: the new value reached acceptedEpoch.tmp / currentEpoch.tmp, the rename never ran
  writeFileSync(join(d, 'acceptedEpoch.tmp'), '9');
  writeFileSync(join(d, 'currentEpoch.tmp'), '9');
  const e = loadEpochs(d, makeZxid(4, 100));
  assert.deepEqual([e.acceptedEpoch, e.currentEpoch], [6, 4]);
  // and the next write replaces the tmp file and renames it
  writeLongToFile(d, 'acceptedEpoch', 7);
  assert.equal(existsSync(join(d, 'acceptedEpoch.tmp')), false);
  assert.equal(readLongFromFile(d, 'acceptedEpoch'), 7);
});

test('currentEpoch older than the last zxid: currentEpoch.tmp is taken (and written) when present, else, that epoch not even accepted, the peer refuses to start', () => {
  const d = dir();
  writeLongToFile(d, 'currentEpoch', 3);
  writeLongToFile(d, 'acceptedEpoch', 3);
  assert.throws(() => loadEpochs(d, makeZxid(4, 1)), /^EpochFileError: The current epoch, 0x3, is older than the last zxid, 0x400000001$/);
  writeLongToFile(d, 'acceptedEpoch', 4);
  writeFileSync(join(d, 'currentEpoch.tmp'), '4');
  const e = loadEpochs(d, makeZxid(4, 1));
  assert.equal(e.currentEpoch, 4);
  assert.equal(readFileSync(join(d, 'currentEpoch'), 'latin1'), '4');
});

test('an accepted epoch below the current epoch refuses to start', () => {
  const d = dir();
  writeLongToFile(d, 'currentEpoch', 5);
  writeLongToFile(d, 'acceptedEpoch', 4);
  assert.throws(() => loadEpochs(d, makeZxid(5, 1)), /^EpochFileError: The accepted epoch, 0x4 is less than the current epoch, 0x5$/);
});

test('a log in an accepted epoch that is not yet current (ZOOKEEPER-4643: a sync\'s txns are logged before currentEpoch moves, and the peer died between): it starts, currentEpoch unchanged', () => {
  // Found by test/sim (seed 49): a learner synced by SNAP logged the new epoch's proposals
  // at NEWLEADER, lost its leader before the fsync came back, and could never start again.
  const d = dir();
  writeLongToFile(d, 'currentEpoch', 0);
  writeLongToFile(d, 'acceptedEpoch', 1);
  const e = loadEpochs(d, makeZxid(1, 3));
  assert.deepEqual([e.acceptedEpoch, e.currentEpoch], [1, 0]);
  assert.equal(readLongFromFile(d, 'currentEpoch'), 0, 'nothing written: the sync was never acknowledged');
  assert.match(e.notes.join(), /accepted but not yet current/);
  assert.deepEqual(decideEpochs({ currentEpoch: 0, acceptedEpoch: 1 }, makeZxid(1, 3)).write, {});
});
