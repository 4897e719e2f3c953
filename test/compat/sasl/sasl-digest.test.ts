// SASL DIGEST-MD5 on the client port against Apache ZooKeeper 3.8, both reading the same JAAS
// file through -Djava.security.auth.login.config: kazoo (sasl_options over pure-sasl) and
// Apache's zkCli (a JAAS Client section) log in with the right password and fail alike with a
// wrong one; a sasl: ACL is enforced alike (zookeeper.superUser included); the wire answers
// (each SetSASLResponse, the error codes, the closed connection) are the same byte for byte
// but the nonce; enforced authentication refuses an unauthenticated request alike.
// Addresses 127.0.50.1-6.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader } from '../../../src/jute/codec';
import { OpCode, Xid } from '../../../src/jute/constants';
import * as R from '../../../src/jute/records';
import { DigestMd5Client, ZOOKEEPER_SASL_PROTOCOL, ZOOKEEPER_SASL_SERVER_NAME } from '../../../src/sasl/digest-md5';
import { RawConnection, requestFrame } from '../../support/raw-client';
import { fourLetterWord, startServer, type Flavour, type RunningServer } from '../../support/servers';
import { run, SYSTEM_PYTHON, ZK_CLI_CP } from '../real-clients/transcript';

const DRIVER = join(import.meta.dirname, '../../support/kazoo_steps.py');
const FLAVOURS: Flavour[] = ['apache', 'ours'];
/** JAAS Server section, authProvider sasl, superUser=alice. */
const SASL_HOST: Record<Flavour, string> = { apache: '127.0.50.1', ours: '127.0.50.2' };
/** The same with zookeeper.sessionRequireClientSASLAuth=true. */
const REQUIRED_HOST: Record<Flavour, string> = { apache: '127.0.50.3', ours: '127.0.50.4' };
/** No JAAS file; enforce.auth.enabled=true with enforce.auth.schemes=digest. */
const NO_JAAS_HOST: Record<Flavour, string> = { apache: '127.0.50.5', ours: '127.0.50.6' };
/** DIGEST-MD5 takes two sasl packets (empty, then the response); one more would be a bug to stop at. */
const DIGEST_ROUNDS = 3;
/** A server closes a refused connection at once; this bounds the wait for it. */
const CLOSE_DEADLINE_ms = 10_000;

const USERS = { bob: 'Bob-pw-1', alice: 'Alice-pw-2', carol: 'Carol-pw-3' };
let dir: string;
let jaasFile: string;
const servers: RunningServer[] = [];
const sasl: Partial<Record<Flavour, RunningServer>> = {};
const required: Partial<Record<Flavour, RunningServer>> = {};
const noJaas: Partial<Record<Flavour, RunningServer>> = {};

function jaas(client?: { user: string; password: string }): string {
  const users = Object.entries(USERS)
    .map(([u, p]) => `  user_${u}="${p}"`)
    .join('\n');
  const server = `// the users DIGEST-MD5 knows\nServer {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n${users};\n};\n`;
  return client ? `${server}Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="${client.user}"\n  password="${client.password}";\n};\n` : server;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zk-sasl-'));
  jaasFile = join(dir, 'jaas.conf');
  writeFileSync(jaasFile, jaas());
  const jvmFlags = [`-Djava.security.auth.login.config=${jaasFile}`];
  const provider = { 'authProvider.1': 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider' };
  await Promise.all(
    FLAVOURS.map(async (f) => {
      // netty: Apache's log on stderr (slf4j-simple), to compare what both log.
      sasl[f] = await startServer(f, { host: SASL_HOST[f], netty: true, jvmFlags, cfg: { ...provider, superUser: 'alice' } });
      servers.push(sasl[f]);
      required[f] = await startServer(f, { host: REQUIRED_HOST[f], jvmFlags, cfg: { ...provider, sessionRequireClientSASLAuth: true } });
      servers.push(required[f]);
      noJaas[f] = await startServer(f, { host: NO_JAAS_HOST[f], cfg: { 'enforce.auth.enabled': true, 'enforce.auth.schemes': 'digest' } });
      servers.push(noJaas[f]);
    }),
  );
});

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

interface Step {
  as: string;
  user?: string;
  password?: string;
  do: string[][];
}

