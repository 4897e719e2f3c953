// RateLogger as ZooKeeper's: a repeated message once, then a count of its repeats at most
// once per interval; another message flushes the count first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RATE_LOG_INTERVAL_ms, RateLogger } from '../../../src/log/rate-logger';

test('a repeated warning is logged once, then as "[N times] Message: ..." at most once per interval', () => {
  const lines: string[] = [];
  let now = 1000;
  const r = new RateLogger((l) => lines.push(l), RATE_LOG_INTERVAL_ms, () => now);
  r.rateLimitLog('Quota exceeded: /a [current count=5, hardCountLimit=4]');
  for (let i = 0; i < 3; i++) r.rateLimitLog('Quota exceeded: /a [current count=5, hardCountLimit=4]');
  assert.deepEqual(lines, ['Quota exceeded: /a [current count=5, hardCountLimit=4]']);
  now += RATE_LOG_INTERVAL_ms;
  r.rateLimitLog('Quota exceeded: /a [current count=5, hardCountLimit=4]');
  assert.equal(lines[1], '[4 times] Message: Quota exceeded: /a [current count=5, hardCountLimit=4]');
  r.rateLimitLog('Quota exceeded: /b [current bytes=9, softByteLimit=8]');
  assert.deepEqual(lines.slice(2), ['Quota exceeded: /b [current bytes=9, softByteLimit=8]']);
});
