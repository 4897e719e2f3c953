// The real clients against a 3-member ensemble, with the three-server connect string:
// zkCli (Apache's shell), kazoo's recipes (its clients started on different members) and
// the C client's cli_mt print the same against three of ours as against three Apache
// ZooKeeper 3.8 members; and zkCli fails over when the member it is on is killed, keeping
// its session and its ephemeral node, on both.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEnsemble, type Ensemble } from '../../support/ensemble';
import { fourLetterWord } from '../../support/servers';
import { cliMtSession } from './cli-mt-session';
import { Conversation, dump, FLAVOURS, normalise, run, SYSTEM_PYTHON, type ClientTarget } from './transcript';
import { APACHE_ZKCLI, zkCliSession } from './zkcli-session';

const DRIVER = join(import.meta.dirname, 'kazoo_driver.py');
const HOSTS = {
  apache: ['127.0.12.101', '127.0.12.102', '127.0.12.103'],
  ours: ['127.0.12.104', '127.0.12.105', '127.0.12.106'],
} as const;
/** Short ticks, as the other ensemble tests: maxSessionTimeout is then 10 s, a failover well within it. */
const CFG = { tickTime: 500 };

const ensembles: Partial<Record<(typeof FLAVOURS)[number], Ensemble>> = {};
const target = (flavour: (typeof FLAVOURS)[number]): ClientTarget => ({
  connectString: ensembles[flavour]!.connectString,
  host: ensembles[flavour]!.connectString,
  members: HOSTS[flavour],
});

describe('real clients against 3-member ensembles, Apache’s and ours', () => {
  before(async () => {
    const [a, o] = await Promise.all([startEnsemble('apache', [...HOSTS.apache], CFG), startEnsemble('ours', [...HOSTS.ours], CFG)]);
    ensembles.apache = a;
    ensembles.ours = o;
  });
  after(async () => {
    await Promise.all(Object.values(ensembles).map((e) => e.stop()));
  });

  test('kazoo recipes, their clients on different members, print the same transcript', async () => {
    const transcripts: Record<string, string> = {};
    await Promise.all(
      FLAVOURS.map(async (flavour) => {
        const { code, output } = await run(SYSTEM_PYTHON, [DRIVER, target(flavour).connectString], { timeout_ms: 120_000 });
        transcripts[flavour] = normalise(`${output}--- exit code ${code}\n`, target(flavour));
        dump('kazoo-ensemble', flavour, transcripts[flavour]);
      }),
    );
    assert.match(transcripts.apache!, /--- exit code 0\n$/, transcripts.apache);
    assert.match(transcripts.apache!, /leaders in turn \['alice', 'bob'\]/);
    assert.equal(transcripts.ours, transcripts.apache);
  });

  test('zkCli prints the same session, a second zkCli firing its watches', async () => {
    const transcripts: Record<string, string> = {};
    await Promise.all(
      FLAVOURS.map(async (flavour) => {
        transcripts[flavour] = await zkCliSession(target(flavour));
        dump('zkcli-ensemble', flavour, transcripts[flavour]);
      }),
    );
    assert.match(transcripts.apache!, /type:NodeCreated path:\/appears/);
    assert.equal(transcripts.ours, transcripts.apache);
  });

  test('the C client (cli_mt) prints the same session', async () => {
    const transcripts: Record<string, string> = {};
    await Promise.all(
      FLAVOURS.map(async (flavour) => {
        transcripts[flavour] = await cliMtSession(target(flavour));
        dump('c-client-ensemble', flavour, transcripts[flavour]);
      }),
    );
    assert.match(transcripts.apache!, /Watcher CREATED_EVENT state = CONNECTED_STATE for path \/c3/);
    assert.equal(transcripts.ours, transcripts.apache);
  });

  // Last: it kills a member of each ensemble.
  test('zkCli fails over when its member is killed, keeping its session and ephemeral node', async () => {
    const transcripts: Record<string, string> = {};
    await Promise.all(
      FLAVOURS.map(async (flavour) => {
        transcripts[flavour] = await zkCliFailover(ensembles[flavour]!, target(flavour));
        dump('zkcli-failover', flavour, transcripts[flavour]);
      }),
    );
    assert.equal(transcripts.ours, transcripts.apache);
  });
});

/** What a command printed, without the sentinel that marks its end. */
const SENTINEL = 'get sentinel';
const SENTINEL_ANSWER = 'Path must start with / character\n';

async function zkCliFailover(ensemble: Ensemble, t: ClientTarget): Promise<string> {
  const cli = new Conversation(...APACHE_ZKCLI(t.connectString));
  let transcript = '';
  const step = async (command: string) => {
    const from = cli.transcript.length;
    await cli.send(`${command}\n${SENTINEL}`, new RegExp(SENTINEL_ANSWER));
    const answer = cli.transcript.slice(from).replace(SENTINEL_ANSWER, '');
    transcript += `> ${command}\n${answer}`;
    return answer;
  };
  try {
    await cli.waitFor(/WatchedEvent state:SyncConnected type:None path:null\n/);
    await step('create /failover f');
    await step('create -e /failover/eph e');
    const owner = /ephemeralOwner = (0x[0-9a-f]+)/.exec(await step('stat /failover/eph'))?.[1];
    assert.ok(owner, transcript);
    const sid = `sid=${owner}`;
    const on = await memberWith(ensemble, sid);
    assert.ok(on, `no member has zkCli's session ${owner} among its connections`);
    const from = cli.transcript.length;
    await on.stop();
    await cli.waitFor(/state:Disconnected[\s\S]*state:SyncConnected type:None path:null\n/, from, 30_000);
    transcript += '--- its member killed; zkCli after it\n' + cli.transcript.slice(from);
    const after = await memberWith(ensemble, sid);
    assert.ok(after && after !== on, `zkCli's session ${owner} is on no other member`);
    const ownerAfter = /ephemeralOwner = (0x[0-9a-f]+)/.exec(await step('stat /failover/eph'))?.[1];
    assert.equal(ownerAfter, owner, 'the ephemeral node is still the session’s own');
    await step('get /failover/eph');
    await step('ls /failover');
    await step('deleteall /failover');
    await cli.quit();
  } finally {
    transcript += `--- zkCli exit code ${await cli.end()}\n`;
  }
  return normalise(transcript, t);
}

/** The live member whose `cons` lists the session. */
async function memberWith(ensemble: Ensemble, sid: string) {
  for (const m of ensemble.members) {
    const cons = await fourLetterWord(m.host, 2181, 'cons', 2000).catch(() => '');
    if (cons.includes(sid)) return m;
  }
  return undefined;
}
