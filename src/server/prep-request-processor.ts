// PrepRequestProcessor: turns a write request into the txn that every member will apply.
// It checks the request against the tree as it WILL be once the txns already prepared
// but not yet applied are applied (the outstanding changes), and fixes zxid and time.
// A failed check still takes a zxid and becomes an error txn, as in ZooKeeper.
import { CreateMode, OpCode, Perms } from '../jute/constants';
import { Code, KeeperError } from '../jute/keeper-error';
import type { ACL } from '../jute/records';
import { checkACL, fixupACL } from '../tree/acl';
import type { DataTree } from '../tree/data-tree';
import { parentOf, validatePath } from '../tree/path';
import type { Txn, TxnBody, TxnHeader } from '../tree/txn';
import type { MultiOp } from '../jute/multi';
import type { QuotaCheck } from './quota-check';
import type { Request } from './request';

/** What prepare knows of a node: enough to check versions, ACLs and parenthood. */
interface ChangeRecord {
  zxid: number;
  path: string;
  /** null: the node is deleted by an outstanding txn. */
  stat: { version: number; cversion: number; aversion: number; ephemeralOwner: bigint } | null;
  childCount: number;
  acl: ACL[];
  /** The node's data as it will be: what a setData's quota check measures its change against. */
  data: Buffer | null;
}

/** The ACL of a record that says "deleted": shared, never read (its stat is null). */
const NO_ACL: ACL[] = [];

/** The dead front of the outstanding queue that is worth a splice to drop (see `applied`). */
const OUTSTANDING_COMPACT_AT = 1024;

export const CONTAINER_EPHEMERAL_OWNER = -0x8000000000000000n;
const TTL_MASK = 0xff00000000000000n;
/** EphemeralType.TTL's largest ttl: the owner keeps 40 bits for it... plus the rest. */
const MAX_TTL_MS = 0xffffffffffn;

export interface PrepOptions {
  skipACL: boolean;
  extendedTypesEnabled: boolean;
  /** Sessions that are closing or gone: their writes fail with SESSIONEXPIRED. */
  isSessionValid(sessionId: bigint): boolean;
  /** ZooKeeperServer.checkQuota for a create or setData; throws QUOTAEXCEEDED past a hard limit. */
  checkQuota?: QuotaCheck;
}

export class PrepRequestProcessor {
  /**
   * Changes prepared but not yet applied, oldest first from `outstandingHead` (a queue: the
   * applied are dropped from the front by moving the head, not by a splice per txn, which
   * shifted every change behind it, hundreds at 32 × 16 in flight), and the newest per path.
   */
  private readonly outstanding: ChangeRecord[] = [];
  private outstandingHead = 0;
  private readonly outstandingForPath = new Map<string, ChangeRecord>();
  /** The overlay of a single-op write (prepare): reused, so that no Map is made per request. */
  private readonly singleOpOverlay = new Map<string, ChangeRecord>();

  constructor(
    private readonly tree: DataTree,
    private readonly opts: PrepOptions,
  ) {}

  get outstandingCount(): number {
    return this.outstanding.length - this.outstandingHead;
  }

  /** Prepares a client write. `zxid` and `time` are the caller's: fixed here, never later. */
  prepare(request: Request, zxid: number, time: number): Txn {
    const hdr: TxnHeader = { clientId: request.owner.sessionId, cxid: request.xid, zxid, time, type: request.type };
    const body = request.body;
    try {
      if (body.op === 'multi') return { hdr, body: this.prepareMulti(request, body.ops, zxid, time) };
      if (body.op === 'closeSession') return { hdr, body: this.prepareCloseSession(request.owner.sessionId, zxid) };
      if (body.op === 'reconfig') throw new KeeperError(Code.RECONFIGDISABLED);
      // One overlay serves every single-op write (emptied before each): commitOverlay keeps
      // its records, not the Map, and a prepare that throws leaves only the next clear to do.
      const overlay = this.singleOpOverlay;
      overlay.clear();
      const txnBody = this.prepareOp(request, body as MultiOp, hdr, overlay);
      this.commitOverlay(overlay);
      overlay.clear();
      return { hdr, body: txnBody };
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      return { hdr: { ...hdr, type: OpCode.error }, body: { kind: 'error', err: e.code } };
    }
  }

