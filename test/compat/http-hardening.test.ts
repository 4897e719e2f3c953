// Bad HTTP input on the AdminServer and the Prometheus endpoint: named bad request targets,
// methods and request lines answered with the status Apache ZooKeeper 3.8 (Jetty) gives,
// and a fuzz run (fixed seeds) of random targets, methods and headers after which the
// server still serves HTTP, four-letter words and a bystander session.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import fc from 'fast-check';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { fourLetterWord, startServer, type Flavour, type RunningServer } from '../support/servers';

const HOSTS: Record<Flavour, string> = { apache: '127.0.1.10', ours: '127.0.1.11' };
const ADMIN_PORT = 8080;
const METRICS_PORT = 7000;

const servers = new Map<Flavour, RunningServer>();
let bystander: ZooKeeperClient;

/** Writes `head` (a request line and headers, CRLF-separated, no final blank line) raw; the status code, or 0 if none came. */
function rawStatus(host: string, port: number, head: string | Buffer): Promise<number> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    let got = Buffer.alloc(0);
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got.toString('latin1'));
      resolve(m ? Number(m[1]) : 0);
    };
    const timer = setTimeout(done, 5000);
    sock.on('connect', () => sock.write(Buffer.concat([Buffer.isBuffer(head) ? head : Buffer.from(head, 'latin1'), Buffer.from('\r\n\r\n')])));
    sock.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.includes('\r\n')) done();
    });
    sock.on('error', done);
    sock.on('close', done);
  });
}

const request = (method: string, target: string) => `${method} ${target} HTTP/1.1\r\nHost: zk\r\nConnection: close`;

/** Targets that killed ours, and their neighbours: escapes, brackets, dot segments, forms Jetty refuses. */
const BAD_TARGETS = [
  '/commands/%ZZ', '//[', '/commands/%ZZ/', '/commands/ruok?x=%ZZ', '/commands/ruok?%ZZ', '/commands/set_trace_mask?traceMask=%ZZ',
  '/commands/%00', '/commands/%C0%80', '/commands/%FF', '/%', '/commands/%', '/commands/%2', '/commands/%2e%2e/x', '/commands/ruok%2F',
  '*', 'http://[', 'http://a/commands/ruok', 'http://[::1]:8080/commands/ruok', '/commands/../commands/ruok', '/../', '/commands/../../x',
  '?x', '//commands/ruok', '/commands//ruok', '/commands/ruok/', '/commands/ruok#frag', '/commands/', '/metrics/%ZZ', '/[', '/]',
  '/commands/\x01', '/commands/\xff', '/commands/ruok?a&b=%20&=&c=%2', '/commands/%E2%82', '/commands/a%20b',
];

before(async () => {
  for (const flavour of ['apache', 'ours'] as const) {
    const cfg: Record<string, string | number | boolean> = { 'admin.enableServer': true, 'admin.serverAddress': HOSTS[flavour], 'admin.serverPort': ADMIN_PORT };
    // Debian's Apache lacks the Prometheus provider's jars: only ours serves /metrics.
    if (flavour === 'ours') {
      cfg['metricsProvider.className'] = 'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider';
      cfg['metricsProvider.httpHost'] = HOSTS.ours;
      cfg['metricsProvider.httpPort'] = METRICS_PORT;
    }
    servers.set(flavour, await startServer(flavour, { host: HOSTS[flavour], cfg }));
  }
  bystander = await ZooKeeperClient.connect(servers.get('ours')!.connectString);
  await bystander.create('/bystander', Buffer.from('still here'));
});

after(async () => {
  bystander?.disconnect();
  await Promise.all([...servers.values()].map((s) => s.stop()));
});

async function assertServing(when: string): Promise<void> {
  assert.equal(await fourLetterWord(HOSTS.ours, 2181, 'ruok'), 'imok', `4lw after ${when}`);
  assert.equal(await rawStatus(HOSTS.ours, ADMIN_PORT, request('GET', '/commands/ruok')), 200, `admin after ${when}`);
  assert.equal(await rawStatus(HOSTS.ours, METRICS_PORT, request('GET', '/metrics')), 200, `metrics after ${when}`);
  assert.equal((await bystander.getData('/bystander')).data?.toString(), 'still here', `bystander after ${when}`);
}

