// The AdminServer against Apache ZooKeeper 3.8's (Jetty, Debian's package with
// servlet-api on the classpath), both in the same state: the command listing, every
// command's JSON (names and nesting of fields, and the values the state fixes), the
// answers to unknown commands, bad arguments, other paths and methods, and what happens
// when admin.serverPort is taken.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { CreateMode } from '../../src/jute/constants';
import { fourLetterWord, startServer, type Flavour, type RunningServer } from '../support/servers';

const HOSTS: Record<Flavour, string> = { apache: '127.0.0.101', ours: '127.0.0.102' };
const ADMIN_PORT = 8080;

const servers = new Map<Flavour, RunningServer>();
const clients: ZooKeeperClient[] = [];

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

async function get(flavour: Flavour, path: string, method = 'GET'): Promise<Answer> {
  const res = await fetch(`http://${HOSTS[flavour]}:${ADMIN_PORT}${path}`, { method });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** JSON with 64-bit ids (session ids beyond a double's precision) kept exact, as strings. */
function parse(body: string): Record<string, unknown> {
  return JSON.parse(body.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"')) as Record<string, unknown>;
}

before(async () => {
  for (const flavour of ['apache', 'ours'] as const) {
    const server = await startServer(flavour, {
      host: HOSTS[flavour],
      cfg: { 'admin.enableServer': true, 'admin.serverAddress': HOSTS[flavour], 'admin.serverPort': ADMIN_PORT },
    });
    servers.set(flavour, server);
    // The same state on both: a node with a data watch, an ephemeral, a child watch.
    const zk = await ZooKeeperClient.connect(server.connectString);
    clients.push(zk);
    await zk.create('/x', Buffer.from('1'));
    await zk.create('/x/y', Buffer.from('22'));
    await zk.create('/e', null, { mode: CreateMode.EPHEMERAL });
    await zk.getData('/x', true);
    await zk.getChildren('/x', true);
  }
});

after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([...servers.values()].map((s) => s.stop()));
});

test('GET /commands lists the same commands, as links', async () => {
  const [apache, ours] = [await get('apache', '/commands'), await get('ours', '/commands')];
  assert.equal(ours.status, 200);
  assert.equal(ours.body, apache.body);
  assert.ok(apache.body.includes('<a href="/commands/monitor">monitor</a>'), 'the reference listing is what we think it is');
});

/** The commands as Apache lists them, plus every alias. */
const ALIASES = ['crst', 'conf', 'config', 'cons', 'env', 'envi', 'gtmk', 'icfg', 'isro', 'lsnp', 'lead', 'mntr', 'orst', 'stmk', 'srvr', 'stat', 'srst', 'obsr', 'sysp', 'wchc', 'wchp', 'wchs'];

async function commandNames(): Promise<string[]> {
  const listing = (await get('apache', '/commands')).body;
  return [...listing.matchAll(/href="\/commands\/([a-z_]+)"/g)].map((m) => m[1]!).concat(ALIASES);
}

/** The shape of a JSON value: its keys (ids and times as keys made `<n>`), nested, and the type of each value. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? [] : [shape(v[0])];
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).map(([k, x]) => [/^-?\d+$/.test(k) ? '<n>' : k, shape(x)] as const);
    return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
  }
  return v === null ? 'null' : typeof v;
}

/** Fields whose value is the JVM's or the host's and not the server's (the environment). */
const RUNTIME_KEY = /^(java\.|node\.|host\.)/;

test('every command answers with the same field names, nesting and types', async () => {
  for (const name of await commandNames()) {
    const [apache, ours] = [await get('apache', `/commands/${name}`), await get('ours', `/commands/${name}`)];
    assert.equal(ours.status, apache.status, `${name}: status`);
    assert.equal(ours.contentType, apache.contentType, `${name}: content type`);
    let [a, o] = [parse(apache.body), parse(ours.body)];
    if (name === 'system_properties' || name === 'sysp') continue; // Java's own properties: see KNOWN_DIFFERENCES.md
    if (['environment', 'env', 'envi'].includes(name)) {
      a = Object.fromEntries(Object.entries(a).filter(([k]) => !RUNTIME_KEY.test(k)));
      o = Object.fromEntries(Object.entries(o).filter(([k]) => !RUNTIME_KEY.test(k)));
    }
    assert.deepEqual(shape(o), shape(a), `${name}: ${ours.body}\nApache: ${apache.body}`);
  }
});

/** Values that depend on time, the process, ports and temp dirs, replaced by placeholders. */
function normalise(flavour: Flavour, body: string): Record<string, unknown> {
  const server = servers.get(flavour)!;
  const text = body.replaceAll(server.dataDir, '<dataDir>').replaceAll(server.cfgFile, '<cfg>');
  const json = parse(text);
  // Session ids differ per server: number them in order of appearance.
  const ids = new Map<string, string>();
  const rename = (s: string) => (/^-?\d{16,}$/.test(s) ? (ids.get(s) ?? (ids.set(s, `session${ids.size}`), `session${ids.size - 1}`)) : s);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return rename(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [rename(k), walk(x)]));
    return v;
  };
  return walk(json) as Record<string, unknown>;
}