  /** A session's creation; prepare has nothing to check. */
  prepareCreateSession(sessionId: bigint, timeOut: number, zxid: number, time: number): Txn {
    return { hdr: { clientId: sessionId, cxid: 0, zxid, time, type: OpCode.createSession }, body: { kind: 'createSession', timeOut } };
  }

  /** An expired session: closed by the server, not by a client request. */
  prepareSessionExpiry(sessionId: bigint, zxid: number, time: number): Txn {
    return {
      hdr: { clientId: sessionId, cxid: 0, zxid, time, type: OpCode.closeSession },
      body: this.prepareCloseSession(sessionId, zxid),
    };
  }

  /** A container or TTL node the ContainerManager found due for deletion. */
  prepareDeleteContainer(path: string, zxid: number, time: number): Txn {
    const hdr: TxnHeader = { clientId: 0n, cxid: 0, zxid, time, type: OpCode.deleteContainer };
    try {
      const node = this.getRecord(path, new Map());
      if (node.childCount > 0) throw new KeeperError(Code.NOTEMPTY, path);
      if (node.stat!.ephemeralOwner === 0n || (node.stat!.ephemeralOwner > 0n && !this.isExtended(node.stat!.ephemeralOwner))) {
        throw new KeeperError(Code.BADVERSION, path);
      }
      const overlay = new Map<string, ChangeRecord>();
      this.recordDelete(this.getRecord(parentOf(path), overlay), path, zxid, overlay);
      this.commitOverlay(overlay);
      return { hdr, body: { kind: 'delete', path } };
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      return { hdr: { ...hdr, type: OpCode.error }, body: { kind: 'error', err: e.code } };
    }
  }

  /** Forgets every outstanding change: the txns behind them will never be applied. */
  clearOutstanding(): void {
    this.outstanding.length = 0;
    this.outstandingHead = 0;
    this.outstandingForPath.clear();
  }

  /** Called once a txn is applied: its outstanding changes are now in the tree. */
  applied(zxid: number): void {
    const queue = this.outstanding;
    let head = this.outstandingHead;
    while (head < queue.length && queue[head]!.zxid <= zxid) {
      const c = queue[head]!;
      queue[head++] = undefined!; // not kept alive by the queue's dead front
      if (this.outstandingForPath.get(c.path) === c) this.outstandingForPath.delete(c.path);
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head >= OUTSTANDING_COMPACT_AT && head * 2 >= queue.length) {
      // The dead front is dropped once it is half the queue: each change moved O(1) times.
      queue.splice(0, head);
      head = 0;
    }
    this.outstandingHead = head;
  }

  // --- one op

