// The four-letter words, against Apache ZooKeeper 3.8 and ours in the same state: the
// answers must be the same once what differs between any two runs is normalised (numbers,
// times, session ids, paths, the version string). envi and mntr differ on purpose, as
// KNOWN_DIFFERENCES.md says; for them the shared part is compared.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { CreateMode } from '../../src/jute/constants';
import { fourLetterWord, startServer, type Flavour, type RunningServer } from '../support/servers';

const HOSTS: Record<Flavour, string> = { apache: '127.0.0.86', ours: '127.0.0.87' };
const WORDS = ['ruok', 'isro', 'srvr', 'stat', 'conf', 'cons', 'wchs', 'wchc', 'wchp', 'dump', 'dirs', 'gtmk', 'stmk', 'envi', 'mntr', 'srst', 'crst'];

const servers = new Map<Flavour, RunningServer>();
const clients: ZooKeeperClient[] = [];
const answers = new Map<Flavour, Map<string, string>>();

before(async () => {
  for (const flavour of ['apache', 'ours'] as const) {
    const server = await startServer(flavour, { host: HOSTS[flavour] });
    servers.set(flavour, server);
    // The same state on both: a node with a data watch, an ephemeral, a child watch on /.
    const zk = await ZooKeeperClient.connect(server.connectString);
    clients.push(zk);
    await zk.create('/x', Buffer.from('1'));
    await zk.create('/e', null, { mode: CreateMode.EPHEMERAL });
    await zk.getData('/x', true);
    await zk.getChildren('/', true);
    const got = new Map<string, string>();
    for (const word of WORDS) got.set(word, await fourLetterWord(server.host, server.port, word));
    answers.set(flavour, got);
  }
});

after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([...servers.values()].map((s) => s.stop()));
});

function normalise(text: string, server: RunningServer): string {
  return text
    // Apache's expiry queues keep a bucket a connection just left until its time passes
    // ("0 expire at ..."); ours lists the buckets that hold one (KNOWN_DIFFERENCES).
    .replace(/^0 expire at [^\n]*:\n/gm, '')
    .replace(/3\.8\.0-\S+, built on \S+ \S+ UTC/g, '<version>')
    .replaceAll(server.dataDir, '<dataDir>')
    .replaceAll(server.host, '<host>')
    .replace(/0x[0-9a-f]+/g, '<hex>')
    .replace(/\d+(\.\d+)?/g, 'N');
}

/**
 * Connection lines (cons, stat) come in the order of ZooKeeper's connection set, a
 * ConcurrentHashMap keyed by object identity: an order no two runs share. They are sorted.
 */
function sortConnectionLines(text: string): string {
  const lines = text.split('\n');
  const conns = lines.filter((l) => l.startsWith(' /')).sort();
  let i = 0;
  return lines.map((l) => (l.startsWith(' /') ? conns[i++]! : l)).join('\n');
}

const answer = (flavour: Flavour, word: string) => sortConnectionLines(normalise(answers.get(flavour)!.get(word)!, servers.get(flavour)!));

for (const word of WORDS.filter((w) => w !== 'envi' && w !== 'mntr')) {
  test(`${word} answers as Apache ZooKeeper does`, () => {
    assert.equal(answer('ours', word), answer('apache', word));
  });
}

test('envi lists the same environment, with node.version where Apache lists java.*, then host facts', () => {
  const keys = (f: Flavour) => answer(f, 'envi').split('\n').filter((l) => l.includes('=')).map((l) => l.split('=')[0]!);
  const apache = keys('apache').filter((k) => !k.startsWith('java.'));
  const ours = keys('ours');
  assert.deepEqual(ours.filter((k) => !k.startsWith('host.') || k === 'host.name'), apache.flatMap((k) => (k === 'host.name' ? [k, 'node.version'] : [k])));
  assert.deepEqual(ours.filter((k) => k.startsWith('host.') && k !== 'host.name'), [
    'host.os', 'host.cpu.model', 'host.cpu.cores', 'host.memory.total', 'host.memory.available', 'host.datadir.mount', 'host.datadir.size', 'host.datadir.available',
  ]);
  assert.equal(answer('ours', 'envi').split('\n')[0], 'Environment:');
});

test("mntr: Apache's metrics, every one, with the same value where the state fixes it", () => {
  const parse = (f: Flavour) => new Map(answers.get(f)!.get('mntr')!.trim().split('\n').map((l) => l.split('\t') as [string, string]));
  const apache = parse('apache');
  const ours = parse('ours');
  assert.deepEqual([...ours.keys()].sort(), [...apache.keys()].sort());
  // Per-namespace summaries, one per top-level znode read or written (/x, /e here).
  assert.ok(apache.has('zk_cnt_x_read_per_namespace'), 'the reference shows per-namespace reads');
  const perNamespace = [...apache.keys()].filter((k) => /^zk_(cnt|sum|min|max)_.*_per_namespace$/.test(k));
  for (const key of ['zk_server_state', 'zk_znode_count', 'zk_watch_count', 'zk_ephemerals_count', 'zk_approximate_data_size', 'zk_outstanding_requests', 'zk_global_sessions', 'zk_num_alive_connections', ...perNamespace]) {
    assert.equal(ours.get(key), apache.get(key), key);
  }
});

test('a word sent by a client that closes its side at once (`echo mntr | nc`) is still answered', async () => {
  const halfClosed = (flavour: Flavour) =>
    new Promise<string>((resolve, reject) => {
      const s = connect({ host: HOSTS[flavour], port: servers.get(flavour)!.port });
      let out = '';
      s.on('connect', () => s.end('mntr'));
      s.on('data', (d) => (out += d.toString()));
      s.on('error', reject);
      s.on('close', () => resolve(out));
    });
  for (const flavour of ['apache', 'ours'] as const) assert.match(await halfClosed(flavour), /^zk_version\t/, flavour);
});

test('with the default whitelist only srvr is answered, with the same refusal for the rest', async () => {
  const refusals: Record<string, string> = {};
  for (const flavour of ['apache', 'ours'] as const) {
    const host = flavour === 'apache' ? '127.0.0.88' : '127.0.0.89';
    const server = await startServer(flavour, { host, cfg: { '4lw.commands.whitelist': 'srvr' } });
    try {
      refusals[flavour] = (await Promise.all(['ruok', 'stat', 'mntr', 'srvr'].map((w) => fourLetterWord(host, server.port, w))))
        .map((a) => normalise(a, server))
        .join('---\n');
    } finally {
      await server.stop();
    }
  }
  assert.equal(refusals.ours, refusals.apache);
  assert.match(refusals.ours!, /^ruok is not executed because it is not in the whitelist\.$/m);
});
