// Apache ZooKeeper 3.8 members of an ensemble (Debian's package) for the mixed-ensemble
// tests: each on its own loopback address with the real ports (2181 client, 2888 quorum,
// 3888 election), a temp dataDir holding its myid, and its log kept for the test to read.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reapOnExit } from './reap';
import { fourLetterWord } from './servers';
import { Election } from '../../src/quorum/election';

export interface MemberSpec {
  myid: number;
  /** Its client address (clientPortAddress), and its server line's host unless `addresses` says otherwise. */
  host: string;
  type?: 'participant' | 'observer';
  /** Its server line's address part instead of host:2888:3888, e.g. 'h1:2888:3888|h2:2888:3888' or '[::1]:2888:3888'. */
  addresses?: string;
  /** Apache's JVM only: extra -D flags (e.g. -Dzookeeper.multiAddress.enabled=true, read from the system property alone). */
  jvmFlags?: string[];
  /**
   * SERVER_JVMFLAGS for either flavour (e.g. -Djava.security.auth.login.config=FILE): on
   * Apache's java command line, in our member's environment, where zkServer.sh puts them.
   */
  serverJvmFlags?: string[];
}

/** An ensemble member process, Apache's or ours. */
export interface Member {
  myid: number;
  host: string;
  dataDir: string;
  /** Its process (the JVM for Apache's): for /proc/<pid>/status (the benchmark's RSS). */
  pid: number;
  /** Everything it logged so far (slf4j-simple, on stderr). */
  log(): string;
  /** Resolves once its log matches, or rejects with the log after timeout_ms. */
  waitForLog(pattern: RegExp, timeout_ms: number): Promise<RegExpMatchArray>;
  /**
   * SIGKILL; its directory goes unless keepDir (to start it again over the same dataDir, or
   * to read what Apache wrote — the test then removes it). `signal` SIGTERM stops it cleanly
   * instead (so that node's --cpu-prof writes its profile).
   */
  stop(opts?: { keepDir?: boolean; signal?: NodeJS.Signals }): Promise<void>;
  /** Its directory (zoo.cfg and dataDir), for a restart over the same dataDir. */
  dir: string;
}

const JAVA_CP = ['/etc/zookeeper/conf', '/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-simple.jar', '/usr/share/java/servlet-api.jar'].join(':');
/**
 * Netty's jars that Debian's zookeeper.jar manifest lacks: NettyServerCnxnFactory
 * (secureClientPort) needs them, and so does the quorum's UnifiedServerSocket, which asks
 * Netty's SslHandler whether the first bytes are TLS (without them its listener thread dies
 * of a NoClassDefFoundError at the first connection: "Leaving listener").
 */
const NETTY_CP = ['/usr/share/java/netty-codec.jar', '/usr/share/java/netty-resolver.jar'];

/** The server.N lines every member of `members` shares. */
export function serverLines(members: MemberSpec[]): Record<string, string> {
  return Object.fromEntries(members.map((m) => [`server.${m.myid}`, `${m.addresses ?? `${m.host}:2888:3888`}${m.type === 'observer' ? ':observer' : ''}`]));
}

export async function startApacheMember(me: MemberSpec, members: MemberSpec[], extra: Record<string, string | number> = {}, reuseDir?: string): Promise<Member> {
  return startMember('apache', me, members, extra, reuseDir);
}

/** Our member: the bundle dist/zookeeper-ts.cjs (`server zoo.cfg`), its log (stdout and stderr) kept the same way. */
export async function startOurMember(me: MemberSpec, members: MemberSpec[], extra: Record<string, string | number> = {}, reuseDir?: string): Promise<Member> {
  return startMember('ours', me, members, extra, reuseDir);
}

/** Extra runtime flags: the JVM's (after ours, so an -Xmx there wins) or node's (--cpu-prof). */
export interface RuntimeArgs {
  jvmArgs?: string[];
  nodeArgs?: string[];
  /**
   * A command that runs the member, e.g. ['ip', 'netns', 'exec', 'zkf-1'] (the fault runs'
   * namespaces). It must exec the member (as `ip netns exec` does), so that pid and signals
   * are the member's own.
   */
  prefix?: string[];
  /** The bundle our member runs (default dist/zookeeper-ts.cjs): a benchmark's baseline build. */
  bundle?: string;
}