  private prepareOp(request: Request, op: MultiOp, hdr: TxnHeader, overlay: Map<string, ChangeRecord>): TxnBody {
    const authInfo = request.owner.authInfo;
    this.checkSession(request.owner.sessionId);
    switch (op.op) {
      case 'create':
        return this.prepareCreate(hdr, op, request.owner.sessionId, authInfo, overlay);
      case 'delete': {
        const parentPath = this.parentPathAndValidate(op.path);
        const parent = this.getRecord(parentPath, overlay);
        this.checkACL(parent.acl, Perms.DELETE, authInfo);
        const node = this.getRecord(op.path, overlay);
        checkAndIncVersion(node.stat!.version, op.version, op.path);
        if (node.childCount > 0) throw new KeeperError(Code.NOTEMPTY, op.path);
        this.recordDelete(parent, op.path, hdr.zxid, overlay);
        return { kind: 'delete', path: op.path };
      }
      case 'setData': {
        validatePath(op.path);
        const node = this.getRecord(op.path, overlay);
        this.checkACL(node.acl, Perms.WRITE, authInfo);
        // As ZooKeeper: the quota before the version, so a full quota wins over BADVERSION.
        this.opts.checkQuota?.(op.path, node.data, op.data, OpCode.setData);
        const version = checkAndIncVersion(node.stat!.version, op.version, op.path);
        const ns = node.stat!;
        this.addChange(overlay, changed(node, hdr.zxid, withVersions(ns, version, ns.cversion, ns.aversion), node.childCount, node.acl, op.data));
        return { kind: 'setData', path: op.path, data: op.data, version };
      }
      case 'check': {
        validatePath(op.path);
        const node = this.getRecord(op.path, overlay);
        this.checkACL(node.acl, Perms.READ, authInfo);
        const version = checkAndIncVersion(node.stat!.version, op.version, op.path);
        return { kind: 'check', path: op.path, version };
      }
      case 'getChildren':
      case 'getData':
        // Only multiRead carries these, and it never reaches prepare.
        throw new KeeperError(Code.BADARGUMENTS, op.path);
    }
  }

  /** setACL is not a multi op, so it is prepared apart. */
  prepareSetACL(request: Request, path: string, acl: ACL[], version: number, zxid: number, time: number): Txn {
    const hdr: TxnHeader = { clientId: request.owner.sessionId, cxid: request.xid, zxid, time, type: OpCode.setACL };
    try {
      this.checkSession(request.owner.sessionId);
      validatePath(path);
      const fixed = fixupACL(path, request.owner.authInfo, acl);
      const overlay = new Map<string, ChangeRecord>();
      const node = this.getRecord(path, overlay);
      this.checkACL(node.acl, Perms.ADMIN, request.owner.authInfo);
      const aversion = checkAndIncVersion(node.stat!.aversion, version, path);
      const ns = node.stat!;
      this.addChange(overlay, changed(node, zxid, withVersions(ns, ns.version, ns.cversion, aversion), node.childCount, fixed, node.data));
      this.commitOverlay(overlay);
      return { hdr, body: { kind: 'setACL', path, acl: fixed, version: aversion } };
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      return { hdr: { ...hdr, type: OpCode.error }, body: { kind: 'error', err: e.code } };
    }
  }

  private prepareCreate(
    hdr: TxnHeader,
    op: Extract<MultiOp, { op: 'create' }>,
    sessionId: bigint,
    authInfo: Request['owner']['authInfo'],
    overlay: Map<string, ChangeRecord>,
  ): TxnBody {
    const mode = op.flags;
    const isTTL = mode === CreateMode.PERSISTENT_WITH_TTL || mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;
    const isContainer = mode === CreateMode.CONTAINER;
    const isEphemeral = mode === CreateMode.EPHEMERAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL;
    const isSequential =
      mode === CreateMode.PERSISTENT_SEQUENTIAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL || mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;
    if (mode < 0 || mode > CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL) throw new KeeperError(Code.BADARGUMENTS, op.path);
    // The opcode must agree with the mode, as ZooKeeper's validateCreateRequest insists.
    if (isTTL && !this.opts.extendedTypesEnabled) throw new KeeperError(Code.UNIMPLEMENTED);
    if (isTTL ? op.ttl <= 0 || BigInt(op.ttl) > MAX_TTL_MS : op.ttl >= 0) throw new KeeperError(Code.BADARGUMENTS, op.path);

    const lastSlash = op.path.lastIndexOf('/');
    if (lastSlash === -1 || op.path.includes('\0')) throw new KeeperError(Code.BADARGUMENTS, op.path);
    const parentPath = lastSlash === 0 ? '/' : op.path.slice(0, lastSlash);
    const acl = fixupACL(op.path, authInfo, op.acl);
    const parent = this.getRecord(parentPath, overlay);
    this.checkACL(parent.acl, Perms.CREATE, authInfo);
    const parentCVersion = parent.stat!.cversion;
    const path = isSequential ? op.path + formatSequence(parentCVersion) : op.path;
    validatePath(path);
    if (this.findRecord(path, overlay)?.stat) throw new KeeperError(Code.NODEEXISTS, path);
    if (this.isEphemeralNormal(parent.stat!.ephemeralOwner)) throw new KeeperError(Code.NOCHILDRENFOREPHEMERALS, path);
    const newCversion = parentCVersion + 1;
    this.opts.checkQuota?.(path, null, op.data, OpCode.create);

    const ephemeralOwner = isContainer ? CONTAINER_EPHEMERAL_OWNER : isTTL ? TTL_MASK | BigInt(op.ttl) : isEphemeral ? sessionId : 0n;
    const ps = parent.stat!;
    this.addChange(overlay, changed(parent, hdr.zxid, withVersions(ps, ps.version, newCversion, ps.aversion), parent.childCount + 1, parent.acl, parent.data));
    this.addChange(overlay, { zxid: hdr.zxid, path, stat: { version: 0, cversion: 0, aversion: 0, ephemeralOwner }, childCount: 0, acl, data: op.data });

    if (isContainer) return { kind: 'createContainer', path, data: op.data, acl, parentCVersion: newCversion };
    if (isTTL) return { kind: 'createTTL', path, data: op.data, acl, parentCVersion: newCversion, ttl: op.ttl };
    return { kind: 'create', path, data: op.data, acl, ephemeral: isEphemeral, parentCVersion: newCversion };
  }

