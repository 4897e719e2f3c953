// What the ensemble test files share around their members: the Mode a member states, the
// members and clients a test started (stopped after it, newest first), each member's last
// log lines when a test failed (the first thing to read), and the "a write through every
// member reads back on every member" check.
import assert from 'node:assert/strict';
import { afterEach } from 'node:test';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from './ensemble';

/** The Mode a member's srvr answer states (leader, follower, observer, standalone). */
export function modeOf(srvr: string): string {
  return /Mode: (\w+)/.exec(srvr)?.[1] ?? `no mode in ${JSON.stringify(srvr)}`;
}

/**
 * The voters on `hosts` once each serves: exactly one says leader and the rest follower.
 * Returns the leader's index in `hosts`. Which voter leads is the election's to decide: the
 * start order only makes one likelier, and a JVM stalled on a loaded machine can lose a
 * quorum it led and rejoin as a follower.
 */
export async function leaderAmong(hosts: string[]): Promise<number> {
  const modes = await Promise.all(hosts.map(async (h) => modeOf(await srvrOnceServing(h))));
  const leaders = modes.flatMap((m, i) => (m === 'leader' ? [i] : []));
  assert.equal(leaders.length, 1, `one leader among ${hosts.join(', ')}: their modes are ${modes.join(', ')}`);
  for (const [i, m] of modes.entries()) if (i !== leaders[0]) assert.equal(m, 'follower', `${hosts[i]} is ${m}`);
  return leaders[0]!;
}

/** Log lines of each member printed when a test fails: enough to show its last election and sync. */
const FAILED_LOG_LINES = 40;
/** The clients' session timeout: long enough to ride out an election on 2 busy cores. */
const CLIENT_SESSION_ms = 8000;

export interface EnsembleScope {
  /** Stops `r` after the test (members, clients, held addresses). */
  track<T extends { stop(): unknown }>(r: T): T;
  /** startMember, tracked; its log printed if the test fails. */
  start(flavour: 'apache' | 'ours', me: MemberSpec, members: MemberSpec[], extra?: Record<string, string | number | undefined>, reuseDir?: string): Promise<Member>;
  /** Stops member `m` keeping its directory, for a restart over it: the scope no longer stops it (that would remove the directory). */
  stopKeepingDir(m: Member): Promise<void>;
  /** Stops `r` now (a member the test is done with): the scope no longer stops it; a member's log is still printed if the test fails. */
  stop(r: { stop(): unknown }): Promise<void>;
  /** A client on `connectString`, closed after the test. */
  client(connectString: string, opts?: Parameters<typeof ZooKeeperClient.connect>[1]): Promise<ZooKeeperClient>;
  /** A create through each of `clientAddresses` (host:port), each read back after a sync on every one. */
  writesEverywhere(clientAddresses: string[], tag: string): Promise<void>;
}

/**
 * Call once at the top of a test file: what its tests start through the scope is stopped
 * after each test, and a failed test prints each started member's last log lines.
 */
export function ensembleScope(): EnsembleScope {
  const running: { stop(): unknown }[] = [];
  const started: Member[] = [];
  afterEach(async (t) => {
    if ((t as { passed?: boolean }).passed === false) for (const m of started) console.error(`--- member ${m.myid}:\n${m.log().split('\n').slice(-FAILED_LOG_LINES).join('\n')}`);
    started.length = 0;
    for (const r of running.splice(0).reverse()) await r.stop();
  });
  const track = <T extends { stop(): unknown }>(r: T): T => {
    running.push(r);
    return r;
  };
  const client = async (connectString: string, opts: Parameters<typeof ZooKeeperClient.connect>[1] = {}) => {
    const c = await ZooKeeperClient.connect(connectString, { sessionTimeout_ms: CLIENT_SESSION_ms, ...opts });
    track({ stop: () => c.close() });
    return c;
  };
  return {
    track,
    client,
    async start(flavour, me, members, extra = {}, reuseDir) {
      const m = track(await startMember(flavour, me, members, extra, reuseDir));
      started.push(m);
      return m;
    },
    async stopKeepingDir(m) {
      await m.stop({ keepDir: true });
      running.splice(running.indexOf(m), 1);
    },
    async stop(r) {
      running.splice(running.indexOf(r), 1);
      await r.stop();
    },
    async writesEverywhere(clientAddresses, tag) {
      const clients = await Promise.all(clientAddresses.map((a) => client(a)));
      for (const [i, c] of clients.entries()) await c.create(`/${tag}-${i + 1}`, Buffer.from(`${tag} via ${i + 1}`));
      for (const c of clients) {
        await c.sync('/');
        for (let i = 1; i <= clients.length; i++) assert.equal((await c.getData(`/${tag}-${i}`)).data?.toString(), `${tag} via ${i}`);
      }
    },
  };
}
