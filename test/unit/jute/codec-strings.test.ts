// Jute strings as the Writer lays them out: an int length of the UTF-8 bytes, then the bytes
// (-1 for null). ASCII strings up to a limit are stored a char at a time, others through
// Buffer's UTF-8 encoder; both must give exactly Buffer.from(s, 'utf8'), whatever the
// string holds and wherever its first non-ASCII char is, and read back the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader, Writer } from '../../../src/jute/codec';

function expected(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

test('ustring writes the UTF-8 bytes after their length for ASCII, non-ASCII and mixed strings of every size', () => {
  const ascii = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(0x20 + (i % 95))).join('');
  const strings = [
    '',
    '/',
    '/bench/n-0000000123',
    ascii(255),
    ascii(256),
    ascii(257),
    ascii(5000),
    'ü/a',
    '/a/ünïcode-名前',
    `${ascii(200)}é`,
    `${ascii(256)}é`,
    '/emoji-😀',
    '\u007f\u0080',
    // A lone surrogate: Buffer's encoder writes U+FFFD for it, and so must the Writer.
    '/x\ud800y',
  ];
  for (const s of strings) {
    // A small initial buffer: every string makes it grow on some write.
    const w = new Writer(8);
    w.int(7);
    w.ustring(s);
    w.ustring(null);
    const want = Buffer.concat([Buffer.from([0, 0, 0, 7]), expected(s), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
    assert.deepEqual(w.toBuffer(), want, JSON.stringify(s.slice(0, 40)));
    const r = new Reader(w.toBuffer());
    assert.equal(r.int(), 7);
    assert.equal(r.ustring(), Buffer.from(s, 'utf8').toString('utf8'));
    assert.equal(r.ustring(), null);
  }
});
