// QuorumPeer: one member of an ensemble for the life of the process. LOOKING runs fast
// leader election; the result decides the role — FOLLOWING or OBSERVING (the learner
// follows the leader and FollowerZooKeeperServer serves clients), LEADING (the leader's
// pipeline) — and when the role ends (leader lost, quorum lost) the peer looks again. The
// database (tree, sessions, log, epochs) outlives every role; each role gets a new server
// over it, and the client port's factory is handed that server (or none, while electing).
import type { EnsembleConfig } from '../config/quorum-config';
import { containsQuorum, quorumConfigText, votingMembers, type QuorumServer } from '../config/quorum-verifier';
import type { Logger } from '../log/logger';
import { decodeTxn } from '../persistence/txn-codec';
import type { ZKDatabase } from '../persistence/zk-database';
import type { ServerCnxnFactory } from '../server/server-cnxn-factory';
import type { ZooKeeperServerOptions } from '../server/zookeeper-server';
import type { ZooKeeperServer } from '../server/zookeeper-server';
import { Election, type ElectionResult } from './election';
import { FollowLeader } from './follow-leader';
import { FollowerZooKeeperServer } from './follower-zookeeper-server';
import { Lead, type LeaderDatabase } from './lead';
import { LeaderZooKeeperServer } from './leader-zookeeper-server';
import { ServerState } from './vote';
import type { LeaderStats } from './leader-stats';
import { electionAddresses, quorumAddresses } from './multiple-addresses';
import type { QuorumPeerView, ZabState } from './peer-view';
import type { ServerMetrics } from '../metrics/server-metrics';
import type { QuorumAuth } from './quorum-auth';
import type { QuorumSockets } from './quorum-sockets';

export interface QuorumPeerOptions {
  ensemble: EnsembleConfig;
  tickTime_ms: number;
  initLimit: number;
  syncLimit: number;
  maxBuffer_bytes: number;
  /** How to build each role's server (everything but the tree and the role). */
  serverOptions: Omit<ZooKeeperServerOptions, 'tree'>;
  factory: ServerCnxnFactory;
  /** sslQuorum / portUnification: the sockets of both quorum ports (plain when absent). */
  sockets?: QuorumSockets;
  /** quorum.auth.*: SASL on both quorum ports (quorum-auth.ts); none when absent. */
  auth?: QuorumAuth;
  log: Logger;
  metrics: ServerMetrics;
  /** Told of every role change, for srvr's Mode, mntr's server_state and the admin commands. */
  onRole(mode: 'leader' | 'follower' | 'observer' | 'looking', zks: ZooKeeperServer | undefined): void;
}

export class QuorumPeer implements QuorumPeerView {
  private readonly election: Election;
  private stopped = false;
  private following: FollowLeader | undefined;
  private leading: Lead | undefined;
  state = ServerState.LOOKING;
  zabState: ZabState = 'election';
  leaderId = -1;

  get myid(): number {
    return this.o.ensemble.myid;
  }
  get peerType(): QuorumPeerView['peerType'] {
    return this.o.ensemble.peerType;
  }
  get verifier(): QuorumPeerView['verifier'] {
    return this.o.ensemble.verifier;
  }
  get stateName(): string {
    return ServerState[this.state].toLowerCase();
  }
  get leaderStats(): LeaderStats | undefined {
    return this.leading?.stats;
  }
  /** The voting members' count (QuorumPeer.getQuorumSize), for the quorum_size gauge. */
  private get quorumSize(): number {
    return votingMembers(this.o.ensemble.verifier).length;
  }

  constructor(
    private readonly o: QuorumPeerOptions,
    private readonly db: ZKDatabase,
  ) {
    const e = o.ensemble;
    const me = this.server(e.myid);
    const voters = votingMembers(e.verifier).map((s) => BigInt(s.id));
    const peers = new Map(e.verifier.servers.filter((s) => s.id !== e.myid).map((s) => [BigInt(s.id), electionAddresses(s)]));
    this.election = new Election(
      {
        myid: BigInt(e.myid),
        quorum: {
          isVoter: (id) => voters.includes(id),
          voters: () => voters,
          containsQuorum: (acks) => containsQuorum(e.verifier, [...acks].map(Number)),
        },
        learnerType: e.peerType,
        configText: quorumConfigText(e.verifier),
      },
      {
        listen: electionAddresses(me),
        listenOnAllIPs: e.quorumListenOnAllIPs,
        multiAddress: e.multiAddressEnabled,
        peers,
        ...(o.sockets ? { sockets: o.sockets } : {}),
        ...(o.auth ? { auth: o.auth } : {}),
        // QuorumCnxManager's socketTimeout, which bounds a TLS handshake on Apache's election port.
        handshakeTimeout_ms: o.tickTime_ms * o.syncLimit,
        log: o.log.child('election'),
      },
    );
  }

