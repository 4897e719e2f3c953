// The differential harness: a scenario is a short script of client calls; it runs against
// Apache ZooKeeper 3.8 and against ours, and what each client saw — every reply (err, body)
// and every watch event, in the order its connection delivered them — is recorded and
// normalised, so that the two transcripts can be compared field by field.
//
// Normalising: zxids become offsets from the zxid that created the scenario's root (so a
// server that spends one zxid more or less shows up), times become <time> (0 stays 0),
// session ids become s1, s2... in order of first appearance.
import { setTimeout as sleep } from 'node:timers/promises';
import { ZooKeeperClient, type ClientOptions, type Reply } from '../../../src/client/zookeeper-client';
import { Code, codeName, KeeperError } from '../../../src/jute/keeper-error';
import { OPEN_ACL_UNSAFE, OpCode } from '../../../src/jute/constants';
import { CreateRequest } from '../../../src/jute/records';
import { startServer, fourLetterWord, type Flavour, type RunningServer } from '../../support/servers';
import { startEnsemble, type Ensemble } from '../../support/ensemble';

/** Where a scenario's clients connect: a standalone server, or one member of an ensemble. */
export type Target = Pick<RunningServer, 'host' | 'port' | 'connectString'> & {
  /** An ensemble's member addresses, myid 1 first: text that names them reads <member N>. */
  members?: string[];
};

export interface Scenario {
  name: string;
  /** Its own server pair, started with these zoo.cfg lines (scenarios without share one pair). */
  cfg?: Record<string, string | number | boolean>;
  run(ctx: Ctx): Promise<void>;
}

/** zoo.cfg of the shared server pair: short ticks so that session expiry takes about a second. */
export const SHARED_CFG = { tickTime: 500, minSessionTimeout: 1000, maxSessionTimeout: 20000 } as const;

export type Line = unknown[];

/** One client of a scenario: each call's outcome and each event go into the transcript. */
export class Recorded {
  constructor(
    readonly name: string,
    readonly zk: ZooKeeperClient,
    private readonly ctx: Ctx,
  ) {
    zk.on('watch', (e) => ctx.record(name, 'event', { type: e.type, state: e.state, path: e.path, zxid: e.zxid }));
  }

  /**
   * Runs one call and records what came back: a raw Reply as it is, a typed result as
   * {ok: value}, a KeeperError as {err: NAME}. Returns the outcome for scenarios that branch.
   */
  async do<T>(label: string, call: (zk: ZooKeeperClient) => Promise<T>): Promise<T | undefined> {
    try {
      const v = await call(this.zk);
      if (isReply(v)) this.ctx.record(this.name, label, { err: codeName(v.err), zxid: v.zxid, body: v.body });
      else this.ctx.record(this.name, label, { ok: v });
      return v;
    } catch (e) {
      if (e instanceof KeeperError) this.ctx.record(this.name, label, { err: codeName(e.code) });
      else throw e;
      return undefined;
    }
  }
}

function isReply(v: unknown): v is Reply<unknown> {
  return typeof v === 'object' && v !== null && 'xid' in v && 'err' in v && 'zxid' in v;
}

/** Re-attaches tried to close a session a scenario dropped, before its expiry is waited out. */
const CLOSE_ATTEMPTS = 3;
/** Past a session's timeout, the time its server may take to expire it (a tick and a little). */
const EXPIRY_SLACK_ms = 3000;

export class Ctx {
  readonly lines: Line[] = [];
  readonly clients: Recorded[] = [];
  baseZxid = 0;
  private readonly sessions = new Map<bigint, string>();

  constructor(
    readonly server: Target,
    /** The scenario's own node: everything it creates goes under it. */
    readonly root: string,
  ) {}

  async client(name: string, opts: ClientOptions = {}): Promise<Recorded> {
    const zk = await ZooKeeperClient.connect(this.server.connectString, { sessionTimeout_ms: 10_000, ...opts });
    this.session(zk.sessionId);
    const c = new Recorded(name, zk, this);
    this.clients.push(c);
    this.record(name, 'connected', { timeout: zk.negotiatedTimeout_ms, readOnly: zk.readOnly });
    return c;
  }

