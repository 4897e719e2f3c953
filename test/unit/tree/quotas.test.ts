// The quota nodes' text (StatsTrack) and the trie of quota'd paths (PathTrie), as Apache
// ZooKeeper 3.8 reads and writes them: the strings are what zkCli and Apache's server
// wrote in test/compat/quotas.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PathTrie, QuotaFormatError, StatsTrack, limitPath, statPath, topNamespace } from '../../../src/tree/quotas';

test('StatsTrack writes count and bytes first, then "=" and the other keys sorted; absent keys read -1', () => {
  const s = new StatsTrack();
  s.count = 3;
  s.bytes = -1;
  s.countHardLimit = -1;
  s.byteHardLimit = 12;
  assert.equal(s.toString(), 'count=3,bytes=-1=;byteHardLimit=12;countHardLimit=-1');
  const zero = new StatsTrack();
  zero.count = 0;
  zero.bytes = 0;
  assert.equal(zero.toString(), 'count=0,bytes=0');
  assert.equal(new StatsTrack('').toString(), 'count=-1,bytes=-1');
  const read = new StatsTrack('count=3,bytes=-1=;byteHardLimit=12;countHardLimit=-1');
  assert.deepEqual([read.count, read.bytes, read.countHardLimit, read.byteHardLimit], [3, -1, -1, 12]);
  // A 3.4-era limit node (no hard limits), and an empty value (-1).
  const old = new StatsTrack('count=10,bytes=-1');
  assert.deepEqual([old.count, old.countHardLimit], [10, -1]);
  assert.equal(new StatsTrack('count=5;bytes==7').bytes, -1); // Java's split: ["bytes", "", "7"]
  assert.throws(() => new StatsTrack('count=5;bytes=='), QuotaFormatError); // ["bytes"]: no value
  assert.throws(() => new StatsTrack('count=x,bytes=1'), QuotaFormatError);
  assert.throws(() => new StatsTrack('count,bytes=1'), QuotaFormatError);
});

test('the quota paths, and the top namespace as PathUtils.getTopNamespace gives it', () => {
  assert.equal(limitPath('/a/b'), '/zookeeper/quota/a/b/zookeeper_limits');
  assert.equal(statPath('/a'), '/zookeeper/quota/a/zookeeper_stats');
  assert.equal(topNamespace('/a/b'), 'a');
  assert.equal(topNamespace('/'), undefined);
  assert.equal(topNamespace(''), undefined);
});

test('PathTrie: the deepest quota on the way; deleting one leaves a nested one below it', () => {
  const t = new PathTrie();
  assert.equal(t.findMaxPrefix('/a/b'), '/');
  t.addPath('/a');
  t.addPath('/a/b/c');
  assert.equal(t.findMaxPrefix('/a/b'), '/a');
  assert.equal(t.findMaxPrefix('/a/b/c/d'), '/a/b/c');
  assert.equal(t.findMaxPrefix('/ab'), '/');
  t.deletePath('/a');
  assert.equal(t.findMaxPrefix('/a/x'), '/');
  assert.equal(t.findMaxPrefix('/a/b/c/d'), '/a/b/c');
  t.deletePath('/a/b/c');
  assert.equal(t.findMaxPrefix('/a/b/c/d'), '/');
});
