// The session lines operators grep when a Kafka broker drops out: a session established
// (negotiated timeout, client address), its connection closed, its expiry — logged by the
// same member, with the same facts, as Apache ZooKeeper 3.8 logs them, standalone and in
// an ensemble (where the leader expires sessions and the client's member sees it come and
// go). Apache 3.8 has the first two at DEBUG (we turn that on for it); ours has all at INFO.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from '../support/ensemble';

type Flavour = 'apache' | 'ours';

/** This file's loopback addresses (127.0.43.x): a standalone server and an ensemble of each flavour. */
const HOSTS: Record<Flavour, { standalone: string; ensemble: string[] }> = {
  apache: { standalone: '127.0.43.21', ensemble: ['127.0.43.31', '127.0.43.32', '127.0.43.33'] },
  ours: { standalone: '127.0.43.22', ensemble: ['127.0.43.41', '127.0.43.42', '127.0.43.43'] },
};

/** Apache 3.8 logs "Established session" (ZooKeeperServer) and "Closed socket connection" (NIOServerCnxn) at DEBUG. */
const APACHE_DEBUG = ['ZooKeeperServer', 'NIOServerCnxn'].map((c) => `-Dorg.slf4j.simpleLogger.log.org.apache.zookeeper.server.${c}=debug`);

/** Timeouts the clients ask for: within what tickTime 500 allows (1 s to 10 s), and apart, to tell the sessions by. */
const CLOSING_TIMEOUT_ms = 3000;
const EXPIRING_TIMEOUT_ms = 2000;
/** A session past its timeout expires within a tick; the rest is a JVM's pace on a loaded machine. */
const LOG_WAIT_ms = 30_000;
/** Members' election and first serving on 2 busy cores (as startEnsemble allows). */
const SERVING_ms = 60_000;

const LINES = [
  /Established session 0x([0-9a-f]+) with negotiated timeout (\d+) for client \/([\d.]+):\d+/,
  /Closed socket connection for client \/([\d.]+):\d+ which had sessionid 0x([0-9a-f]+)/,
  /Expiring session 0x([0-9a-f]+), timeout of (\d+)ms exceeded/,
];

/**
 * The session lines of a member's log, in order, as facts: sessions named by the client
 * that had them (A closes its session, B drops its connection), ports left out.
 */
function facts(log: string, names: Map<string, string>): string[] {
  const name = (hex: string) => names.get(hex) ?? `unknown 0x${hex}`;
  const out: string[] = [];
  for (const line of log.split('\n')) {
    const [established, closed, expiring] = LINES.map((re) => re.exec(line));
    const level = /\b(INFO|DEBUG)\b/.exec(line)?.[1];
    if (established) out.push(`${level} established ${name(established[1]!)} timeout ${established[2]} client ${established[3]}`);
    else if (closed) out.push(`${level} closed connection of ${name(closed[2]!)} client ${closed[1]}`);
    else if (expiring) out.push(`${level} expiring ${name(expiring[1]!)} timeout ${expiring[2]}`);
  }
  return out;
}

async function waitForSessionLine(members: Member[], pattern: RegExp): Promise<void> {
  await Promise.any(members.map((m) => m.waitForLog(pattern, LOG_WAIT_ms))).catch((e: AggregateError) => {
    throw new Error(`no member logged ${pattern}:\n${e.errors.map(String).join('\n')}`);
  });
}

/** A closes its session; B drops its connection and is left to expire. Both on `via`'s client port. */
async function clientActions(via: string, members: Member[]): Promise<Map<string, string>> {
  const a = await ZooKeeperClient.connect(`${via}:2181`, { sessionTimeout_ms: CLOSING_TIMEOUT_ms });
  const aId = a.sessionId.toString(16);
  await a.close();
  await waitForSessionLine(members, new RegExp(`which had sessionid 0x${aId}\\b`));
  const b = await ZooKeeperClient.connect(`${via}:2181`, { sessionTimeout_ms: EXPIRING_TIMEOUT_ms });
  const bId = b.sessionId.toString(16);
  b.disconnect();
  await waitForSessionLine(members, new RegExp(`Expiring session 0x${bId},`));
  return new Map([
    [aId, 'A'],
    [bId, 'B'],
  ]);
}

async function startMembers(flavour: Flavour, hosts: string[]): Promise<Member[]> {
  const specs: MemberSpec[] = hosts.map((host, i) => ({ myid: i + 1, host, jvmFlags: APACHE_DEBUG }));
  const members = await Promise.all(specs.map((s) => startMember(flavour, s, specs)));
  try {
    await Promise.all(hosts.map((h) => srvrOnceServing(h, 2181, SERVING_ms)));
  } catch (e) {
    await Promise.all(members.map((m) => m.stop()));
    throw e;
  }
  return members;
}

/** Standalone (one server line): the server's session lines. */
async function standalone(flavour: Flavour): Promise<string[]> {
  const [server] = await startMembers(flavour, [HOSTS[flavour].standalone]);
  try {
    const names = await clientActions(server!.host, [server!]);
    return facts(server!.log(), names);
  } finally {
    await server!.stop();
  }
}

/** An ensemble of three, the client on a follower: each member's session lines, by role. */
async function ensemble(flavour: Flavour): Promise<Record<string, string[]>> {
  const members = await startMembers(flavour, HOSTS[flavour].ensemble);
  try {
    const modes = await Promise.all(members.map(async (m) => /Mode: (\w+)/.exec(await srvrOnceServing(m.host, 2181, SERVING_ms))?.[1]));
    const leader = members[modes.indexOf('leader')];
    const followers = members.filter((_, i) => modes[i] === 'follower');
    assert.ok(leader && followers.length === 2, `${flavour}: one leader and two followers, not ${modes.join(', ')}`);
    const names = await clientActions(followers[0]!.host, members);
    return {
      leader: facts(leader.log(), names),
      "the client's follower": facts(followers[0]!.log(), names),
      'the other follower': facts(followers[1]!.log(), names),
    };
  } finally {
    await Promise.all(members.map((m) => m.stop()));
  }
}

/** Apache's facts with its levels raised to ours: every session line at INFO. */
const atInfo = (lines: string[]) => lines.map((l) => l.replace(/^DEBUG /, 'INFO '));

test('standalone: the session lines and their facts are the ones Apache 3.8 logs', async () => {
  const apache = await standalone('apache');
  const ours = await standalone('ours');
  assert.deepEqual(apache, [
    `DEBUG established A timeout ${CLOSING_TIMEOUT_ms} client 127.0.0.1`,
    'DEBUG closed connection of A client 127.0.0.1',
    `DEBUG established B timeout ${EXPIRING_TIMEOUT_ms} client 127.0.0.1`,
    'DEBUG closed connection of B client 127.0.0.1',
    `INFO expiring B timeout ${EXPIRING_TIMEOUT_ms}`,
  ]);
  assert.deepEqual(ours, atInfo(apache));
});

test('ensemble: the leader expires, the client\'s follower sees the sessions come and go, as in Apache 3.8', async () => {
  const apache = await ensemble('apache');
  const ours = await ensemble('ours');
  assert.deepEqual(apache.leader, [`INFO expiring B timeout ${EXPIRING_TIMEOUT_ms}`]);
  assert.deepEqual(ours, Object.fromEntries(Object.entries(apache).map(([role, lines]) => [role, atInfo(lines)])));
});