async function kazoo(server: RunningServer, steps: Step[]): Promise<unknown[]> {
  const arg = steps.map((s) => ({ as: s.as, user: s.user ?? null, password: s.password ?? (s.user ? USERS[s.user as keyof typeof USERS] : null), do: s.do }));
  const { code, output } = await run(SYSTEM_PYTHON, [DRIVER, server.connectString, JSON.stringify(arg)], { timeout_ms: 120_000 });
  assert.equal(code, 0, output);
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as unknown);
}

/** One reply as the test compares it: header, and the SASL token (the nonce masked). */
function describeReply(f: Buffer, isSasl: boolean): string {
  const r = new Reader(f, 0);
  const h = R.ReplyHeader.read(r);
  let body = '';
  if (isSasl && r.remaining() > 0) {
    const token = R.SetSASLResponse.read(r).token;
    body = token === null ? ' token=null' : ` token=${token.toString('utf8').replace(/nonce="[^"]*"/, 'nonce=<nonce>').replace(/rspauth=[0-9a-f]{32}/, 'rspauth=<hex>')}`;
  }
  return `xid=${h.xid} zxid=${h.zxid} err=${h.err}${body}${r.remaining() > 0 ? ` +${r.remaining()} bytes` : ''}`;
}

/**
 * A raw session: the SASL exchange as `user` with `password` (none: no sasl packet), then a
 * getChildren of /; every reply described, and "closed" once the server closes.
 */
