// A member that starts after its ensemble elected a leader, in mixed ensembles: it hears
// the leader's LEADING and the follower's FOLLOWING notifications and counts them by leader
// and epoch (Apache's Vote.equals out of election). Apache's members tell the epoch they
// serve in once they took up their role (QuorumPeer.updateElectionVote, ZOOKEEPER-1732); a
// member of ours that kept telling the epoch it was elected with split those votes, and the
// newcomer looked for a leader forever (when the ensemble's election round was not its
// first). The rolling migration found it (test/system/migration.test.ts).
// On 127.0.41.11–13 and .21–23, each member with the real ports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from '../../support/ensemble';
import { modeOf as mode } from '../../support/ensemble-scope';
import { fourLetterWord } from '../../support/servers';

type Flavour = 'apache' | 'ours';
/**
 * A newcomer joins within a few seconds (a JVM start and a sync); a stuck one backs off its
 * notifications to 60 s and never joins: 45 s tells the two apart on a loaded machine.
 */
const LATE_JOIN_ms = 45_000;
/** A leader alone gives up after syncLimit ticks (5 × 500 ms); generous for a loaded machine. */
const LOST_QUORUM_ms = 30_000;

for (const [follower, leader, late, subnet] of [
  ['apache', 'ours', 'apache', 10],
  ['ours', 'apache', 'ours', 20],
] as [Flavour, Flavour, Flavour, number][]) {
  test(`{${follower} 1, ${leader} 2} led by ${leader} 2 after a second election; then member 3 is replaced by ${late} over its dataDir and follows it`, { timeout: 240_000 }, async () => {
    const specs: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.41.${subnet + myid}` }));
    const procs: Member[] = [];
    const notServing = async (myid: number) => {
      const deadline = Date.now() + LOST_QUORUM_ms;
      while ((await fourLetterWord(specs[myid - 1]!.host, 2181, 'srvr').catch(() => '')).includes('Mode:')) {
        if (Date.now() > deadline) throw new Error(`member ${myid} still serves ${LOST_QUORUM_ms} ms after its quorum went`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const serving = async (myid: number, want: string, timeout_ms?: number) => assert.equal(mode(await srvrOnceServing(specs[myid - 1]!.host, 2181, timeout_ms)), want, `member ${myid}`);
    try {
      // 1 and 2 alone: 2 leads (the higher myid), in round 1.
      procs.push(await startMember(follower, specs[0]!, specs), await startMember(leader, specs[1]!, specs));
      await serving(2, 'leader');
      await serving(1, 'follower');
      // 1 goes, 2 loses its quorum and looks again; 1 back: 2 leads in round 2 (the round a
      // newcomer does not start in).
      await procs[0]!.stop({ keepDir: true });
      await notServing(2);
      procs[0] = await startMember(follower, specs[0]!, specs, {}, procs[0]!.dir);
      await serving(2, 'leader');
      await serving(1, 'follower');
      // Member 3 starts: it takes the notifications 1 and 2 queued for it while it was away
      // (LOOKING, round 2) and follows 2. Then it is replaced, as in a rolling migration:
      // the newcomer hears only what 1 and 2 answer now, FOLLOWING and LEADING.
      procs.push(await startMember(leader, specs[2]!, specs));
      await serving(3, 'follower');
      await procs[2]!.stop({ keepDir: true });
      procs[2] = await startMember(late, specs[2]!, specs, {}, procs[2]!.dir);
      const t0 = Date.now();
      await serving(3, 'follower', LATE_JOIN_ms);
      console.log(`# ${late} member 3 followed ${Date.now() - t0} ms after it started`);
    } catch (e) {
      for (const m of procs) console.error(`--- member ${m.myid}:\n${m.log().split('\n').filter((l) => !/Processing srvr/.test(l)).slice(-25).join('\n')}`);
      throw e;
    } finally {
      for (const m of procs) await m.stop();
    }
  });
}
