// How zkCli prints things: a Stat, ACLs, permissions, watch events, and the messages of
// KeeperExceptions — the text scripts around zkCli.sh parse.
import { EventType, KeeperState, Perms } from '../../jute/constants';
import { Code } from '../../jute/keeper-error';
import type { ACL, Stat } from '../../jute/records';
import { javaDate } from '../../session/session-tracker';

export function formatStat(stat: Stat): string {
  const hex = (n: number | bigint) => BigInt.asUintN(64, BigInt(n)).toString(16);
  return [
    `cZxid = 0x${hex(stat.czxid)}`,
    `ctime = ${javaDate(Number(stat.ctime))}`,
    `mZxid = 0x${hex(stat.mzxid)}`,
    `mtime = ${javaDate(Number(stat.mtime))}`,
    `pZxid = 0x${hex(stat.pzxid)}`,
    `cversion = ${stat.cversion}`,
    `dataVersion = ${stat.version}`,
    `aclVersion = ${stat.aversion}`,
    `ephemeralOwner = 0x${hex(stat.ephemeralOwner)}`,
    `dataLength = ${stat.dataLength}`,
    `numChildren = ${stat.numChildren}`,
  ].join('\n') + '\n';
}

/** ZKUtil.getPermString: c, d, r, w, a in that order. */
export function permString(perms: number): string {
  return (
    (perms & Perms.CREATE ? 'c' : '') +
    (perms & Perms.DELETE ? 'd' : '') +
    (perms & Perms.READ ? 'r' : '') +
    (perms & Perms.WRITE ? 'w' : '') +
    (perms & Perms.ADMIN ? 'a' : '')
  );
}

/** getAcl's lines: the Id as jute prints a record, then its permissions. */
export function formatAcl(acl: ACL[]): string {
  return acl.map((a) => `'${a.id.scheme},'${a.id.id}\n: ${permString(a.perms)}\n`).join('');
}

/**
 * AclParser: "scheme:id:perms[,...]". A part without two colons, or an unknown
 * permission letter, is reported on `err` and skipped, as zkCli does.
 */
export function parseAcl(text: string, err: (line: string) => void): ACL[] {
  const acl: ACL[] = [];
  for (const a of text.split(',')) {
    const first = a.indexOf(':');
    const last = a.lastIndexOf(':');
    if (first === -1 || first === last) {
      err(`${a} does not have the form scheme:id:perm`);
      continue;
    }
    let perms = 0;
    for (const ch of a.slice(last + 1)) {
      const bit = { r: Perms.READ, w: Perms.WRITE, c: Perms.CREATE, d: Perms.DELETE, a: Perms.ADMIN }[ch];
      if (bit === undefined) err(`Unknown perm type: ${ch}`);
      else perms |= bit;
    }
    acl.push({ perms, id: { scheme: a.slice(0, first), id: a.slice(first + 1, last) } });
  }
  return acl;
}

const STATE_NAMES = new Map<number, string>(Object.entries(KeeperState).map(([k, v]) => [v, k]));
const TYPE_NAMES = new Map<number, string>(Object.entries(EventType).map(([k, v]) => [v, k]));

/** WatchedEvent.toString. */
export function formatEvent(state: number, type: number, path: string | null): string {
  return `WatchedEvent state:${STATE_NAMES.get(state) ?? state} type:${TYPE_NAMES.get(type) ?? type} path:${path ?? 'null'}`;
}

/** KeeperException.getCodeMessage. */
const CODE_MESSAGES: Partial<Record<number, string>> = {
  [Code.OK]: 'ok',
  [Code.SYSTEMERROR]: 'SystemError',
  [Code.RUNTIMEINCONSISTENCY]: 'RuntimeInconsistency',
  [Code.DATAINCONSISTENCY]: 'DataInconsistency',
  [Code.CONNECTIONLOSS]: 'ConnectionLoss',
  [Code.MARSHALLINGERROR]: 'MarshallingError',
  [Code.NEWCONFIGNOQUORUM]: 'NewConfigNoQuorum',
  [Code.RECONFIGINPROGRESS]: 'ReconfigInProgress',
  [Code.UNIMPLEMENTED]: 'Unimplemented',
  [Code.OPERATIONTIMEOUT]: 'OperationTimeout',
  [Code.BADARGUMENTS]: 'BadArguments',
  [Code.APIERROR]: 'APIError',
  [Code.NONODE]: 'NoNode',
  [Code.NOAUTH]: 'NoAuth',
  [Code.BADVERSION]: 'BadVersion',
  [Code.NOCHILDRENFOREPHEMERALS]: 'NoChildrenForEphemerals',
  [Code.NODEEXISTS]: 'NodeExists',
  [Code.INVALIDACL]: 'InvalidACL',
  [Code.AUTHFAILED]: 'AuthFailed',
  [Code.NOTEMPTY]: 'Directory not empty',
  [Code.SESSIONEXPIRED]: 'Session expired',
  [Code.INVALIDCALLBACK]: 'Invalid callback',
  [Code.SESSIONMOVED]: 'Session moved',
  [Code.NOTREADONLY]: 'Not a read-only call',
  [Code.EPHEMERALONLOCALSESSION]: 'Ephemeral node on local session',
  [Code.NOWATCHER]: 'No such watcher',
  [Code.RECONFIGDISABLED]: 'Reconfig is disabled',
  [Code.SESSIONCLOSEDREQUIRESASLAUTH]: 'Session closed because client failed to authenticate',
  [Code.QUOTAEXCEEDED]: 'Quota has exceeded',
  [Code.THROTTLEDOP]: 'Op throttled due to high load',
};

/**
 * What zkCli prints for a failed call: CliWrapperException's message, or with `plain`
 * KeeperException's own ("KeeperErrorCode = NoAuth for /a").
 */
export function keeperErrorMessage(code: number, path: string | undefined, plain = false): string {
  const p = path ?? '';
  switch (plain ? undefined : code) {
    case Code.NONODE:
      return `Node does not exist: ${p}`;
    case Code.NOCHILDRENFOREPHEMERALS:
      return `Ephemerals cannot have children: ${p}`;
    case Code.NODEEXISTS:
      return `Node already exists: ${p}`;
    case Code.NOTEMPTY:
      return `Node not empty: ${p}`;
    case Code.NOTREADONLY:
      return `Not a read-only call: ${p}`;
    case Code.INVALIDACL:
      return `Acl is not valid : ${p}`;
    case Code.NOAUTH:
      return `Insufficient permission : ${p}`;
    case Code.BADARGUMENTS:
      return `Arguments are not valid : ${p}`;
    case Code.BADVERSION:
      return `version No is not valid : ${p}`;
    case Code.QUOTAEXCEEDED:
      return `Quota has exceeded : ${p}`;
    default: {
      const message = `KeeperErrorCode = ${CODE_MESSAGES[code] ?? `Unknown error ${code}`}`;
      return path === undefined ? message : `${message} for ${path}`;
    }
  }
}
