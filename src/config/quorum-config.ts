// The ensemble part of zoo.cfg as Apache ZooKeeper 3.8's QuorumPeerConfig reads it: server.N
// lines (in zoo.cfg or the dynamicConfigFile), myid, peerType, the election settings, and the
// rules that decide standalone or ensemble. Each check names the Apache rule it mirrors.
import { BooleanValueError, readBoolean } from './boolean-switches';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { parseProperties, type Property } from './properties';
import {
  observingMembers,
  parseServerId,
  parseServerValue,
  parseVersion,
  quorumVerifier,
  SERVER_ID_MAX,
  ServerLineError,
  votingMembers,
  type ClientAddress,
  type LearnerType,
  type QuorumServer,
  type QuorumVerifier,
} from './quorum-verifier';

export interface EnsembleConfig {
  verifier: QuorumVerifier;
  myid: number;
  /** This server's role: its own server line decides, as in Apache (peerType only warns). */
  peerType: LearnerType;
  quorumListenOnAllIPs: boolean;
  /** Times to retry binding the election port; 0 retries forever (QuorumCnxManager.Listener). */
  electionPortBindRetry: number;
  multiAddressEnabled: boolean;
  dynamicConfigFile?: string;
}

/** What zoo.cfg says outside the ensemble keys, that the ensemble rules depend on. */
export interface EnsembleContext {
  file: string;
  dataDir: string;
  standaloneEnabled: boolean;
  initLimitSet: boolean;
  syncLimitSet: boolean;
  /** Distinct keys in zoo.cfg: the size of Apache's Properties, which fixes its member order. */
  propertyCount: number;
  /** clientPort (and clientPortAddress, else 0.0.0.0) from zoo.cfg, when clientPort is set. */
  staticClient?: ClientAddress;
  /** secureClientPort is set: a member may serve clients over TLS alone, as Apache's does. */
  secureClientPortSet?: boolean;
  readMyid: (dataDir: string) => string | undefined;
  readFile: (path: string) => string;
}

export interface EnsembleResult {
  /** Undefined when standalone: no voting member, or one with standaloneEnabled (Apache's isDistributed). */
  ensemble?: EnsembleConfig;
  servers: QuorumServer[];
  /** myid's number when the file exists (Apache reads it even standalone, and refuses a bad one). */
  myid?: number;
  /** This member's client address, from its server line or else zoo.cfg (setupClientPort). */
  clientAddress?: ClientAddress;
  warnings: string[];
}

/** The keys this module reads; server-config hands them over instead of parsing them. */
export function isEnsembleKey(key: string): boolean {
  return key.startsWith('server.') || /^(group|weight)/.test(key) || key === 'version' || ENSEMBLE_KEYS.has(key);
}

const ENSEMBLE_KEYS = new Set([
  'peerType',
  'electionAlg',
  'quorumListenOnAllIPs',
  'electionPortBindRetry',
  'zookeeper.electionPortBindRetry',
  'dynamicConfigFile',
  'multiAddress.enabled',
  'zookeeper.multiAddress.enabled',
]);

/** Apache's one election algorithm since 3.6 (FastLeaderElection over TCP). */
const ELECTION_ALG = 3;
/** QuorumCnxManager.Listener's DEFAULT_PORT_BIND_MAX_RETRY. */
const DEFAULT_ELECTION_PORT_BIND_RETRY = 3;

