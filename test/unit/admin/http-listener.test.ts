// The HTTP listener both endpoints share: a handler that throws (at once or later) is
// answered 500 with one log line, and the listener serves the next request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpListener } from '../../../src/admin/http-listener';

const HOST = '127.0.1.20';

test('a handler that throws, at once or in a promise, answers 500, logs one line and the listener serves on', async () => {
  const lines: string[] = [];
  const log = { warn: (l: string) => lines.push(`WARN ${l}`), error: (l: string) => lines.push(`ERROR ${l}`) };
  const listener = await HttpListener.start(
    async (req, res) => {
      if (req.path === '/sync') throw new Error('thrown at once\nsecond line');
      if (req.path === '/async') {
        await new Promise((r) => setTimeout(r, 5));
        throw new RangeError('thrown later');
      }
      res.end('fine');
    },
    { host: HOST, port: 0, key: 'test.port', alternative: 'nothing', cfgFile: 'zoo.cfg', log },
  );
  try {
    const base = `http://${HOST}:${listener.port}`;
    assert.equal((await fetch(`${base}/sync`)).status, 500);
    assert.equal((await fetch(`${base}/async`)).status, 500);
    const ok = await fetch(`${base}/fine`);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'fine');
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /^ERROR GET \/sync from .* failed: thrown at once\\nsecond line$/);
    assert.match(lines[1]!, /^ERROR GET \/async from .* failed: thrown later$/);
  } finally {
    await listener.stop();
  }
});
