// The election of a real peer: the FastLeaderElection core fed by the election port's
// messages and a real timer. The only place where that core meets sockets and clocks.
import { decodeNotification, encodeNotification } from './notification';
import { FastLeaderElection, type ElectionOptions } from './fast-leader-election';
import { QuorumCnxManager, type CnxManagerOptions } from './quorum-cnx-manager';
import { describeVote, ServerState, type Vote } from './vote';

export interface ElectionResult {
  vote: Vote;
  state: ServerState;
  /** From lookForLeader to the decision. */
  took_ms: number;
}

export class Election {
  readonly fle: FastLeaderElection;
  readonly cnx: QuorumCnxManager;
  private timer: NodeJS.Timeout | undefined;
  private waiting: { resolve(r: ElectionResult): void; started_ms: number } | undefined;

  constructor(
    fle: ElectionOptions,
    cnx: Omit<CnxManagerOptions, 'onMessage' | 'myid'>,
  ) {
    this.fle = new FastLeaderElection(fle);
    this.cnx = new QuorumCnxManager({
      ...cnx,
      myid: fle.myid,
      onMessage: (from, message) => {
        const n = decodeNotification(message);
        if (typeof n === 'string') return cnx.log.warn(`dropping a message from server ${from}: ${n}`);
        this.fle.step({ kind: 'notification', from, n });
        this.flush();
      },
    });
  }

  start(): Promise<void> {
    return this.cnx.start();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.cnx.stop();
  }

  /** LOOKING: runs a round to its end. Meanwhile and after, peers that look are answered. */
  lookForLeader(lastLoggedZxid: bigint, currentEpoch: bigint): Promise<ElectionResult> {
    return new Promise((resolve) => {
      this.waiting = { resolve, started_ms: performance.now() };
      this.fle.step({ kind: 'lookForLeader', lastLoggedZxid, currentEpoch });
      this.flush();
    });
  }

  /** The role is taken up in `epoch`: peers that look are told that epoch from now on. */
  updateElectionVote(epoch: number): void {
    this.fle.updateElectionVote(BigInt(epoch));
  }

  private flush(): void {
    const r = this.fle.ready();
    for (const { to, n } of r.send) this.cnx.toSend(to, encodeNotification(n));
    if (r.connectAll) this.cnx.connectAll();
    if (r.cancelTimer) clearTimeout(this.timer);
    if (r.timer_ms !== undefined) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.fle.step({ kind: 'timeout', delivered: this.cnx.haveDelivered() });
        this.flush();
      }, r.timer_ms);
    }
    if (r.elected && this.waiting) {
      const { resolve, started_ms } = this.waiting;
      this.waiting = undefined;
      resolve({ ...r.elected, took_ms: Math.round(performance.now() - started_ms) });
    }
  }
}

export function describeResult(r: ElectionResult): string {
  return `${ServerState[r.state]} - LEADER ELECTION TOOK - ${r.took_ms} MS, vote ${describeVote(r.vote)}`;
}