export function readEnsemble(props: Property[], ctx: EnsembleContext): EnsembleResult {
  const warnings: string[] = [];
  const get = (key: string) => lastOf(props, key);
  const dynamicProp = get('dynamicConfigFile');

  // QuorumPeerConfig.parseProperties: with dynamicConfigFile set, membership keys in zoo.cfg
  // are refused ("parameter: server.1 must be in a separate dynamic config file").
  if (dynamicProp) {
    const misplaced = props.find((p) => p.key.startsWith('server.') || /^(group|weight)/.test(p.key));
    if (misplaced) throw lineError(misplaced, `must be in the dynamic config file ${dynamicProp.value} (dynamicConfigFile is set)`);
  }
  const electionAlg = get('electionAlg');
  // "Invalid electionAlg value. Only 3 is supported."
  if (electionAlg && !(/^[+-]?\d+$/.test(electionAlg.value) && Number(electionAlg.value) === ELECTION_ALG)) throw lineError(electionAlg, `must be ${ELECTION_ALG} (the only election algorithm)`);
  const peerTypeProp = get('peerType');
  // "Unrecognised peertype".
  if (peerTypeProp && !['observer', 'participant'].includes(peerTypeProp.value.toLowerCase())) throw lineError(peerTypeProp, 'must be participant or observer');
  const quorumListenOnAllIPs = booleanOf(get('quorumListenOnAllIPs'), false);
  // Divergence: Apache 3.8 takes this switch only from the Java system property (its zoo.cfg
  // key does not reach the server-line parser, as measured); we have no JVM, so zoo.cfg says it.
  const multiAddressEnabled = booleanOf(get('multiAddress.enabled') ?? get('zookeeper.multiAddress.enabled'), false);
  const electionPortBindRetry = bindRetry(get('electionPortBindRetry') ?? get('zookeeper.electionPortBindRetry'), warnings);

  // The membership: from the dynamic file when set, else from zoo.cfg itself ("backward
  // compatibility mode", where other keys may sit beside the server lines).
  let membership: Property[];
  let versionFromName: bigint | undefined;
  let dynamic = false;
  if (dynamicProp) {
    dynamic = true;
    let text: string;
    try {
      text = ctx.readFile(dynamicProp.value);
    } catch (e) {
      throw lineError(dynamicProp, `must name a readable file (${(e as Error).message})`);
    }
    membership = parseProperties(text, dynamicProp.value);
    // "dynamic file shouldn't have version inside": the version is the file name's suffix.
    const inside = membership.find((p) => p.key === 'version');
    if (inside) throw lineError(inside, 'must not be in a dynamic config file (its version is the file name suffix, as zoo.cfg.dynamic.100000000)');
    // parseDynamicConfig: "Unrecognised parameter" for anything but server.N, group, weight.
    const stray = membership.find((p) => !p.key.startsWith('server.') && !/^(group|weight)/.test(p.key));
    if (stray) throw lineError(stray, 'is not allowed in a dynamic config file (only server.N lines)');
    versionFromName = versionFromFilename(dynamicProp.value);
  } else {
    membership = props.filter((p) => p.key.startsWith('server.') || /^(group|weight)/.test(p.key) || p.key === 'version');
  }

  // Hierarchical quorums change who counts as a quorum; we do not build them, and never
  // silently fall back to a majority of all voters.
  const hierarchical = membership.find((p) => /^(group|weight)/.test(p.key));
  if (hierarchical) throw lineError(hierarchical, 'is not supported: hierarchical quorums (group.N, weight.N) are not built by this server; remove the group and weight lines for a majority quorum');

  const byId = new Map<number, { p: Property; server: QuorumServer }>();
  let version = versionFromName ?? 0n;
  for (const p of lastPerKey(membership)) {
    if (p.key === 'version') {
      try {
        version = parseVersion(p.value);
      } catch (e) {
        throw lineError(p, `must be a hexadecimal number`);
      }
      continue;
    }
    let server: QuorumServer;
    try {
      server = parseServerValue(parseServerId(p.key), p.value, multiAddressEnabled);
    } catch (e) {
      if (e instanceof ServerLineError) throw lineError(p, e.message);
      throw e;
    }
    // Apache's HashMap would keep one of server.1 and server.01 at random: refuse both.
    const twin = byId.get(server.id);
    if (twin) throw lineError(p, `names server ${server.id} again (also ${twin.p.key} on line ${twin.p.line})`);
    byId.set(server.id, { p, server });
  }
  // Properties count fixes Apache's member order; dynamic mode adds the version key.
  const propertyCount = dynamic ? lastPerKey(membership).length + (versionFromName !== undefined ? 1 : 0) : ctx.propertyCount;
  const verifier = quorumVerifier([...byId.values()].map((v) => v.server), version, propertyCount);

  // parseDynamicConfig's census of participants and observers.
  const voters = votingMembers(verifier).length;
  const observers = observingMembers(verifier).length;
  const where = dynamic ? dynamicProp!.value : ctx.file;
  if (voters === 0) {
    if (!ctx.standaloneEnabled && byId.size > 0) throw new ConfigError(`${where}: with standaloneEnabled=false there must be at least one participant`);
    if (!ctx.standaloneEnabled) throw new ConfigError(`${where}: standaloneEnabled=false needs server.N lines with at least one participant`);
    if (observers > 0) throw new ConfigError(`${where}: observers without participants is not a valid ensemble`);
  } else if (voters === 1 && ctx.standaloneEnabled) {
    if (observers > 0) throw new ConfigError(`${where}: observers without a quorum (one participant, standaloneEnabled=true) is not a valid ensemble`);
    warnings.push(`${where}: only one server is given; running standalone (ignoring the server line)`);
  } else if (voters <= 2) {
    warnings.push(`${where}: with ${voters} participants no server failure will be tolerated; you need at least 3 servers`);
  } else if (voters % 2 === 0) {
    warnings.push(`${where}: ${voters} participants tolerate no more failures than ${voters - 1}; consider an odd number of servers`);
  }

  const myid = readMyid(ctx);
  const distributed = !ctx.standaloneEnabled || voters > 1; // QuorumPeerConfig.isDistributed
  const result: EnsembleResult = { servers: verifier.servers, warnings, ...(myid !== undefined ? { myid } : {}) };
  if (!distributed) return result;

  // checkValidity, in Apache's order.
  if (!ctx.initLimitSet) throw new ConfigError(`${ctx.file}: initLimit is not set (an ensemble needs it: ticks a follower may take to connect and sync to the leader)`);
  if (!ctx.syncLimitSet) throw new ConfigError(`${ctx.file}: syncLimit is not set (an ensemble needs it: ticks a follower may lag behind the leader)`);
  if (myid === undefined) throw new ConfigError(`${join(ctx.dataDir, 'myid')}: the myid file is missing (an ensemble member needs its server id there)`);
  const me = verifier.servers.find((s) => s.id === myid);
  // Apache starts and then fails to find itself in the view; refusing here says why.
  if (!me) throw new ConfigError(`${where}: myid ${myid} has no server.${myid} line`);

  // setupClientPort: zoo.cfg's client address and the server line's must agree (a wildcard
  // zoo.cfg address only on the port); the line's wins; without one, zoo.cfg's is used.
  const staticClient = ctx.staticClient;
  if (staticClient && me.clientAddress) {
    const wildcard = staticClient.host === '0.0.0.0' || staticClient.host === '::';
    const differs = wildcard ? staticClient.port !== me.clientAddress.port : staticClient.host !== me.clientAddress.host || staticClient.port !== me.clientAddress.port;
    if (differs) {
      throw new ConfigError(
        `${ctx.file}: the client address of server ${myid} in zoo.cfg (${staticClient.host}:${staticClient.port}) differs from its server line in ${where} (${me.clientAddress.host}:${me.clientAddress.port})`,
      );
    }
  }
  if (!me.clientAddress && staticClient) {
    me.clientAddress = staticClient;
    me.clientAddressFromStatic = true;
  }
  // Divergence: Apache runs such a member with no client port at all; we do not serve that
  // yet, unless it serves clients on secureClientPort.
  if (!me.clientAddress && !ctx.secureClientPortSet) throw new ConfigError(`${ctx.file}: clientPort is not set, neither in zoo.cfg nor on server.${myid}'s line (;[clientAddress:]clientPort)`);

  // setupPeerType: the server list decides; a disagreeing peerType is only a warning.
  if (peerTypeProp && peerTypeProp.value.toLowerCase() !== me.type) {
    warnings.push(`${peerTypeProp.file}:${peerTypeProp.line}: peerType ${peerTypeProp.value} does not match server.${myid}'s line (${me.type}); using ${me.type}`);
  }
  if (me.clientAddress) result.clientAddress = me.clientAddress;
  result.ensemble = {
    verifier,
    myid,
    peerType: me.type,
    quorumListenOnAllIPs,
    electionPortBindRetry,
    multiAddressEnabled,
    ...(dynamicProp ? { dynamicConfigFile: dynamicProp.value } : {}),
  };
  return result;
}