  /** A connect that may be refused (expired session, wrong password): records how it ended. */
  async tryClient(name: string, opts: ClientOptions): Promise<Recorded | undefined> {
    try {
      return await this.client(name, opts);
    } catch (e) {
      // A refused connection reaches the client as an orderly close or as a reset,
      // depending on timing, from either server: both are "connection closed".
      const refused = !(e instanceof KeeperError) || e.code === Code.CONNECTIONLOSS;
      this.record(name, 'connect failed', refused ? 'connection closed' : codeName(e.code));
      return undefined;
    }
  }

  /**
   * Ends every session the scenario opened, also those it dropped on purpose, so that none
   * expires later in the middle of another scenario and spends a zxid there.
   */
  async closeAll(): Promise<void> {
    for (const c of this.clients) {
      if (c.zk.isConnected) await c.zk.close();
      else await this.closeDropped(c.zk);
    }
  }

  /** Closes a session whose connection a scenario dropped, by re-attaching to it. */
  private async closeDropped(zk: ZooKeeperClient): Promise<void> {
    for (let attempt = 1; attempt <= CLOSE_ATTEMPTS; attempt++) {
      try {
        const again = await ZooKeeperClient.connect(this.server.connectString, { sessionId: zk.sessionId, passwd: zk.passwd });
        await again.close();
        return;
      } catch (e) {
        // Expired or closed already: its closeSession is behind us.
        if (e instanceof KeeperError && e.code === Code.SESSIONEXPIRED) return;
      }
    }
    // Not reached (a loaded machine): it may still be alive, so its expiry is waited out
    // here, where the txn it spends is no scenario's.
    await sleep(zk.negotiatedTimeout_ms + EXPIRY_SLACK_ms);
  }

  /** The normalised name of a session id. */
  session(id: bigint): string {
    let name = this.sessions.get(id);
    if (name === undefined) this.sessions.set(id, (name = `s${this.sessions.size + 1}`));
    return name;
  }

  record(who: string, what: string, value: unknown): void {
    this.lines.push([who, what, this.normalise(value, '')]);
  }

  note(what: string, value: unknown): void {
    this.record('-', what, value);
  }

  async fourLetterWord(word: string): Promise<string> {
    return fourLetterWord(this.server.host, this.server.port, word);
  }

  sleep(ms: number): Promise<void> {
    return sleep(ms);
  }

  private normalise(v: unknown, key: string): unknown {
    if (v === null || v === undefined) return v ?? null;
    if (typeof v === 'bigint') {
      // 0: no owner; negative: a container's or TTL node's marker, the same on both servers.
      if (v === 0n) return 0;
      if (v < 0n) return `0x${BigInt.asUintN(64, v).toString(16)}`;
      return this.session(v);
    }
    if (Buffer.isBuffer(v)) return this.normalise(printable(v), key);
    if (typeof v === 'string' && this.server.members) {
      return this.server.members.reduce((s, host, i) => s.replace(new RegExp(`${host.replaceAll('.', '\\.')}(?!\\d)`, 'g'), `<member ${i + 1}>`), v);
    }
    if (Array.isArray(v)) return v.map((x) => this.normalise(x, key));
    if (typeof v === 'number') {
      if (/zxid$/i.test(key)) return v <= 0 ? v : `z${v - this.baseZxid >= 0 ? '+' : ''}${v - this.baseZxid}`;
      if (key === 'ctime' || key === 'mtime') return v === 0 ? 0 : '<time>';
      if (key === 'ephemeralOwner') return v === 0 ? 0 : this.session(BigInt(v));
      return v;
    }
    if (typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.normalise(x, k);
      return out;
    }
    return v;
  }
}

function printable(b: Buffer): string {
  const s = b.toString('utf8');
  return /^[\x20-\x7e\n]*$/.test(s) ? s : `0x${b.toString('hex')}`;
}

/** Runs a scenario against one server and returns its normalised transcript. */
export async function runScenario(server: Target, scenario: Scenario, index: number): Promise<Line[]> {
  const root = `/d${index}`;
  const ctx = new Ctx(server, root);
  const admin = await ZooKeeperClient.connect(server.connectString, { sessionTimeout_ms: 10_000 });
  try {
    const made = await admin.call(OpCode.create, (w) =>
      CreateRequest.write(w, { path: root, data: null, acl: OPEN_ACL_UNSAFE, flags: 0 }),
    );
    if (made.err !== 0) throw new Error(`could not create ${root}: ${codeName(made.err)}`);
    ctx.baseZxid = made.zxid;
    await scenario.run(ctx);
  } finally {
    await ctx.closeAll();
    await admin.close();
  }
  return perClient(ctx.lines);
}

