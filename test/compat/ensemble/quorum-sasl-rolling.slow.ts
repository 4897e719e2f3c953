// Turning quorum SASL on in a running mixed ensemble, member by member, as Apache's admin
// guide describes it: a plain ensemble (Apache 1, ours 2 and 3), each member restarted with
// quorum.auth.enableSasl=true and the JAAS sections (it answers logins, logs in to nobody),
// then each with quorum.auth.learnerRequireSasl=true (it logs in to every peer it dials), then
// each with quorum.auth.serverRequireSasl=true (it refuses a peer that does not). A writer
// keeps writing throughout; its writes are acknowledged in every phase and all there on every
// member at the end, and in the last phase every member logged in to its peers and the leader
// authenticated its learners. Addresses
// 127.0.55.11-13. Nine member restarts: not part of npm test;
// `npm run test:quorum-sasl-rolling` runs it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { rollThroughPhases } from '../../support/acked-writer';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from '../../support/ensemble';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.55.${10 + myid}` }));
const FLAVOUR: Record<number, 'apache' | 'ours'> = { 1: 'apache', 2: 'ours', 3: 'ours' };
const PHASES = ['plain', 'enableSasl', 'learnerRequireSasl', 'serverRequireSasl'] as const;
type Phase = (typeof PHASES)[number];

let dir: string;
let jaasFile: string;
const running = new Map<number, Member>();

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'zk-quorum-sasl-rolling-'));
  jaasFile = join(dir, 'jaas.conf');
  const module = 'org.apache.zookeeper.server.auth.DigestLoginModule';
  writeFileSync(jaasFile, `QuorumServer {\n  ${module} required\n  user_zkquorum="Rolling-pw-55";\n};\nQuorumLearner {\n  ${module} required\n  username="zkquorum"\n  password="Rolling-pw-55";\n};\n`);
});
after(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async (t) => {
  if ((t as { passed?: boolean }).passed === false) for (const m of running.values()) console.error(`--- member ${m.myid}:\n${m.log().split('\n').slice(-40).join('\n')}`);
  for (const m of running.values()) await m.stop();
  running.clear();
});

function linesFor(phase: Phase): Record<string, string> {
  const at = PHASES.indexOf(phase);
  return {
    ...(at >= 1 ? { 'quorum.auth.enableSasl': 'true' } : {}),
    ...(at >= 2 ? { 'quorum.auth.learnerRequireSasl': 'true' } : {}),
    ...(at >= 3 ? { 'quorum.auth.serverRequireSasl': 'true' } : {}),
  };
}

/** Starts member `myid` (over its old directory, if it ran before) in `phase`. */
async function start(myid: number, phase: Phase): Promise<Member> {
  const old = running.get(myid);
  if (old) await old.stop({ keepDir: true, signal: 'SIGTERM' });
  const spec = { ...members[myid - 1]!, ...(phase === 'plain' ? {} : { serverJvmFlags: [`-Djava.security.auth.login.config=${jaasFile}`] }) };
  const m = await startMember(FLAVOUR[myid]!, spec, members, linesFor(phase), old?.dir);
  running.set(myid, m);
  return m;
}

test('quorum SASL turned on member by member (enableSasl, then learnerRequireSasl, then serverRequireSasl) with writes acknowledged all the way', { timeout: 420_000 }, async (t) => {
  const perPhase = await rollThroughPhases(members, PHASES, start);
  t.diagnostic(`writes acknowledged: ${[...perPhase].map(([p, n]) => `${p} ${n}`).join(', ')}`);
  // Last phase: every member logged in to the peers it dialled, and the leader authenticated its two learners.
  for (const m of running.values()) assert.match(m.log(), /Successfully completed the authentication using SASL\. server addr:/, `member ${m.myid} logged in to no peer`);
  const leader = (await Promise.all([...running.values()].map(async (m) => ((await srvrOnceServing(m.host)).includes('Mode: leader') ? m : undefined)))).find((m) => m)!;
  const learnersIn = leader.log().match(/Successfully completed the authentication using SASL\. learner addr:/g)?.length ?? 0;
  assert.ok(learnersIn >= 2, `the leader (member ${leader.myid}) authenticated ${learnersIn} connections`);
});
