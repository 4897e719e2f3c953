// ServerCnxn's stats: the per-connection figures `cons` and /commands/connections show
// (packets each way, the last operation, cxid, zxid and response time, request latency),
// zeroed by crst. Kept apart from the reading and writing that count them, as ZooKeeper
// keeps them in ServerCnxn, the base its NIO and Netty connections share.
import { OpCode } from '../jute/constants';
import { Latency } from './latency';

export class ServerCnxnStats {
  packetsReceived = 0;
  packetsSent = 0;
  /** For `cons`: when the connection came, and its last answered request. */
  readonly established_ms = Date.now();
  lastOp = 'NA';
  lastCxid = -1;
  lastResponse_ms = 0;
  readonly latency = new Latency();
  lastZxid = -1;

  updateStatsForResponse(cxid: number, type: number, now_ms: number, latency_ms: number): void {
    // Special xids (pings, auth, setWatches) do not count as the client's last cxid.
    if (cxid >= 0) this.lastCxid = cxid;
    this.lastOp = LAST_OP[type] ?? 'NA';
    this.lastResponse_ms = Math.floor(now_ms);
    this.latency.add(latency_ms);
  }

  /** crst: zero the per-connection counters. */
  resetStats(): void {
    this.lastOp = 'NA';
    this.lastCxid = -1;
    this.lastZxid = -1;
    this.lastResponse_ms = 0;
    this.latency.reset();
    this.packetsReceived = 0;
    this.packetsSent = 0;
  }
}

/** The abbreviations `cons` shows as a connection's last operation (lop=), by opcode. */
const LAST_OP: Record<number, string> = {
  [OpCode.ping]: 'PING',
  [OpCode.createSession]: 'SESS',
  [OpCode.multi]: 'MULT',
  [OpCode.multiRead]: 'MLTR',
  [OpCode.create]: 'CREA',
  [OpCode.create2]: 'CREA',
  [OpCode.createTTL]: 'CREA',
  [OpCode.createContainer]: 'CREA',
  [OpCode.delete]: 'DELE',
  [OpCode.deleteContainer]: 'DELE',
  [OpCode.setData]: 'SETD',
  [OpCode.reconfig]: 'RECO',
  [OpCode.setACL]: 'SETA',
  [OpCode.closeSession]: 'CLOS',
  [OpCode.sync]: 'SYNC',
  [OpCode.check]: 'CHEC',
  [OpCode.exists]: 'EXIS',
  [OpCode.getData]: 'GETD',
  [OpCode.setWatches]: 'SETW',
  [OpCode.setWatches2]: 'STW2',
  [OpCode.addWatch]: 'ADDW',
  [OpCode.getACL]: 'GETA',
  [OpCode.getChildren]: 'GETC',
  [OpCode.getChildren2]: 'GETC',
  [OpCode.getAllChildrenNumber]: 'GETACN',
  [OpCode.checkWatches]: 'CHKW',
  [OpCode.removeWatches]: 'REMW',
  [OpCode.whoAmI]: 'HOMI',
  [OpCode.getEphemerals]: 'GETE',
};