async function rawSession(host: string, login?: { user: string; password: string }, saslAgain = false): Promise<string[]> {
  const c = await RawConnection.open(host);
  const out: string[] = [];
  try {
    await c.handshake();
    let seen = 1;
    const next = async (frame: Buffer, isSasl: boolean): Promise<boolean> => {
      c.write(frame);
      await c.waitForFrames(seen + 1);
      if (c.frames.length <= seen) return false;
      out.push(describeReply(c.frames[seen]!, isSasl));
      seen++;
      return true;
    };
    if (login) {
      const client = new DigestMd5Client({ protocol: ZOOKEEPER_SASL_PROTOCOL, serverName: ZOOKEEPER_SASL_SERVER_NAME, username: login.user, password: login.password });
      let token = client.evaluateChallenge(Buffer.alloc(0));
      for (let xid = 1; xid <= DIGEST_ROUNDS && !client.isComplete && !c.closed; xid++) {
        if (!(await next(requestFrame(xid, OpCode.sasl, (w) => R.GetSASLRequest.write(w, { token })), true))) break;
        const reply = R.SetSASLResponse.read(new Reader(c.frames[seen - 1]!, 16));
        // An error, or no token (no SASL server): the exchange is over.
        if (R.ReplyHeader.read(new Reader(c.frames[seen - 1]!, 0)).err !== 0 || reply.token === null) break;
        token = client.evaluateChallenge(reply.token);
      }
    }
    // One more sasl packet once the login is complete.
    if (saslAgain && !c.closed) await next(requestFrame(9, OpCode.sasl, (w) => R.GetSASLRequest.write(w, { token: Buffer.alloc(0) })), true);
    if (!c.closed) await next(requestFrame(10, OpCode.getChildren, (w) => R.PathWatchRequest.write(w, { path: '/', watch: false })), false);
    const deadline = Date.now() + CLOSE_DEADLINE_ms;
    if (out.some((l) => !l.includes('err=0'))) {
      while (!c.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    }
    if (c.closed) out.push('closed');
    return out;
  } finally {
    c.destroy();
  }
}

describe('SASL DIGEST-MD5 on the client port, beside Apache ZooKeeper 3.8 on the same JAAS file', () => {
  test('kazoo: the right password logs in; a sasl:bob ACL lets bob and the superUser in and keeps carol out; a wrong password and an unknown user fail alike', async () => {
    const steps: Step[] = [
      { as: 'bob', user: 'bob', do: [['create-sasl', '/sasl-k', 'bob'], ['get', '/sasl-k']] },
      { as: 'carol', user: 'carol', do: [['get', '/sasl-k'], ['set', '/sasl-k', 'x']] },
      { as: 'alice (superUser)', user: 'alice', do: [['get', '/sasl-k'], ['set', '/sasl-k', 'by-alice']] },
      { as: 'nobody logged in', do: [['get', '/sasl-k']] },
      { as: 'bob, wrong password', user: 'bob', password: 'wrong', do: [['get', '/sasl-k']] },
      { as: 'unknown user', user: 'mallory', password: 'x', do: [] },
    ];
    const lines = await Promise.all(FLAVOURS.map((f) => kazoo(sasl[f]!, steps)));
    assert.deepEqual(lines[1], lines[0]);
    assert.deepEqual(lines[0], [
      { as: 'bob', login: 'ok', results: [['created', [['sasl', 'bob', 31]]], ['get', 'secret']] },
      { as: 'carol', login: 'ok', results: [['get', 'NoAuthError'], ['set', 'NoAuthError']] },
      { as: 'alice (superUser)', login: 'ok', results: [['get', 'secret'], ['set', 'ok']] },
      { as: 'nobody logged in', login: 'ok', results: [['get', 'NoAuthError']] },
      { as: 'bob, wrong password', login: 'AuthFailedError' },
      { as: 'unknown user', login: 'AuthFailedError' },
    ]);
  });

  test('the wire: SetSASLResponse tokens, AUTHFAILED with a null token and the connection closed for a wrong password or an unknown user, alike', async () => {
    for (const login of [{ user: 'bob', password: USERS.bob }, { user: 'bob', password: 'wrong' }, { user: 'mallory', password: 'x' }]) {
      const [apache, ours] = await Promise.all(FLAVOURS.map((f) => rawSession(SASL_HOST[f], login)));
      assert.deepEqual(ours, apache, `${login.user}/${login.password}`);
      if (login.password === USERS.bob) {
        assert.deepEqual(apache!.slice(0, 2), ['xid=1 zxid=0 err=0 token=realm="zk-sasl-md5",nonce=<nonce>,charset=utf-8,algorithm=md5-sess', 'xid=2 zxid=0 err=0 token=rspauth=<hex>']);
        assert.match(apache![2]!, /^xid=10 zxid=\d+ err=0 \+\d+ bytes$/);
        assert.equal(apache!.length, 3);
      } else {
        assert.deepEqual(apache, ['xid=1 zxid=0 err=0 token=realm="zk-sasl-md5",nonce=<nonce>,charset=utf-8,algorithm=md5-sess', 'xid=2 zxid=0 err=-115 token=null', 'closed']);
      }
    }
  });

  test('a sasl packet after a completed login is AUTHFAILED and closes the connection, alike', async () => {
    const [apache, ours] = await Promise.all(FLAVOURS.map((f) => rawSession(SASL_HOST[f], { user: 'bob', password: USERS.bob }, true)));
    assert.deepEqual(ours, apache);
    assert.deepEqual(apache!.slice(2), ['xid=9 zxid=0 err=-115 token=null', 'closed']);
  });

  test('both log the failed login (the client, Mismatched response), show no password in the log, conf, envi or mntr, and count none in zk_auth_failed_count (Apache counts refused TLS handshakes there)', async () => {
    for (const f of FLAVOURS) {
      const mntr = await fourLetterWord(SASL_HOST[f], 2181, 'mntr');
      assert.match(mntr, /^zk_auth_failed_count\t0$/m, f);
      const log = sasl[f]!.log();
      assert.match(log, /Client \/127\.0\.0\.1:\d+ failed to SASL authenticate: [^\n]*\n?[^\n]*DIGEST-MD5: digest response format violation\. Mismatched response\./, f);
      assert.match(log, /User 'mallory' not found in list of DIGEST-MD5 authenticateable users\./, f);
      assert.match(log, /Session 0x[0-9a-f]+: adding SASL authorization for authorizationID: bob/, f);
      assert.doesNotMatch(log, new RegExp(Object.values(USERS).join('|')), `${f} logs no password`);
      for (const word of ['conf', 'envi', 'mntr']) {
        assert.doesNotMatch(await fourLetterWord(SASL_HOST[f], 2181, word), new RegExp(Object.values(USERS).join('|')), `${f} ${word} shows no password`);
      }
    }
  });

  /**
   * zkCli's last lines without the Closed event its quit may print: its event thread races
   * the JVM's exit, so either server's transcript may or may not end with it.
   */
  const withoutClosedAtExit = (lines: string[]): string[] =>
    lines.at(-1) === 'WatchedEvent state:Closed type:None path:null' && lines.at(-2) === 'WATCHER::' ? lines.slice(0, -2) : lines;

  test("Apache's zkCli with a JAAS Client section: whoami and getAcl show the same sasl id; a wrong password fails as AuthFailed, alike", async () => {
    const transcripts: string[][] = [];
    for (const client of [{ user: 'bob', password: USERS.bob }, { user: 'bob', password: 'wrong' }]) {
      const clientJaas = join(dir, `client-${client.password}.conf`);
      writeFileSync(clientJaas, jaas(client));
      const input = 'create /sasl-z x sasl:bob:cdrwa\nwhoami\ngetAcl /sasl-z\nget /sasl-z\nquit\n';
      const outputs = await Promise.all(
        FLAVOURS.map(async (f) => {
          const { output } = await run('java', [`-Djava.security.auth.login.config=${clientJaas}`, '-cp', ZK_CLI_CP, 'org.apache.zookeeper.ZooKeeperMain', '-server', sasl[f]!.connectString], { input, timeout_ms: 90_000 });
          return withoutClosedAtExit(output.replaceAll(sasl[f]!.connectString, '<server>').split('\n').filter((l) => l.trim() !== ''));
        }),
      );
      assert.deepEqual(outputs[1], outputs[0], client.password);
      transcripts.push(outputs[0]!);
    }
    const [right, wrong] = transcripts;
    assert.ok(right!.includes('WatchedEvent state:SaslAuthenticated type:None path:null'), right!.join('\n'));
    assert.ok(right!.includes('sasl: bob'), right!.join('\n'));
    assert.ok(right!.includes("'sasl,'bob"), right!.join('\n'));
    assert.ok(wrong!.includes('WatchedEvent state:AuthFailed type:None path:null'), wrong!.join('\n'));
  });

  test('sessionRequireClientSASLAuth: a request before login gets SESSIONCLOSEDREQUIRESASLAUTH (-124) and the connection closes; a wrong password too; the right one serves, alike', async () => {
    for (const login of [undefined, { user: 'bob', password: 'wrong' }, { user: 'bob', password: USERS.bob }]) {
      const [apache, ours] = await Promise.all(FLAVOURS.map((f) => rawSession(REQUIRED_HOST[f], login)));
      assert.deepEqual(ours, apache, login?.password ?? 'no login');
      if (!login) assert.deepEqual(apache, ['xid=10 zxid=0 err=-124', 'closed']);
      else if (login.password === 'wrong') assert.deepEqual(apache!.slice(1), ['xid=2 zxid=0 err=-124 token=null', 'closed']);
      else assert.match(apache!.at(-1)!, /^xid=10 zxid=\d+ err=0/);
    }
  });

  test('no JAAS file: a sasl packet is answered OK with a null token; enforce.auth.schemes=digest refuses a request before addauth digest with -124, alike', async () => {
    const [apache, ours] = await Promise.all(FLAVOURS.map((f) => rawSession(NO_JAAS_HOST[f], { user: 'bob', password: 'x' })));
    assert.deepEqual(ours, apache);
    assert.deepEqual(apache!.slice(0, 1), ['xid=1 zxid=0 err=0 token=null']);
    assert.deepEqual(apache!.slice(-2), ['xid=10 zxid=0 err=-124', 'closed']);
    // After addauth digest the same request is served.
    for (const f of FLAVOURS) {
      const c = await RawConnection.open(NO_JAAS_HOST[f]);
      try {
        await c.handshake();
        c.write(requestFrame(Xid.auth, OpCode.auth, (w) => R.AuthPacket.write(w, { type: 0, scheme: 'digest', auth: Buffer.from('bob:pw') })));
        c.write(requestFrame(10, OpCode.getChildren, (w) => R.PathWatchRequest.write(w, { path: '/', watch: false })));
        const frames = await c.waitForFrames(3);
        assert.deepEqual(frames.slice(1).map((fr) => describeReply(fr, false).replace(/^(xid=10 )zxid=\d+/, '$1zxid=<z>').replace(/ \+\d+ bytes/, ' +<n>')), [`xid=${Xid.auth} zxid=0 err=0`, 'xid=10 zxid=<z> err=0 +<n>'], f);
      } finally {
        c.destroy();
      }
    }
  });
});
