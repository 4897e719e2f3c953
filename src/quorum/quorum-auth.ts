// Who authenticates on a member-to-member connection, as Apache 3.8's QuorumPeer decides
// (authLearner/authServer): without quorum.auth.enableSasl nobody (NullQuorumAuthLearner and
// NullQuorumAuthServer); with it, the dialling side logs in only when
// quorum.auth.learnerRequireSasl is true, and the accepting side answers any login and, with
// quorum.auth.serverRequireSasl, refuses a peer that did not prove a password. The same two
// calls serve the election port (after the initial message) and the quorum port (before
// FOLLOWERINFO), over plain TCP or TLS alike.
import type { Socket } from 'node:net';
import type { QuorumSaslConfig } from '../config/quorum-sasl-config';
import { authenticateAsLearner, authenticateAsServer } from './quorum-sasl';

export interface QuorumAuth {
  /** SaslQuorumAuthLearner.authenticate on a dialled socket; resolves with the bytes read past the exchange. */
  learner(socket: Socket): Promise<Buffer>;
  /** SaslQuorumAuthServer.authenticate on an accepted socket whose unread bytes are `pending`; resolves with the bytes past the exchange. */
  server(socket: Socket, pending: Buffer): Promise<Buffer>;
}

/** quorum.auth.enableSasl=false: the connection goes on as it came. */
export const NO_QUORUM_AUTH: QuorumAuth = {
  learner: () => Promise.resolve(Buffer.alloc(0)),
  server: (_socket, pending) => Promise.resolve(pending),
};

export interface QuorumAuthLog {
  info(line: string): void;
  warn(line: string): void;
  debug?(line: string): void;
}

function addr(host: string | undefined, port: number | undefined): string {
  return `/${(host ?? '').replace(/^::ffff:/, '')}:${port ?? 0}`;
}

export function saslQuorumAuth(cfg: QuorumSaslConfig, log: QuorumAuthLog): QuorumAuth {
  return {
    async learner(socket) {
      if (!cfg.learnerRequired) {
        // Apache logs this at INFO on every connection; a debug line here, or the election port's redials flood the log.
        log.debug?.('Skipping SASL authentication as quorum.auth.learnerRequireSasl=false');
        return Buffer.alloc(0);
      }
      const rest = await authenticateAsLearner(socket, cfg.learner);
      log.info(`Successfully completed the authentication using SASL. server addr: ${addr(socket.remoteAddress, socket.remotePort)}, status: SUCCESS`);
      return rest;
    },
    async server(socket, pending) {
      const { rest, authenticated } = await authenticateAsServer(socket, pending, {
        passwordOf: (user) => cfg.credentials.get(user),
        required: cfg.serverRequired,
        warn: (line) => log.warn(line),
      });
      if (authenticated) log.info(`Successfully completed the authentication using SASL. learner addr: ${addr(socket.remoteAddress, socket.remotePort)}`);
      return rest;
    },
  };
}
