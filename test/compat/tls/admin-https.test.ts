// The AdminServer over TLS, beside Apache ZooKeeper 3.8's JettyAdminServer on the same
// stores: admin.portUnification serves HTTPS and plain HTTP on one port, admin.forceHttps
// HTTPS alone; the stores are the quorum's (ssl.quorum.keyStore.*, here a JKS, and
// ssl.quorum.trustStore.*). curl -k and curl --cacert get the same answers and headers
// that matter (status, Content-Type, Strict-Transport-Security) from both. Addresses
// 127.0.52.5/.6 (portUnification: ours/Apache), 127.0.52.7/.8 (forceHttps), 127.0.52.10.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startServer, type Flavour, type RunningServer } from '../../support/servers';
import { makeTlsStores, STORE_PASSWORD, type TlsStores } from '../../support/tls-stores';
import { waitForPort } from './tls-clients';

const UNIFIED: Record<Flavour, string> = { ours: '127.0.52.5', apache: '127.0.52.6' };
const HTTPS_ONLY: Record<Flavour, string> = { ours: '127.0.52.7', apache: '127.0.52.8' };
const ADMIN_PORT = 8080;
const FLAVOURS: Flavour[] = ['apache', 'ours'];
/** curl's whole budget per request: an answer comes at once, a refusal too. */
const CURL_MAX_s = 10;

let stores: TlsStores;
const servers: RunningServer[] = [];

function adminCfg(host: string, mode: 'admin.portUnification' | 'admin.forceHttps'): Record<string, string | number | undefined> {
  return {
    'admin.enableServer': 'true',
    'admin.serverAddress': host,
    'admin.serverPort': ADMIN_PORT,
    [mode]: 'true',
    'ssl.quorum.keyStore.location': stores.serverJks,
    'ssl.quorum.keyStore.password': STORE_PASSWORD,
    'ssl.quorum.trustStore.location': stores.caFile,
  };
}

before(async () => {
  stores = makeTlsStores([...Object.values(UNIFIED), ...Object.values(HTTPS_ONLY)]);
  await Promise.all(
    FLAVOURS.flatMap((f) => [
      startServer(f, { host: UNIFIED[f], cfg: adminCfg(UNIFIED[f], 'admin.portUnification') }).then((s) => servers.push(s)),
      startServer(f, { host: HTTPS_ONLY[f], cfg: adminCfg(HTTPS_ONLY[f], 'admin.forceHttps') }).then((s) => servers.push(s)),
    ]),
  );
  for (const f of FLAVOURS) for (const h of [UNIFIED[f], HTTPS_ONLY[f]]) await waitForPort(h, ADMIN_PORT);
});

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

interface Answer {
  /** curl's exit code (0: an HTTP answer; 35: a TLS error; 52/1: no HTTP answer). */
  code: number;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

/** The headers both servers send for the same reason (Jetty adds Server and Content-Length, Node Keep-Alive). */
const COMPARED_HEADERS = ['content-type', 'strict-transport-security'];

function curl(args: string[]): Promise<Answer> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-m', String(CURL_MAX_s), '-i', ...args], { encoding: 'latin1' }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      if (code !== 0) return resolve({ code });
      const [head, ...rest] = stdout.split('\r\n\r\n');
      const lines = head!.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        const name = l.slice(0, i).toLowerCase();
        if (COMPARED_HEADERS.includes(name)) headers[name] = l.slice(i + 1).trim();
      }
      resolve({ code, status: Number(lines[0]!.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
  });
}

/** The same requests to each flavour's server at `hosts`. */
async function onBoth(hosts: Record<Flavour, string>, request: (host: string) => string[]): Promise<Record<Flavour, Answer>> {
  const got: Partial<Record<Flavour, Answer>> = {};
  for (const f of FLAVOURS) got[f] = await curl(request(hosts[f]));
  return got as Record<Flavour, Answer>;
}

const RUOK = { command: 'ruok', error: null };
const JSON_TYPE = 'application/json';
const STS = 'max-age=86400; includeSubDomains';

describe('AdminServer with admin.portUnification: HTTPS and HTTP on one port, beside Apache 3.8', () => {
  test('curl --cacert (verifying the server certificate) and curl -k over HTTPS: the command answers, with Strict-Transport-Security, on both alike', async () => {
    for (const verify of [['--cacert', stores.caFile], ['-k']]) {
      const got = await onBoth(UNIFIED, (h) => [...verify, `https://${h}:${ADMIN_PORT}/commands/ruok`]);
      assert.deepEqual({ ...got.apache, body: JSON.parse(got.apache.body!) as unknown }, { code: 0, status: 200, headers: { 'content-type': JSON_TYPE, 'strict-transport-security': STS }, body: RUOK });
      assert.deepEqual({ ...got.ours, body: JSON.parse(got.ours.body!) as unknown }, { ...got.apache, body: RUOK });
    }
  });

  test('plain HTTP on the same port: the command answers, without Strict-Transport-Security, on both alike', async () => {
    const got = await onBoth(UNIFIED, (h) => [`http://${h}:${ADMIN_PORT}/commands/ruok`]);
    assert.deepEqual({ ...got.apache, body: JSON.parse(got.apache.body!) as unknown }, { code: 0, status: 200, headers: { 'content-type': JSON_TYPE }, body: RUOK });
    assert.deepEqual({ ...got.ours, body: JSON.parse(got.ours.body!) as unknown }, { ...got.apache, body: RUOK });
  });

  test('a CA that did not sign the server certificate: curl refuses the handshake, on both alike', async () => {
    const got = await onBoth(UNIFIED, (h) => ['--cacert', `${stores.dir}/otherca.pem`, `https://${h}:${ADMIN_PORT}/commands/ruok`]);
    assert.deepEqual(got.apache, { code: 60 }); // CURLE_PEER_FAILED_VERIFICATION
    assert.deepEqual(got.ours, got.apache);
  });
});

describe('AdminServer with admin.forceHttps: HTTPS alone, beside Apache 3.8', () => {
  test('HTTPS answers; plain HTTP gets no HTTP answer, on both alike', async () => {
    const https = await onBoth(HTTPS_ONLY, (h) => ['--cacert', stores.caFile, `https://${h}:${ADMIN_PORT}/commands/ruok`]);
    assert.equal(https.apache.status, 200);
    assert.deepEqual(https.ours, https.apache);
    const plain = await onBoth(HTTPS_ONLY, (h) => [`http://${h}:${ADMIN_PORT}/commands/ruok`]);
    // Jetty answers the plain request with a TLS alert, which curl takes for HTTP/0.9 (1); ours closes (52).
    for (const f of FLAVOURS) assert.ok(plain[f].status === undefined && plain[f].code !== 0, `${f} answered plain HTTP: ${JSON.stringify(plain[f])}`);
  });
});

describe('AdminServer TLS without its stores', () => {
  test('admin.portUnification without ssl.quorum.keyStore.location stops the start, naming both keys', async () => {
    const cfg = { ...adminCfg('127.0.52.10', 'admin.portUnification'), 'ssl.quorum.keyStore.location': undefined };
    const err = await startServer('ours', { host: '127.0.52.10', cfg }).then(
      async (s) => {
        await s.stop();
        return undefined;
      },
      (e: Error) => e,
    );
    assert.ok(err, 'the server started');
    assert.match(err.message, /admin\.portUnification is on but ssl\.quorum\.keyStore\.location is not set/);
  });
});
