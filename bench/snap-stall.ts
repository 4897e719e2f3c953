// How long our leader stops serving its clients while it sends a SNAP: two members of ours
// (3 leads, 2 follows) hold --znodes 100-byte znodes; member 1 then joins with an empty
// dataDir, so the leader streams it the whole tree. Meanwhile one client pings the leader
// (exists, one at a time); the longest ping is the longest the leader's event loop was
// taken from its clients, give or take this machine's scheduling.
//   node scripts/build.mjs --bundle-only && node --import tsx bench/snap-stall.ts [--znodes 300000] [--bundle dist/zookeeper-ts.cjs]
// --bundle runs another build of ours (an older commit's, for before/after).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ZooKeeperClient } from '../src/client/zookeeper-client';
import { srvrOnceServing, startMember, type Member, type MemberSpec, type RuntimeArgs } from '../test/support/ensemble';

const { values } = parseArgs({ options: { znodes: { type: 'string', default: '300000' }, bundle: { type: 'string' } } });
const ZNODES = Number(values.znodes);
/** 1,000 znodes per parent, as bench/startup.ts. */
const PARENTS = Math.ceil(ZNODES / 1000);
/** Creates in flight while filling: enough to keep the leader busy, few enough for its queues. */
const FILL_IN_FLIGHT = 1000;
/** Start, election and a SNAP of a large tree on a loaded machine. */
const SERVING_ms = 300_000;
/** tickTime 2000 (syncLimit 5: 10 s): on a loaded machine 500 let the fill lose its leader. */
const CONFIG = { tickTime: 2000 };
const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.54.${60 + myid}` }));
// The other build runs as the member's program: `sh -c` execs node on it (same pid, same signals).
const runtime: RuntimeArgs = values.bundle
  ? { prefix: ['sh', '-c', `shift; exec "$0" ${JSON.stringify(resolve(values.bundle))} "$@"`] }
  : {};

async function main(): Promise<void> {
  const procs: Member[] = [];
  try {
    for (const myid of [3, 2]) procs.push(await startMember('ours', members[myid - 1]!, members, CONFIG, undefined, runtime));
    await srvrOnceServing(members[2]!.host, 2181, SERVING_ms);
    const c = await ZooKeeperClient.connect(`${members[2]!.host}:2181`, { sessionTimeout_ms: 30_000 });
    const data = Buffer.alloc(100, 'd');
    await Promise.all(Array.from({ length: PARENTS }, (_, p) => c.create(`/p${p}`, null)));
    for (let at = 0; at < ZNODES; at += FILL_IN_FLIGHT) {
      await Promise.all(Array.from({ length: Math.min(FILL_IN_FLIGHT, ZNODES - at) }, (_, k) => c.create(`/p${(at + k) % PARENTS}/n${at + k}`, data)));
    }
    const pings: number[] = [];
    let pinging = true;
    const pinger = (async () => {
      while (pinging) {
        const t = performance.now();
        await c.exists('/p0');
        pings.push(performance.now() - t);
      }
    })();
    await new Promise((r) => setTimeout(r, 1000));
    const quiet = pings.length;
    const t0 = performance.now();
    procs.push(await startMember('ours', members[0]!, members, CONFIG, undefined, runtime));
    await srvrOnceServing(members[0]!.host, 2181, SERVING_ms);
    const synced_ms = performance.now() - t0;
    pinging = false;
    await pinger;
    await c.close();
    const during = pings.slice(quiet).sort((a, b) => a - b);
    const before = pings.slice(0, quiet).sort((a, b) => a - b);
    const pct = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * q))]!.toFixed(1);
    const line = /snapshot 0x[0-9a-f]+ sent to learner[^\n]*/.exec(procs[0]!.log())?.[0] ?? '(no stream line: an older build)';
    console.log(`znodes ${ZNODES}, bundle ${values.bundle ?? 'dist/zookeeper-ts.cjs'}`);
    console.log(`member 1 joined and served after ${synced_ms.toFixed(0)} ms`);
    console.log(`pings before: ${before.length}, p99 ${pct(before, 0.99)} ms, max ${pct(before, 1)} ms`);
    console.log(`pings while syncing: ${during.length}, p99 ${pct(during, 0.99)} ms, max ${pct(during, 1)} ms`);
    console.log(`leader: ${line}`);
  } finally {
    for (const m of procs) await m.stop();
  }
}

void main();