// --- helpers

function lineError(p: Property, what: string): ConfigError {
  return new ConfigError(`${p.file}:${p.line}: ${p.key} ${what} (got "${p.value}")`);
}

/** java.util.Properties keeps the last of repeated keys. */
function lastOf(props: Property[], key: string): Property | undefined {
  for (let i = props.length - 1; i >= 0; i--) if (props[i]!.key === key) return props[i];
  return undefined;
}

function lastPerKey(props: Property[]): Property[] {
  const last = new Map<string, Property>();
  for (const p of props) last.set(p.key, p);
  return [...last.values()];
}

/** QuorumPeerConfig.parseBoolean: true or false, any case; anything else is refused. */
function booleanOf(p: Property | undefined, dflt: boolean): boolean {
  if (!p) return dflt;
  try {
    return readBoolean('trueOrFalse', p.value);
  } catch (e) {
    if (e instanceof BooleanValueError) throw lineError(p, `must be ${e.message}`);
    throw e;
  }
}

/** Integer.getInteger with QuorumCnxManager's fallback: not a number, or below 0, is the default (we say so). */
function bindRetry(p: Property | undefined, warnings: string[]): number {
  if (!p) return DEFAULT_ELECTION_PORT_BIND_RETRY;
  if (/^[+-]?\d+$/.test(p.value) && Number(p.value) >= 0 && Number(p.value) <= 2147483647) return Number(p.value);
  warnings.push(`${p.file}:${p.line}: ${p.key} must be an integer >= 0 (0 retries forever) (got "${p.value}"); using ${DEFAULT_ELECTION_PORT_BIND_RETRY}`);
  return DEFAULT_ELECTION_PORT_BIND_RETRY;
}