  async start(): Promise<void> {
    await this.election.start();
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.following?.stop('shutting down');
    this.leading?.stop('shutting down');
    this.election.stop();
  }

  /** The peer's life: elect, serve in the role elected, and again when that role ends. */
  private async run(): Promise<void> {
    while (!this.stopped) {
      this.state = ServerState.LOOKING;
      this.zabState = 'election';
      this.leaderId = -1;
      this.o.metrics.LOOKING_COUNT.add(1);
      this.o.onRole('looking', undefined);
      this.o.log.info(`LOOKING: electing a leader with last zxid 0x${this.db.lastLoggedZxid.toString(16)}, currentEpoch ${this.db.currentEpoch}`);
      const result = await this.election.lookForLeader(BigInt(this.db.lastLoggedZxid), BigInt(this.db.currentEpoch));
      if (this.stopped) return;
      this.state = result.state;
      this.zabState = 'discovery';
      this.leaderId = Number(result.vote.leader);
      this.roleLine(result);
      switch (result.state) {
        case ServerState.FOLLOWING:
        case ServerState.OBSERVING:
          await this.follow(result);
          break;
        case ServerState.LEADING:
          await this.lead();
          break;
        default:
          break;
      }
    }
  }

  /**
   * The role change's one line, as Apache's: "LEADING - LEADER ELECTION TOOK - 341 MS" and
   * "FOLLOWING - ..." with the election's time (also the election_time metric); an
   * observer's names its leader instead ("Observing new leader sid=3 addr=/h:2888"), and
   * Apache counts no election time for it.
   */
  private roleLine(result: ElectionResult): void {
    if (result.state === ServerState.OBSERVING) {
      const leader = this.server(Number(result.vote.leader)).addresses[0]!;
      this.o.log.info(`Observing new leader sid=${result.vote.leader} addr=/${leader.host}:${leader.quorumPort}`);
      return;
    }
    this.o.metrics.ELECTION_TIME.add(result.took_ms);
    this.o.log.info(`${ServerState[result.state]} - LEADER ELECTION TOOK - ${result.took_ms} MS`);
  }

  /** FOLLOWING/OBSERVING: sync with the leader, serve clients until the leader is lost. */
  private async follow(result: ElectionResult): Promise<void> {
    const leader = this.server(Number(result.vote.leader));
    const observer = result.state === ServerState.OBSERVING;
    const mode = observer ? 'observer' : 'follower';
    let follow: FollowLeader | undefined;
    const zks = new FollowerZooKeeperServer({ ...this.o.serverOptions, tree: this.db.tree }, { forward: (p) => follow?.forward(p) }, this.quorumSize);
    const syncStarted = performance.now();
    this.db.applier = (txn) => zks.commit(txn);
    follow = this.following = new FollowLeader(
      {
        myid: BigInt(this.o.ensemble.myid),
        learnerType: observer ? 'observer' : 'participant',
        initLimit: this.o.initLimit,
        syncLimit: this.o.syncLimit,
        configVersion: Number(this.o.ensemble.verifier.version),
        leader: quorumAddresses(leader),
        ...(this.o.sockets ? { sockets: this.o.sockets } : {}),
        ...(this.o.auth ? { auth: this.o.auth } : {}),
        tickTime_ms: this.o.tickTime_ms,
        maxBuffer_bytes: this.o.maxBuffer_bytes,
        log: this.o.log.child(mode),
        metrics: this.o.metrics,
        onServing: (epoch) => {
          (observer ? this.o.metrics.OBSERVER_SYNC_TIME : this.o.metrics.FOLLOWER_SYNC_TIME).add(performance.now() - syncStarted);
          this.election.updateElectionVote(epoch);
          this.zabState = 'broadcast';
          zks.start();
          this.o.factory.setZooKeeperServer(zks, `now a ${mode}`);
          this.o.onRole(mode, zks);
        },
        onRevalidated: (id, valid) => zks.revalidated(id, valid),
        onSynced: () => zks.synced(),
        touches: () => zks.touches(),
      },
      this.db,
    );
    const reason = await follow.run();
    this.following = undefined;
    this.db.applier = undefined;
    this.o.factory.setZooKeeperServer(undefined, 'the leader is gone');
    zks.leaderLost();
    zks.stop();
    this.o.log.warn(`stopped ${mode === 'observer' ? 'observing' : 'following'} server ${leader.id}: ${reason}`);
    if (this.stopped) return; // the next start loads from disk: nothing to bring up to date
    if (follow.memoryAheadOfDisk) {
      this.o.log.warn('the sync ended before its snapshot: reloading the database from disk');
      await this.db.loadDataBase();
    } else {
      await this.fastForward();
    }
  }

