// FinalRequestProcessor: applies a committed txn to the DataTree and answers the request
// that made it; answers reads straight from the tree. Watch events fire inside
// DataTree.processTxn, so they are on the wire before the reply that reveals the change.
import { userName } from '../tree/auth';
import type { Codec } from '../jute/codec';
import { OpCode, Perms } from '../jute/constants';
import { Code, KeeperError } from '../jute/keeper-error';
import * as R from '../jute/records';
import type { ACL, Stat } from '../jute/records';
import { checkACL } from '../tree/acl';
import type { DataTree, ProcessTxnResult } from '../tree/data-tree';
import type { Watcher } from '../tree/watch-manager';
import type { Txn } from '../tree/txn';
import { writeMultiResults, type MultiResult, type MultiOp } from '../jute/multi';
import type { Request, RequestOwner } from './request';

/** A connection as the final stage sees it: where replies go, and the watcher it registers. */
export interface ReplyTarget extends RequestOwner {
  readonly watcher: Watcher;
  sendResponse<T>(xid: number, zxid: number, err: number, codec?: Codec<T>, value?: T): void;
}

export interface FinalOptions {
  skipACL: boolean;
}

const MultiResponse: Codec<MultiResult[]> = { write: writeMultiResults, read: () => [] };

export class FinalRequestProcessor {
  constructor(
    private readonly tree: DataTree,
    private readonly opts: FinalOptions,
  ) {}

  /** Applies a txn; the result is what the reply is built from. */
  applyTxn(txn: Txn): ProcessTxnResult {
    return this.tree.processTxn(txn.hdr, txn.body);
  }

  /** Answers the client whose write made `txn`, after it is applied. */
  replyToWrite(request: Request, cnxn: ReplyTarget, txn: Txn, rc: ProcessTxnResult): void {
    const zxid = this.tree.lastProcessedZxid;
    if (txn.body.kind === 'error') return cnxn.sendResponse(request.xid, zxid, txn.body.err);
    switch (request.type) {
      case OpCode.create:
        if (rc.err !== 0) return cnxn.sendResponse(request.xid, zxid, rc.err);
        return cnxn.sendResponse(request.xid, zxid, 0, R.CreateResponse, { path: rc.path! });
      case OpCode.create2:
      case OpCode.createTTL:
      case OpCode.createContainer:
        if (rc.err !== 0) return cnxn.sendResponse(request.xid, zxid, rc.err);
        return cnxn.sendResponse(request.xid, zxid, 0, R.Create2Response, { path: rc.path!, stat: rc.stat! });
      case OpCode.setData:
      case OpCode.setACL:
      case OpCode.check:
        if (rc.err !== 0 || !rc.stat) return cnxn.sendResponse(request.xid, zxid, rc.err);
        return cnxn.sendResponse(request.xid, zxid, 0, R.StatResponse, { stat: rc.stat });
      case OpCode.multi:
        return cnxn.sendResponse(request.xid, zxid, 0, MultiResponse, this.multiResults(rc));
      default: // delete, closeSession
        return cnxn.sendResponse(request.xid, zxid, rc.err);
    }
  }

