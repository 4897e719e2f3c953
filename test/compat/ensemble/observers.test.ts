// Observers of each kind, real processes: ours observing an Apache ZooKeeper 3.8 ensemble,
// and Apache's observing an ensemble of ours. Each ensemble has three voters and a fourth
// member (myid 4, server.4=...:observer, peerType=observer). The observer says
// `Mode: observer`, serves reads, forwards writes to the leader, and has no vote: though
// its myid is the highest it never leads, and with two of the three voters gone the
// last voter stops serving even though the observer is there (a quorum is 2 of the 3 voters).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { fourLetterWord } from '../../support/servers';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from '../../support/ensemble';
import { leaderAmong, modeOf as mode } from '../../support/ensemble-scope';

type Flavour = 'apache' | 'ours';
const name = (f: Flavour) => (f === 'apache' ? 'Apache' : 'ours');
/** How long a voter left without a quorum may take to notice (syncLimit 5 × tickTime 500 ms, then an election that cannot end). */
const QUORUM_LOST_ms = 20_000;

for (const [voters, observer, subnet] of [
  ['apache', 'ours', 30],
  ['ours', 'apache', 40],
] as const) {
  describe(`${name(observer)} observer of ${name(voters)} voters`, () => {
    const members: MemberSpec[] = [1, 2, 3, 4].map((myid) => ({ myid, host: `127.0.13.${subnet + myid}`, ...(myid === 4 ? { type: 'observer' as const } : {}) }));
    const host = (myid: number) => members[myid - 1]!.host;
    const procs: Member[] = [];
    const clients: ZooKeeperClient[] = [];
    let failed = false;
    /** The voter that leads, as the first step found it. */
    let leader = 0;
    const client = async (myid: number) => {
      const c = await ZooKeeperClient.connect(`${host(myid)}:2181`, { sessionTimeout_ms: 8000 });
      clients.push(c);
      return c;
    };
    before(async () => {
      // 3 first: 3 and 1 make the first quorum and 3 likely leads it (a stalled JVM may lose it).
      for (const myid of [3, 1, 2, 4]) procs[myid - 1] = await startMember(myid === 4 ? observer : voters, members[myid - 1]!, members);
    });
    after(async () => {
      if (failed) for (const m of procs.filter(Boolean)) console.error(`--- member ${m.myid}:\n${m.log().split('\n').slice(-40).join('\n')}`);
      for (const c of clients) c.disconnect();
      for (const m of procs.filter(Boolean)) await m.stop();
    });
    const step = (title: string, fn: () => Promise<void>) =>
      test(`${name(observer)} observer of ${name(voters)} voters: ${title}`, { timeout: 120_000 }, async () => {
        try {
          await fn();
        } catch (e) {
          failed = true;
          throw e;
        }
      });

    step('Mode: observer, and the highest myid does not lead', async () => {
      leader = (await leaderAmong([1, 2, 3].map(host))) + 1;
      assert.equal(mode(await srvrOnceServing(host(4))), 'observer');
    });

    step('reads served on the observer, writes through it forwarded to the leader', async () => {
      const onLeader = await client(leader);
      const onObserver = await client(4);
      await onLeader.create('/via-leader', Buffer.from('L'));
      await onObserver.sync('/');
      assert.equal((await onObserver.getData('/via-leader')).data?.toString(), 'L');
      await onObserver.create('/via-observer', Buffer.from('O'));
      assert.equal((await onObserver.getData('/via-observer')).data?.toString(), 'O', 'its own write, read back in order');
      for (const myid of [1, 2, 3]) {
        const c = await client(myid);
        await c.sync('/');
        assert.equal((await c.getData('/via-observer')).data?.toString(), 'O');
      }
    });

    step('no vote: one voter down, the ensemble serves; two down, the last voter stops serving though the observer is up', async () => {
      const [first, second] = [1, 2, 3].filter((myid) => myid !== leader);
      await procs[first! - 1]!.stop();
      const c = await client(leader);
      await c.create('/two-voters-left', null);
      await procs[second! - 1]!.stop();
      const deadline = Date.now() + QUORUM_LOST_ms;
      let srvr = '';
      while (Date.now() < deadline) {
        srvr = await fourLetterWord(host(leader), 2181, 'srvr').catch(() => '');
        if (srvr.includes('not currently serving requests')) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.match(srvr, /not currently serving requests/, 'one voter and an observer are not a quorum');
    });
  });
}
