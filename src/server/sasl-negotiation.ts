// The client port's side of SASL, as ZooKeeperServer.processSasl and AuthenticationHelper
// have it in Apache 3.8: each sasl packet (opcode 102, GetSASLRequest) is one step of a
// connection's DIGEST-MD5 exchange, answered with SetSASLResponse; a completed login adds
// the id sasl:<authorizationID> (and super when zookeeper.superUser names it); a failed one
// is answered AUTHFAILED, or SESSIONCLOSEDREQUIRESASLAUTH when SASL is required, and the
// connection is closed. With enforced authentication a request from a connection that has
// proven none of the schemes is answered SESSIONCLOSEDREQUIRESASLAUTH and closed.
import { Code } from '../jute/keeper-error';
import type { Id } from '../jute/records';
import type { EnforceAuth, SaslConfig } from '../config/sasl-config';
import { JAAS_CONFIG_KEY, saslAuthorizedId } from '../config/sasl-config';
import { DIGEST_LOGIN_MODULE } from '../config/jaas-config';
import { DigestMd5Server, SaslError, ZOOKEEPER_SASL_PROTOCOL, ZOOKEEPER_SASL_SERVER_NAME } from '../sasl/digest-md5';

export interface SaslLog {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

/** What one sasl packet comes to. */
export type SaslStep =
  /** Answer OK with this token (null: none); `ids` were proven by it. */
  | { kind: 'token'; token: Buffer | null; ids: Id[] }
  /** Answer `err` with a null token, then close the connection. */
  | { kind: 'failed'; err: number };

/** One connection's SASL exchange. */
export class SaslNegotiation {
  private server: DigestMd5Server | undefined;

  constructor(
    private readonly cfg: SaslConfig,
    private readonly log: SaslLog,
  ) {}

  /** The answer to the client's next token; `who` names the client in log lines, `session` its session id in hex. */
  step(token: Buffer, who: string, session: string): SaslStep {
    const login = this.cfg.login;
    if (!login) {
      // No JAAS server section: Apache has no SASL server for the connection, logs an error
      // and answers OK with no token (processSasl's NullPointerException branch).
      this.log.error(`a SASL token from ${who}, but no SASL login is configured (no JAAS Server section: -D${JAAS_CONFIG_KEY} in SERVER_JVMFLAGS)`);
      return { kind: 'token', token: null, ids: [] };
    }
    this.server ??= new DigestMd5Server({
      protocol: ZOOKEEPER_SASL_PROTOCOL,
      serverName: ZOOKEEPER_SASL_SERVER_NAME,
      // SaslServerCallbackHandler: a user the JAAS section does not list is unknown, "super"
      // included; a listed "super" logs in with superPassword when that is set.
      passwordOf: (user) => {
        const password = login.credentials.get(user);
        return user === 'super' && password !== undefined && this.cfg.superPassword !== undefined ? this.cfg.superPassword : password;
      },
      authorizedId: (user) => {
        const id = saslAuthorizedId(user, this.cfg);
        this.log.info(`Successfully authenticated client: authenticationID=${user};  authorizationID=${user}. Setting authorizedID: ${id}`);
        return id;
      },
      warn: (line) => this.log.warn(line),
    });
    let reply: Buffer;
    try {
      reply = this.server.evaluateResponse(token);
    } catch (e) {
      if (!(e instanceof SaslError)) throw e;
      // A Kerberos client's first token is a GSS-API InitialContextToken; say so, not just "initial response".
      const why = !this.server.isComplete && isGssapiToken(token) ? `${e.message}: the client offered GSSAPI (Kerberos), which zookeeper-ts does not serve; give its JAAS Client section ${DIGEST_LOGIN_MODULE} (DIGEST-MD5)` : e.message;
      return this.failed(who, why);
    }
    const ids: Id[] = [];
    const authorized = this.server.authorizationId;
    if (this.server.isComplete && authorized !== undefined) {
      this.log.info(`Session 0x${session}: adding SASL authorization for authorizationID: ${authorized}`);
      ids.push({ scheme: 'sasl', id: authorized });
      if (authorized !== '' && this.cfg.superUsers.includes(authorized)) {
        this.log.info(`Session 0x${session}: Authenticated Id '${authorized}' as super user`);
        ids.push({ scheme: 'super', id: '' });
      }
    }
    return { kind: 'token', token: reply, ids };
  }

  private failed(who: string, why: string): SaslStep {
    const required = this.cfg.enforceAuth.saslRequired;
    if (this.cfg.allowSaslFailedClients && !required) {
      this.log.warn(`Client ${who} failed to SASL authenticate: ${why}; maintaining client connection despite SASL authentication failure`);
      return { kind: 'token', token: null, ids: [] };
    }
    if (required) {
      this.log.warn(`Client ${who} failed to SASL authenticate: ${why}; closing client connection: the server requires client SASL authentication`);
      return { kind: 'failed', err: Code.SESSIONCLOSEDREQUIRESASLAUTH };
    }
    this.log.warn(`Client ${who} failed to SASL authenticate: ${why}; closing client connection due to SASL authentication failure`);
    return { kind: 'failed', err: Code.AUTHFAILED };
  }
}

/** RFC 2743 3.1: an InitialContextToken is [APPLICATION 0] (0x60) holding the mechanism's OID first (0x06). */
function isGssapiToken(token: Buffer): boolean {
  if (token.length < 4 || token[0] !== 0x60) return false;
  const lengthBytes = token[1]! & 0x80 ? token[1]! & 0x7f : 0;
  return token[2 + lengthBytes] === 0x06;
}

/**
 * AuthenticationHelper.enforceAuthentication: whether a connection with `authInfo` may send
 * requests. False (and an ERROR line) when enforcement is on and it has proven none of the schemes.
 */
export function authenticationEnforced(enforce: EnforceAuth, authInfo: Id[], log: SaslLog): boolean {
  if (!enforce.enabled || authInfo.some((id) => enforce.schemes.includes(id.scheme))) return true;
  log.error(
    `Client authentication scheme(s) [${authInfo.map((id) => id.scheme).join(', ')}] does not match with any of the expected authentication scheme [${enforce.schemes.join(', ')}], closing session.`,
  );
  return false;
}