  private prepareMulti(request: Request, ops: MultiOp[], zxid: number, time: number): TxnBody {
    // All ops share one zxid; their changes stay in a private overlay until every op passes,
    // so a failed multi leaves the outstanding changes as they were.
    const overlay = new Map<string, ChangeRecord>();
    const txns: { type: number; body: TxnBody }[] = [];
    let failed: KeeperError | null = null;
    for (const op of ops) {
      if (failed) {
        txns.push({ type: OpCode.error, body: { kind: 'error', err: Code.RUNTIMEINCONSISTENCY } });
        continue;
      }
      try {
        const hdr: TxnHeader = { clientId: request.owner.sessionId, cxid: request.xid, zxid, time, type: op.type };
        txns.push({ type: op.type, body: this.prepareOp(request, op, hdr, overlay) });
      } catch (e) {
        if (!(e instanceof KeeperError)) throw e;
        failed = e;
        txns.push({ type: OpCode.error, body: { kind: 'error', err: e.code } });
      }
    }
    if (failed) {
      // Ops before the failure report OK, as ZooKeeper's DataTree rewrites them on apply.
      for (let i = 0; i < txns.length && txns[i]!.type !== OpCode.error; i++) {
        txns[i] = { type: OpCode.error, body: { kind: 'error', err: Code.OK } };
      }
      return { kind: 'multi', txns };
    }
    this.commitOverlay(overlay);
    return { kind: 'multi', txns };
  }

  private prepareCloseSession(sessionId: bigint, zxid: number): TxnBody {
    // The session's ephemerals as they will be: the tree's, less outstanding deletes,
    // plus outstanding creates.
    const paths = new Set(this.tree.getEphemerals(sessionId));
    for (let i = this.outstandingHead; i < this.outstanding.length; i++) {
      const c = this.outstanding[i]!;
      if (c.stat === null) paths.delete(c.path);
      else if (c.stat.ephemeralOwner === sessionId) paths.add(c.path);
    }
    const overlay = new Map<string, ChangeRecord>();
    for (const path of paths) {
      overlay.set(path, { zxid, path, stat: null, childCount: 0, acl: NO_ACL, data: null });
    }
    this.commitOverlay(overlay);
    return { kind: 'closeSession', paths2Delete: [...paths] };
  }

  // --- helpers

  private checkSession(sessionId: bigint): void {
    if (!this.opts.isSessionValid(sessionId)) throw new KeeperError(Code.SESSIONEXPIRED);
  }