  /** Answers a request that changes nothing in the tree. */
  processRead(request: Request, cnxn: ReplyTarget): void {
    const zxid = this.tree.lastProcessedZxid;
    const xid = request.xid;
    const body = request.body;
    try {
      switch (body.op) {
        case 'ping':
          return cnxn.sendResponse(-2, zxid, 0);
        case 'exists': {
          if (body.path.includes('\0')) throw new KeeperError(Code.BADARGUMENTS);
          const stat = this.tree.statNode(body.path, body.watch ? cnxn.watcher : undefined);
          return cnxn.sendResponse(xid, zxid, 0, R.StatResponse, { stat });
        }
        case 'getData':
          return cnxn.sendResponse(xid, zxid, 0, R.GetDataResponse, this.getData(body.path, body.watch, cnxn));
        case 'getChildren':
          return cnxn.sendResponse(xid, zxid, 0, R.GetChildrenResponse, { children: this.getChildren(body.path, body.watch, cnxn).children });
        case 'getChildren2':
          return cnxn.sendResponse(xid, zxid, 0, R.GetChildren2Response, this.getChildren(body.path, body.watch, cnxn));
        case 'getAllChildrenNumber': {
          this.checkReadable(body.path, Perms.READ, cnxn);
          return cnxn.sendResponse(xid, zxid, 0, R.GetAllChildrenNumberResponse, { totalNumber: this.tree.getAllChildrenNumber(body.path) });
        }
        case 'getACL':
          return cnxn.sendResponse(xid, zxid, 0, R.GetACLResponse, this.getACL(body.path, cnxn));
        case 'sync':
          return cnxn.sendResponse(xid, zxid, 0, R.SyncResponse, { path: body.path });
        case 'getEphemerals': {
          const prefix = body.prefixPath;
          const all = [...this.tree.getEphemerals(cnxn.sessionId)];
          const ephemerals = prefix.trim() === '' || prefix.trim() === '/' ? all : all.filter((p) => p.startsWith(prefix));
          return cnxn.sendResponse(xid, zxid, 0, R.GetEphemeralsResponse, { ephemerals });
        }
        case 'multiRead':
          return cnxn.sendResponse(xid, zxid, 0, MultiResponse, this.multiRead(body.ops, cnxn));
        case 'addWatch':
          this.tree.addWatch(body.path, cnxn.watcher, body.mode);
          return cnxn.sendResponse(xid, zxid, 0, R.ErrorResponse, { err: 0 });
        case 'setWatches': {
          const w = body.watches;
          this.tree.setWatches(
            w.relativeZxid,
            w.dataWatches,
            w.existWatches,
            w.childWatches,
            w.persistentWatches,
            w.persistentRecursiveWatches,
            cnxn.watcher,
          );
          return cnxn.sendResponse(xid, zxid, 0);
        }
        case 'checkWatches':
          if (!this.tree.containsWatcher(body.path, body.type, cnxn.watcher)) throw new KeeperError(Code.NOWATCHER, body.path);
          return cnxn.sendResponse(xid, zxid, 0);
        case 'removeWatches':
          if (!this.tree.removeWatch(body.path, body.type, cnxn.watcher)) throw new KeeperError(Code.NOWATCHER, body.path);
          return cnxn.sendResponse(xid, zxid, 0);
        case 'whoAmI':
          return cnxn.sendResponse(xid, zxid, 0, R.WhoAmIResponse, {
            clientInfo: cnxn.authInfo.map((id) => ({ authScheme: id.scheme, user: userName(id) as string })),
          });
        default:
          throw new Error(`not a read: ${body.op}`);
      }
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      return cnxn.sendResponse(xid, zxid, e.code);
    }
  }

  // --- reads

  private checkReadable(path: string, perm: number, cnxn: ReplyTarget): ACL[] {
    const node = this.tree.getNode(path);
    if (!node) throw new KeeperError(Code.NONODE, path);
    checkACL(node.acl, perm, cnxn.authInfo, this.opts);
    return node.acl;
  }

  private getData(path: string, watch: boolean, cnxn: ReplyTarget): { data: Buffer | null; stat: Stat } {
    this.checkReadable(path, Perms.READ, cnxn);
    return this.tree.getData(path, watch ? cnxn.watcher : undefined);
  }

  private getChildren(path: string, watch: boolean, cnxn: ReplyTarget): { children: string[]; stat: Stat } {
    this.checkReadable(path, Perms.READ, cnxn);
    return this.tree.getChildren(path, watch ? cnxn.watcher : undefined);
  }

  private getACL(path: string, cnxn: ReplyTarget): { acl: ACL[]; stat: Stat } {
    const acl = this.checkReadable(path, Perms.READ | Perms.ADMIN, cnxn);
    const result = this.tree.getACL(path);
    try {
      checkACL(acl, Perms.ADMIN, cnxn.authInfo, this.opts);
      return result;
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      // Without ADMIN a reader sees digest ids with the hash masked, as ZooKeeper shows them.
      const masked = result.acl.map((a) =>
        a.id.scheme === 'digest' ? { perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id.replace(/:.*/s, ':x') } } : a,
      );
      return { acl: masked, stat: result.stat };
    }
  }

  private multiRead(ops: MultiOp[], cnxn: ReplyTarget): MultiResult[] {
    const results: MultiResult[] = [];
    for (const op of ops) {
      try {
        if (op.op === 'getChildren') {
          results.push({ type: OpCode.getChildren, err: 0, children: this.getChildren(op.path, op.watch, cnxn).children });
        } else if (op.op === 'getData') {
          const { data, stat } = this.getData(op.path, op.watch, cnxn);
          results.push({ type: OpCode.getData, err: 0, data, stat });
        } else {
          // ZooKeeper answers a write inside multiRead with a marshalling failure.
          throw new KeeperError(Code.MARSHALLINGERROR);
        }
      } catch (e) {
        if (!(e instanceof KeeperError)) throw e;
        results.push({ type: OpCode.error, err: e.code });
      }
    }
    return results;
  }

  private multiResults(rc: ProcessTxnResult): MultiResult[] {
    return (rc.multiResult ?? []).map((sub): MultiResult => {
      if (sub.type === OpCode.error || sub.err !== 0) return { type: OpCode.error, err: sub.err };
      return { type: sub.type, err: 0, path: sub.path, stat: sub.stat };
    });
  }
}