test('commands whose answer the state fixes answer the same values', async () => {
  for (const name of ['ruok', 'is_read_only', 'leader', 'watch_summary', 'hash', 'voting_view', 'observers', 'get_trace_mask', 'zabstate', 'configuration', 'watches', 'watches_by_path', 'connection_stat_reset', 'observer_connection_stat_reset', 'nosuch', 'set_trace_mask']) {
    const [apache, ours] = [await get('apache', `/commands/${name}`), await get('ours', `/commands/${name}`)];
    assert.deepEqual(normalise('ours', ours.body), normalise('apache', apache.body), name);
    // The same text too: field order, indentation, "null", "[ ]".
    if (!['configuration', 'watches', 'watches_by_path'].includes(name)) assert.equal(ours.body, apache.body, `${name} text`);
  }
});

test('dump, monitor and server_stats agree on the state: sessions, ephemerals, znodes, watches', async () => {
  const [a, o] = [normalise('apache', (await get('apache', '/commands/dump')).body), normalise('ours', (await get('ours', '/commands/dump')).body)];
  assert.deepEqual(o.session_id_to_ephemeral_paths, a.session_id_to_ephemeral_paths);
  assert.equal(Object.values(o.expiry_time_to_session_ids as object).flat().length, 1);

  const monitor = async (f: Flavour) => parse((await get(f, '/commands/monitor')).body);
  const [am, om] = [await monitor('apache'), await monitor('ours')];
  for (const key of ['server_state', 'znode_count', 'watch_count', 'ephemerals_count', 'approximate_data_size', 'global_sessions', 'num_alive_connections', 'outstanding_requests', 'local_sessions']) {
    assert.equal(om[key], am[key], `monitor ${key}`);
  }
  const stats = async (f: Flavour) => parse((await get(f, '/commands/server_stats')).body);
  const [as, os] = [await stats('apache'), await stats('ours')];
  assert.equal(os.node_count, as.node_count);
  const zxid = (s: Record<string, unknown>) => (s.server_stats as Record<string, unknown>).last_processed_zxid;
  assert.equal(zxid(os), zxid(as));
});

test('a request the AdminServer does not serve: 404 elsewhere, 405 for other methods', async () => {
  for (const [path, method] of [['/nothing', 'GET'], ['/commands/ruok', 'POST'], ['/commands/ruok', 'DELETE']] as const) {
    const [apache, ours] = [await get('apache', path, method), await get('ours', path, method)];
    assert.equal(ours.status, apache.status, `${method} ${path}`);
  }
});

test('set_trace_mask sets what get_trace_mask and gtmk then show', async () => {
  for (const flavour of ['apache', 'ours'] as const) {
    const set = parse((await get(flavour, '/commands/set_trace_mask?traceMask=5')).body);
    assert.deepEqual(set, { tracemask: 5, command: 'set_trace_mask', error: null }, flavour);
    assert.equal(parse((await get(flavour, '/commands/get_trace_mask')).body).tracemask, 5, flavour);
    assert.equal(await fourLetterWord(HOSTS[flavour], servers.get(flavour)!.port, 'gtmk'), '5', flavour);
    await get(flavour, '/commands/set_trace_mask?traceMask=306');
  }
});

test('admin.serverPort taken: the server does not start, and says which key to change', async () => {
  const host = '127.0.0.103';
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(ADMIN_PORT, host, () => r()));
  const dir = mkdtempSync(join(tmpdir(), 'zk-admin-port-'));
  try {
    const cfg = join(dir, 'zoo.cfg');
    writeFileSync(cfg, `dataDir=${join(dir, 'data')}\nclientPort=2181\nclientPortAddress=${host}\nadmin.serverAddress=${host}\nadmin.serverPort=${ADMIN_PORT}\n`);
    const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../dist/zookeeper-ts.cjs'), 'server', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.notEqual(code, 0);
    assert.match(stderr, new RegExp(`${host}:${ADMIN_PORT} is already in use: set admin\\.serverPort in ${cfg.replaceAll('/', '\\/')}`));
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