  /** LEADING: win a quorum of learners for a new epoch, then serve until the quorum is lost. */
  private async lead(): Promise<void> {
    const e = this.o.ensemble;
    const me = this.server(e.myid);
    const voters = votingMembers(e.verifier).map((s) => BigInt(s.id));
    const db = this.db;
    let zks: LeaderZooKeeperServer | undefined;
    const leaderDb: LeaderDatabase = {
      get acceptedEpoch() {
        return db.acceptedEpoch;
      },
      get currentEpoch() {
        return db.currentEpoch;
      },
      get lastProcessedZxid() {
        return db.lastProcessedZxid;
      },
      committedLog: () => db.committedLog.map((p) => decodeTxn(p.data)),
      setAcceptedEpoch: (epoch) => db.setAcceptedEpoch(epoch),
      setCurrentEpoch: (epoch) => db.setCurrentEpoch(epoch),
      log: (txns) => db.log(txns),
      commit: (txn) => db.commit(txn),
      snapshotStream: (zxid) => db.snapshotStream(zxid),
      touch: (id, timeout) => zks?.touch(id, timeout),
      get txnLogSyncEnabled() {
        return db.isTxnLogSyncEnabled();
      },
      proposalsFromTxnLog: (peerLastZxid, upTo) => {
        const proposals = [];
        for (const p of db.getProposalsFromTxnLog(peerLastZxid, db.calculateTxnLogSizeLimit())) {
          if (p.zxid > upTo) break; // the rest is in the window, or not committed yet
          proposals.push(p);
        }
        return proposals;
      },
    };
    const lead = (this.leading = new Lead(
      {
        myid: BigInt(e.myid),
        isVoter: (sid) => voters.includes(sid),
        containsQuorum: (sids) => containsQuorum(e.verifier, [...sids].map(Number)),
        initLimit: this.o.initLimit,
        syncLimit: this.o.syncLimit,
        configText: quorumConfigText(e.verifier),
        configVersion: Number(e.verifier.version),
        listen: quorumAddresses(me),
        quorumListenOnAllIPs: e.quorumListenOnAllIPs,
        ...(this.o.sockets ? { sockets: this.o.sockets } : {}),
        ...(this.o.auth ? { auth: this.o.auth } : {}),
        tickTime_ms: this.o.tickTime_ms,
        maxBuffer_bytes: this.o.maxBuffer_bytes,
        log: this.o.log.child('leader'),
        metrics: this.o.metrics,
        onServing: (epoch) => {
          this.zabState = 'broadcast';
          this.election.updateElectionVote(epoch);
          zks = new LeaderZooKeeperServer({ ...this.o.serverOptions, tree: db.tree }, lead, epoch, lead.stats, this.quorumSize);
          zks.restoreSessions(db.sessionsWithTimeouts);
          zks.start();
          const server = zks;
          db.applier = (txn) => server.commit(txn);
          this.o.factory.setZooKeeperServer(zks, 'now the leader');
          this.o.onRole('leader', zks);
        },
        onRequest: (r) => zks?.learnerRequest(r),
        onRevalidate: (learner, sessionId, timeout) => (zks ? zks.revalidate(learner, sessionId, timeout) : lead.revalidated(learner, sessionId, false)),
      },
      leaderDb,
    ));
    const reason = await lead.run();
    this.leading = undefined;
    db.applier = undefined;
    this.o.factory.setZooKeeperServer(undefined, 'no longer the leader');
    zks?.stop();
    this.o.log.warn(`stopped leading: ${reason}`);
    if (!this.stopped) await this.fastForward(); // when stopping, the next start loads from disk
  }

  /** Between roles: what was logged and not yet applied is applied (ZKDatabase.fastForwardDataBase). */
  private async fastForward(): Promise<void> {
    const applied = await this.db.fastForward();
    if (applied > 0) this.o.log.info(`applied ${applied} logged txns not yet committed here; last zxid 0x${this.db.lastProcessedZxid.toString(16)}`);
  }

  private server(id: number): QuorumServer {
    const s = this.o.ensemble.verifier.servers.find((x) => x.id === id);
    if (!s) throw new Error(`server ${id} is not in the config`);
    return s;
  }
}