test('named bad request targets get the status Apache gives, on the AdminServer and /metrics', async () => {
  for (const target of BAD_TARGETS) {
    for (const method of ['GET', 'HEAD']) {
      const apache = await rawStatus(HOSTS.apache, ADMIN_PORT, request(method, target));
      const ours = await rawStatus(HOSTS.ours, ADMIN_PORT, request(method, target));
      assert.equal(ours, apache, `${method} ${JSON.stringify(target)}`);
      // The metrics endpoint parses as the same Jetty does: what Jetty refuses is refused
      // there too; what it takes is /metrics (200) or not (404).
      const metrics = await rawStatus(HOSTS.ours, METRICS_PORT, request(method, target));
      if (apache >= 400 && apache !== 404) assert.equal(metrics, apache, `metrics ${method} ${JSON.stringify(target)}`);
      else assert.ok([200, 404].includes(metrics), `metrics ${method} ${JSON.stringify(target)}: ${metrics}`);
    }
  }
  await assertServing('the named targets');
});

test('bad request lines, methods and headers get the status Apache gives', async () => {
  const heads = [
    request('POST', '/commands/ruok'), request('PUT', '/commands/ruok'), request('DELETE', '/commands/ruok'), request('FOO', '/commands/ruok'),
    request('OPTIONS', '*'), 'GET  HTTP/1.1\r\nHost: zk', 'GET /x HTTP/9.9\r\nHost: zk', 'GARBAGE', 'GET /commands/ruok HTTP/1.1\r\nBad Header',
    'GET /commands/ruok HTTP/1.1\r\nHost: zk\r\nContent-Length: -1', 'GET /commands/ruok HTTP/1.1\r\nHost: zk\r\nTransfer-Encoding: zip',
  ];
  for (const head of heads) {
    const [apache, ours] = [await rawStatus(HOSTS.apache, ADMIN_PORT, head), await rawStatus(HOSTS.ours, ADMIN_PORT, head)];
    assert.equal(ours, apache, JSON.stringify(head));
  }
  await assertServing('the bad request lines');
});

/** Characters that trip parsers: escapes, brackets, dots, separators, controls, non-ASCII. */
const TARGET_CHARS = [...'%/[]?#.:@&=+ZZ0aF~;', '\x00', '\x01', '\x7f', '\xff', 'é', '\u2028', '\uD800', '%2e', '%2F', '%00', '%C0', '%E2%82%AC'];

const fuzzRequest = fc.record({
  method: fc.oneof(fc.constantFrom('GET', 'HEAD', 'POST', 'OPTIONS', 'TRACE', 'CONNECT', 'PRI'), fc.string({ minLength: 0, maxLength: 8 })),
  target: fc.oneof(
    fc.array(fc.constantFrom(...TARGET_CHARS), { maxLength: 24 }).map((cs) => cs.join('')),
    fc.array(fc.constantFrom(...TARGET_CHARS), { maxLength: 16 }).map((cs) => `/commands/${cs.join('')}`),
    fc.array(fc.constantFrom(...TARGET_CHARS), { maxLength: 16 }).map((cs) => `/metrics${cs.join('')}`),
    fc.string({ maxLength: 40 }),
  ),
  version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', '', 'HTTP/1.1 x'),
  headers: fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 })), { maxLength: 4 }),
});

for (const [name, port] of [['AdminServer', ADMIN_PORT], ['/metrics', METRICS_PORT]] as const) {
  test(`the ${name} answers random requests (seeded) and serves on, and so does everything else`, async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fuzzRequest, async (r) => {
        const head = [`${r.method} ${r.target} ${r.version}`.trimEnd(), 'Host: zk', 'Connection: close', ...r.headers.map(([k, v]) => `${k}: ${v}`)].join('\r\n');
        const status = await rawStatus(HOSTS.ours, port, Buffer.from(head, 'utf8'));
        // Some lines are no HTTP at all (HTTP/0.9-shaped): no answer is then an answer.
        if (status !== 0) answered++;
        assert.ok(status === 0 || (status >= 200 && status < 600), `${JSON.stringify(head)} → ${status}`);
      }),
      { seed: port, numRuns: 400, endOnFailure: true },
    );
    assert.ok(answered > 300, `only ${answered} of 400 answered`);
    await assertServing(`fuzzing the ${name}`);
  });
}