  private checkACL(acl: ACL[], perm: number, authInfo: Request['owner']['authInfo']): void {
    checkACL(acl, perm, authInfo, { skipACL: this.opts.skipACL });
  }

  private parentPathAndValidate(path: string): string {
    if (!path.includes('/') || path.includes('\0') || isSpecialPath(path)) throw new KeeperError(Code.BADARGUMENTS, path);
    return parentOf(path);
  }

  /** `path` goes, and `parent` (its record as prepare sees it now) has a child less. */
  private recordDelete(parent: ChangeRecord, path: string, zxid: number, overlay: Map<string, ChangeRecord>): void {
    this.addChange(overlay, changed(parent, zxid, parent.stat, parent.childCount - 1, parent.acl, parent.data));
    this.addChange(overlay, { zxid, path, stat: null, childCount: 0, acl: NO_ACL, data: null });
  }

  private findRecord(path: string, overlay: Map<string, ChangeRecord>): ChangeRecord | undefined {
    const pending = overlay.get(path) ?? this.outstandingForPath.get(path);
    if (pending) return pending;
    const n = this.tree.getNode(path);
    if (!n) return undefined;
    return {
      zxid: -1,
      path,
      // The node carries its Stat fields (n.stat would copy all nine each time).
      stat: { version: n.version, cversion: n.cversion, aversion: n.aversion, ephemeralOwner: n.ephemeralOwner },
      childCount: n.childCount,
      acl: n.acl,
      data: n.data,
    };
  }

  private getRecord(path: string, overlay: Map<string, ChangeRecord>): ChangeRecord {
    const r = this.findRecord(path, overlay);
    if (!r || !r.stat) throw new KeeperError(Code.NONODE, path);
    return r;
  }

  private addChange(overlay: Map<string, ChangeRecord>, c: ChangeRecord): void {
    overlay.set(c.path, c);
  }

  private commitOverlay(overlay: Map<string, ChangeRecord>): void {
    for (const c of overlay.values()) {
      this.outstanding.push(c);
      this.outstandingForPath.set(c.path, c);
    }
  }

  private isExtended(owner: bigint): boolean {
    return this.opts.extendedTypesEnabled && (BigInt.asUintN(64, owner) & TTL_MASK) === TTL_MASK;
  }

  /** EphemeralType.get(owner) == NORMAL: a session's ephemeral, not a container or TTL node. */
  private isEphemeralNormal(owner: bigint): boolean {
    return owner !== 0n && owner !== CONTAINER_EPHEMERAL_OWNER && !this.isExtended(owner);
  }
}

/**
 * Record `r` as txn `zxid` leaves it. Every change is made here, as one literal: records then
 * share one shape, and the write path makes no object spread (a spread per create, setData
 * and delete was a few % of their CPU).
 */
function changed(r: ChangeRecord, zxid: number, stat: ChangeRecord['stat'], childCount: number, acl: ACL[], data: Buffer | null): ChangeRecord {
  return { zxid, path: r.path, stat, childCount, acl, data };
}

/** A node's stat with the versions given, its owner kept. */
function withVersions(s: NonNullable<ChangeRecord['stat']>, version: number, cversion: number, aversion: number): NonNullable<ChangeRecord['stat']> {
  return { version, cversion, aversion, ephemeralOwner: s.ephemeralOwner };
}

function checkAndIncVersion(current: number, expected: number, path: string): number {
  if (expected !== -1 && expected !== current) throw new KeeperError(Code.BADVERSION, path);
  return current + 1;
}

/** String.format("%010d", n), negatives included ("-000000001"). */
export function formatSequence(n: number): string {
  return n < 0 ? '-' + String(-n).padStart(9, '0') : String(n).padStart(10, '0');
}

function isSpecialPath(path: string): boolean {
  return path === '/' || path === '/zookeeper' || path === '/zookeeper/quota' || path === '/zookeeper/config';
}