const BUNDLE = join(import.meta.dirname, '../../dist/zookeeper-ts.cjs');

export async function startMember(
  flavour: 'apache' | 'ours',
  me: MemberSpec,
  members: MemberSpec[],
  /** Extra zoo.cfg lines; undefined leaves out a line of the default (clientPort, for a TLS-only member). */
  extra: Record<string, string | number | undefined> = {},
  reuseDir?: string,
  runtime: RuntimeArgs = {},
): Promise<Member> {
  if (flavour === 'apache' && (!existsSync('/usr/share/java/zookeeper.jar') || !existsSync('/usr/share/java/slf4j-simple.jar'))) {
    throw new Error('Apache ZooKeeper (zookeeper.jar, slf4j-simple.jar) is missing: run scripts/install-test-deps.sh');
  }
  const bundle = runtime.bundle ?? BUNDLE;
  if (flavour === 'ours' && !existsSync(bundle)) throw new Error(`${bundle} is missing: run \`node scripts/build.mjs\``);
  const dir = reuseDir ?? mkdtempSync(join(tmpdir(), `zk-${flavour}-${me.myid}-`));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'myid'), `${me.myid}\n`);
  const cfg: Record<string, string | number | undefined> = {
    tickTime: 500,
    initLimit: 10,
    syncLimit: 5,
    dataDir,
    clientPort: 2181,
    clientPortAddress: me.host,
    'admin.enableServer': 'false',
    '4lw.commands.whitelist': '*',
    ...(me.type === 'observer' ? { peerType: 'observer' } : {}),
    ...serverLines(members),
    ...extra,
  };
  const cfgFile = join(dir, 'zoo.cfg');
  writeFileSync(cfgFile, Object.entries(cfg).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const netty = cfg.secureClientPort !== undefined || cfg.sslQuorum !== undefined || cfg.portUnification !== undefined;
  for (const jar of flavour === 'apache' && netty ? NETTY_CP : []) if (!existsSync(jar)) throw new Error(`${jar} is missing: run scripts/install-test-deps.sh`);
  const classPath = netty ? [JAVA_CP, ...NETTY_CP].join(':') : JAVA_CP;
  const command =
    flavour === 'apache'
      ? ['java', '-Xmx256m', ...(runtime.jvmArgs ?? []), ...(me.jvmFlags ?? []), ...(me.serverJvmFlags ?? []), '-Dorg.slf4j.simpleLogger.showDateTime=true', '-cp', classPath, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfgFile]
      : [process.execPath, ...(runtime.nodeArgs ?? []), bundle, 'server', cfgFile];
  const [program, ...args] = [...(runtime.prefix ?? []), ...command];
  const child: ChildProcess =
    flavour === 'apache'
      ? spawn(program!, args, { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(program!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '', ...(me.serverJvmFlags ? { SERVER_JVMFLAGS: me.serverJvmFlags.join(' ') } : {}) } });
  reapOnExit(child);
  let log = '';
  const waiters = new Set<() => void>();
  const keep = (d: Buffer) => {
    log += d.toString();
    if (log.length > 4_000_000) log = log.slice(-2_000_000);
    for (const w of waiters) w();
  };
  child.stderr!.on('data', keep);
  child.stdout?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    myid: me.myid,
    host: me.host,
    dataDir,
    dir,
    pid: child.pid!,
    log: () => log,
    waitForLog(pattern, timeout_ms) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = log.match(pattern);
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${flavour === 'apache' ? 'Apache' : 'our'} member ${me.myid} did not log ${pattern} within ${timeout_ms} ms; its log ends:\n${log.slice(-4000)}`));
        }, timeout_ms);
        waiters.add(check);
        check();
      });
    },
    async stop(opts) {
      if (child.exitCode === null && child.signalCode === null) child.kill(opts?.signal ?? 'SIGKILL');
      await exited;
      if (!opts?.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Holds each host:port bound but not listening (a python3 socket without SO_REUSEADDR), so
 * that a member cannot bind it (EADDRINUSE) and a dial to it is refused at once: an address
 * of a server line that is dead, on a host where every 127.x address is up.
 */
/** Linux's TCP_TIMEWAIT_LEN (60 s) and a margin: a port used live just before is bindable without SO_REUSEADDR only after it. */
const TIME_WAIT_s = 65;

export async function holdUnreachable(addresses: { host: string; port: number }[]): Promise<{ stop(): Promise<void> }> {
  const script = [
    'import socket, sys, time',
    'held = []',
    'for a in sys.argv[1:]:',
    '    host, port = a.rsplit(":", 1)',
    `    deadline = time.time() + ${TIME_WAIT_s}`,
    '    while True:',
    '        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)',
    '        try:',
    '            s.bind((host, int(port)))',
    '            break',
    '        except OSError:',
    '            s.close()',
    '            if time.time() > deadline: raise',
    '            time.sleep(1)',
    '    held.append(s)',
    'print("held", flush=True)',
    'sys.stdin.read()',
  ].join('\n');
  const child = spawn('python3', ['-c', script, ...addresses.map((a) => `${a.host}:${a.port}`)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`could not hold ${addresses.map((a) => `${a.host}:${a.port}`).join(' ')} (exit ${code}): ${err}`)));
  });
  return {
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      await exited;
    },
  };
}

/** srvr once the member serves (a leader answers only after a quorum synced with it); '' if it never does. */
export async function srvrOnceServing(host: string, port = 2181, timeout_ms = 30_000): Promise<string> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const out = await fourLetterWord(host, port, 'srvr').catch(() => '');
    if (out.includes('Mode:') || Date.now() > deadline) return out;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The Apache members' tests named it so first. */
export type ApacheMember = Member;

/**
 * Our election alone for member `myid`, in the test process, on its election address
 * (port 3888), beside the other `members` (Apache's or ours): started, stopped by the caller.
 */
export async function startOurElection(members: MemberSpec[], myid: number, log: { info(l: string): void; warn(l: string): void }): Promise<Election> {
  const me = members.find((m) => m.myid === myid)!;
  const voters = members.filter((m) => m.type !== 'observer').map((m) => BigInt(m.myid));
  const e = new Election(
    {
      myid: BigInt(myid),
      quorum: { isVoter: (id) => voters.includes(id), voters: () => voters, containsQuorum: (acks) => [...acks].filter((a) => voters.includes(a)).length * 2 > voters.length },
      learnerType: me.type ?? 'participant',
      configText: members.map((m) => `server.${m.myid}=${m.host}:2888:3888:${m.type ?? 'participant'}\n`).join('') + 'version=0',
    },
    { listen: [{ host: me.host, port: 3888 }], peers: new Map(members.filter((m) => m.myid !== myid).map((m) => [BigInt(m.myid), [{ host: m.host, port: 3888 }]])), log },
  );
  await e.start();
  return e;
}

/** A whole ensemble of one flavour, started together, each member on its own address. */
export interface Ensemble {
  members: Member[];
  /** host:2181 of every member, as a client's connect string takes them. */
  connectString: string;
  /** The member whose srvr says `Mode: <mode>` now (the lowest myid of them). */
  inMode(mode: 'leader' | 'follower'): Promise<Member>;
  stop(): Promise<void>;
}

/** How long a whole ensemble gets to elect and serve: two JVM starts and an election on 2 busy cores. */
const ENSEMBLE_SERVING_ms = 60_000;

/** Starts members 1..n on `hosts` (myid i+1 on hosts[i]) and waits until every one serves. */
export async function startEnsemble(flavour: 'apache' | 'ours', hosts: string[], extra: Record<string, string | number> = {}): Promise<Ensemble> {
  const specs: MemberSpec[] = hosts.map((host, i) => ({ myid: i + 1, host }));
  const members = await Promise.all(specs.map((s) => startMember(flavour, s, specs, extra)));
  const stop = async () => {
    await Promise.all(members.map((m) => m.stop()));
  };
  try {
    const srvr = await Promise.all(members.map((m) => srvrOnceServing(m.host, 2181, ENSEMBLE_SERVING_ms)));
    const down = srvr.findIndex((s) => !s.includes('Mode:'));
    if (down >= 0) throw new Error(`${flavour} member ${down + 1} does not serve; its log ends:\n${members[down]!.log().slice(-4000)}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    members,
    connectString: hosts.map((h) => `${h}:2181`).join(','),
    async inMode(mode) {
      for (const m of members) {
        if ((await srvrOnceServing(m.host, 2181, 5000)).includes(`Mode: ${mode}`)) return m;
      }
      throw new Error(`no ${flavour} member is ${mode}`);
    },
    stop,
  };
}