/** getVersionFromFilename: the hex after the last dot ("zoo.cfg.dynamic.100000000"), else none (version 0). */
export function versionFromFilename(file: string): bigint | undefined {
  const suffix = file.slice(file.lastIndexOf('.') + 1);
  if (file.lastIndexOf('.') < 0) return undefined;
  try {
    return parseVersion(suffix);
  } catch {
    return undefined;
  }
}

/**
 * setupMyId: the first line of dataDir/myid, parsed as Long.parseLong parses (no trimming:
 * " 1" and "1 " are refused, "+1" is 1); -1 is Apache's "unset"; a missing file is not an
 * error here (standalone needs none).
 */
function readMyid(ctx: EnsembleContext): number | undefined {
  const text = ctx.readMyid(ctx.dataDir);
  if (text === undefined) return undefined;
  const file = join(ctx.dataDir, 'myid');
  const nl = text.search(/\r\n|\r|\n/);
  const line = nl < 0 ? text : text.slice(0, nl);
  if (text === '' || !/^[+-]?\d+$/.test(line)) throw new ConfigError(`${file}: must hold the server id as a number on its first line, with no spaces (got "${text === '' ? '' : line}")`);
  const id = Number(line);
  if (id === -1) return undefined;
  if (id < 0 || id > SERVER_ID_MAX) throw new ConfigError(`${file}: must hold a server id from 0 to ${SERVER_ID_MAX} (got "${line}")`);
  return id;
}