/**
 * Lines grouped by who saw them, each client's in the order its connection delivered
 * them. Across clients the order is a race (one client's event against another's reply)
 * that neither server promises; within one connection it is the protocol.
 */
function perClient(lines: Line[]): Line[] {
  const order: string[] = [];
  const by = new Map<string, Line[]>();
  for (const l of lines) {
    const who = l[0] as string;
    if (!by.has(who)) {
      by.set(who, []);
      order.push(who);
    }
    by.get(who)!.push(l);
  }
  return order.flatMap((who) => by.get(who)!);
}

/** Servers of one flavour, one per distinct cfg, started on first use. */
export class ServerPool {
  private readonly servers = new Map<string, Promise<RunningServer>>();
  private nextPort = 0;

  constructor(
    readonly flavour: Flavour,
    readonly host: string,
    private readonly basePort: number,
  ) {}

  get(cfg: Scenario['cfg']): Promise<RunningServer> {
    const key = JSON.stringify(cfg ?? {});
    let s = this.servers.get(key);
    if (!s) {
      s = startServer(this.flavour, { host: this.host, port: this.basePort + this.nextPort++, cfg: { ...SHARED_CFG, ...cfg } });
      this.servers.set(key, s);
    }
    return s;
  }

  async stopAll(): Promise<void> {
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(all.map(async (s) => (await s.catch(() => undefined))?.stop()));
  }
}

/**
 * Ensembles of one flavour, three members each, one per distinct cfg, started on first use;
 * a scenario's clients all connect to one FOLLOWER, so that every write is forwarded to the
 * leader and every read answered by a member that only learns of changes by COMMIT.
 */
export class EnsemblePool {
  private readonly ensembles = new Map<string, Promise<{ ensemble: Ensemble; follower: Target }>>();
  private next = 0;

  constructor(
    readonly flavour: Flavour,
    /** Three loopback addresses per distinct cfg, taken in turn. */
    private readonly hosts: string[][],
  ) {}

  async get(cfg: Scenario['cfg']): Promise<Target> {
    const key = JSON.stringify(cfg ?? {});
    let e = this.ensembles.get(key);
    if (!e) {
      const hosts = this.hosts[this.next++];
      if (!hosts) throw new Error(`no addresses left for another ${this.flavour} ensemble`);
      const extra = Object.fromEntries(Object.entries({ ...SHARED_CFG, ...cfg }).map(([k, v]) => [k, typeof v === 'boolean' ? String(v) : v]));
      e = startEnsemble(this.flavour, hosts, extra).then(async (ensemble) => {
        const m = await ensemble.inMode('follower');
        return { ensemble, follower: { host: m.host, port: 2181, connectString: `${m.host}:2181`, members: hosts } };
      });
      this.ensembles.set(key, e);
    }
    return (await e).follower;
  }

  /** Stops the ensemble of one cfg (the next get for it starts a new one on new addresses). */
  async release(cfg: Scenario['cfg']): Promise<void> {
    const key = JSON.stringify(cfg ?? {});
    const e = this.ensembles.get(key);
    this.ensembles.delete(key);
    await (await e?.catch(() => undefined))?.ensemble.stop();
  }

  async stopAll(): Promise<void> {
    const all = [...this.ensembles.values()];
    this.ensembles.clear();
    await Promise.all(all.map(async (e) => (await e.catch(() => undefined))?.ensemble.stop()));
  }
}

/** Lines shown before and after the first difference: a CI log keeps a failure's first lines only. */
const LINES_BEFORE = 4;
const LINES_AFTER = 2;

/** Both transcripts around their first difference, one JSON line per step, for reading a failure. */
export function transcripts(a: unknown[], o: unknown[]): string {
  const line = (l: unknown) => JSON.stringify(l);
  let first = 0;
  while (first < Math.min(a.length, o.length) && line(a[first]) === line(o[first])) first++;
  const from = Math.max(0, first - LINES_BEFORE);
  const show = (lines: unknown[]) =>
    lines
      .slice(from, first + 1 + LINES_AFTER)
      .map((l, i) => `${from + i === first ? '>' : ' '} ${from + i}: ${line(l)}`)
      .join('\n');
  return `the transcripts (apache ${a.length} lines, ours ${o.length}) first differ at line ${first}\napache:\n${show(a)}\nours:\n${show(o)}`;
}
