// Quorum SASL (src/quorum/quorum-sasl.ts) against an Apache 3.8 member with
// quorum.auth.enableSasl, learnerRequireSasl and serverRequireSasl on, and the JAAS
// QuorumServer/QuorumLearner sections: on its election port our accepting side logs Apache in
// (right password: Apache logs SUCCESS; wrong: Apache's learner is refused), and our dialling
// side logs in to Apache (right password: the election goes on over the connection; wrong:
// ERROR). Member 1 is Apache's at 127.0.50.9; 127.0.50.10 and .11 stand for members 2 and 3.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInitialMessage, PROTOCOL_VERSION_V1 } from '../../../src/quorum/quorum-cnx-manager';
import { authenticateAsLearner, authenticateAsServer } from '../../../src/quorum/quorum-sasl';
import { startMember, type Member, type MemberSpec } from '../../support/ensemble';

const MEMBERS: MemberSpec[] = [
  { myid: 1, host: '127.0.50.9' },
  { myid: 2, host: '127.0.50.10' },
  { myid: 3, host: '127.0.50.11' },
];
const USER = 'quorum';
const PASSWORD = 'Quorum-pw-9';
/** Apache dials its peers at once, and again each election round (backing off from 200 ms): both come within this. */
const APACHE_WAIT_ms = 30_000;

let dir: string;
let apache: Member;
const listeners: Server[] = [];
const outcomes = new Map<string, Promise<{ authenticated: boolean } | Error>>();

/** Stands for member `myid`: accepts Apache's dial, reads its initial message, and authenticates it with `passwords`. */
function standIn(host: string, passwords: Record<string, string>): Promise<{ authenticated: boolean } | Error> {
  return new Promise((resolve) => {
    const server = createServer((s) => {
      let pending = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        pending = Buffer.concat([pending, d]);
        const parsed = parseInitialMessage(pending);
        if (parsed === 'incomplete') return;
        s.off('data', onData);
        if (typeof parsed === 'string') return resolve(new Error(parsed));
        authenticateAsServer(s, parsed.rest, { passwordOf: (u) => passwords[u], required: true, warn: () => undefined }).then(
          (r) => resolve({ authenticated: r.authenticated }),
          (e: Error) => resolve(e),
        );
      };
      s.on('data', onData);
      s.on('error', () => s.destroy());
    });
    server.listen(3888, host);
    listeners.push(server);
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zk-quorum-sasl-'));
  const jaas = join(dir, 'jaas.conf');
  const module = 'org.apache.zookeeper.server.auth.DigestLoginModule';
  writeFileSync(jaas, `QuorumServer {\n  ${module} required\n  user_${USER}="${PASSWORD}";\n};\nQuorumLearner {\n  ${module} required\n  username="${USER}"\n  password="${PASSWORD}";\n};\n`);
  // Listening before Apache starts: its first round of dials finds us.
  outcomes.set('right', standIn(MEMBERS[1]!.host, { [USER]: PASSWORD }));
  outcomes.set('wrong', standIn(MEMBERS[2]!.host, { [USER]: 'not-' + PASSWORD }));
  apache = await startMember('apache', { ...MEMBERS[0]!, jvmFlags: [`-Djava.security.auth.login.config=${jaas}`] }, MEMBERS, {
    'quorum.auth.enableSasl': 'true',
    'quorum.auth.learnerRequireSasl': 'true',
    'quorum.auth.serverRequireSasl': 'true',
  });
});

after(async () => {
  for (const l of listeners) l.close();
  await apache?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Dials Apache's election port as member `myid`: the initial message, then a quorum SASL login. */
async function dialApache(myid: number, password: string): Promise<{ rest: Buffer; socket: Socket }> {
  const socket = connect({ host: MEMBERS[0]!.host, port: 3888, localAddress: MEMBERS[myid - 1]!.host });
  socket.on('error', () => undefined);
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  const addr = Buffer.from(`${MEMBERS[myid - 1]!.host}:3888`);
  const hello = Buffer.alloc(20 + addr.length);
  hello.writeBigInt64BE(PROTOCOL_VERSION_V1, 0);
  hello.writeBigInt64BE(BigInt(myid), 8);
  hello.writeInt32BE(addr.length, 16);
  addr.copy(hello, 20);
  socket.write(hello);
  const rest = await authenticateAsLearner(socket, { username: USER, password });
  return { rest, socket };
}

describe('quorum SASL (DIGEST-MD5 between members) against an Apache 3.8 member that requires it', () => {
  test("our accepting side logs Apache's learner in with the right password and refuses it with a wrong one, as Apache logs", async () => {
    const right = await outcomes.get('right')!;
    assert.deepEqual(right, { authenticated: true });
    await apache.waitForLog(/Successfully completed the authentication using SASL\. server addr: \/127\.0\.50\.10:3888, status: SUCCESS/, APACHE_WAIT_ms);
    const wrong = await outcomes.get('wrong')!;
    assert.ok(wrong instanceof Error && /Mismatched response/.test(wrong.message), String(wrong));
    await apache.waitForLog(/Authentication failed against server addr: \/127\.0\.50\.11:3888/, APACHE_WAIT_ms);
  });

  test('our dialling side logs in to Apache: the election goes on over the connection; a wrong password gets ERROR', async () => {
    const { rest, socket } = await dialApache(3, PASSWORD);
    await apache.waitForLog(/Successfully completed the authentication using SASL\. learner addr: \/127\.0\.50\.11:\d+/, APACHE_WAIT_ms);
    // Member 3 > 1 keeps the connection: Apache's notifications come over it.
    let got = rest.length;
    // The exchange leaves the socket paused for its next reader (quorum-sasl.ts): this one.
    if (got === 0) got = await new Promise<number>((r) => socket.once('data', (d: Buffer) => r(d.length)).resume());
    assert.ok(got > 0);
    socket.destroy();
    await assert.rejects(dialApache(3, 'wrong'), /Authentication failed against server addr: \/127\.0\.50\.9:3888/);
    await apache.waitForLog(/Failed to authenticate using SASL/, APACHE_WAIT_ms);
  });
});
