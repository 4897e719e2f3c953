// A client connection's authentication: the ids it has proven (ServerCnxn.authInfo: its
// address, then addauth, its TLS certificate, a SASL login), the auth and sasl packets that
// prove them, and enforced authentication refusing a request from a connection that proved
// none of the schemes. ZooKeeperServer does this on a ServerCnxn (processPacket's auth
// branch, processSasl, AuthenticationHelper.enforceAuthentication); here it is one object
// per connection, because the SASL exchange it runs holds state between packets.
import type { Codec } from '../jute/codec';
import { Code } from '../jute/keeper-error';
import * as R from '../jute/records';
import type { Id } from '../jute/records';
import { authenticate, inJavaSetOrder, serverProvider } from '../tree/auth';
import { NO_SASL } from '../config/sasl-config';
import { authenticationEnforced, SaslNegotiation, type SaslLog } from './sasl-negotiation';
import type { ServerStats } from './server-stats';
import type { CnxnLimits } from './server-cnxn';

/** The connection, as its authentication reads it and answers on it. */
export interface AuthCnxn {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly sessionId: bigint;
  /** What the TLS handshake's certificate proved: what `addauth x509` adds. */
  readonly certificateIds: Id[];
  sendResponse<T>(xid: number, zxid: number, err: number, codec?: Codec<T>, value?: T): void;
  /** A reply whose record is written whatever the error code. */
  sendResponseRecord<T>(xid: number, err: number, codec: Codec<T>, value: T): void;
  close(reason: string): void;
}

export type AuthLimits = Pick<CnxnLimits, 'superDigest' | 'sasl' | 'saslLog' | 'log'>;

export class CnxnAuth {
  /** ServerCnxn.authInfo: the ip id of the client's address and what it proved since, in Java's set order. */
  readonly authInfo: Id[];
  /** This connection's SASL exchange, from its first sasl packet. */
  private sasl: SaslNegotiation | undefined;

  constructor(
    private readonly cnxn: AuthCnxn,
    private readonly limits: AuthLimits,
    /** Where a refused auth packet is counted (auth_failed_count). */
    private readonly stats: ServerStats,
  ) {
    this.authInfo = [{ scheme: 'ip', id: cnxn.remoteAddress }];
  }

  /** An auth packet (addauth): OK and its ids added, or AUTHFAILED and the connection closed. */
  processAuth(xid: number, auth: R.AuthPacket): void {
    // x509 (addauth x509): X509AuthenticationProvider takes the connection's certificate, not
    // the packet's data; without one (the plain port, none shown) it fails, as there.
    const ids =
      auth.scheme === 'x509' ? (serverProvider('x509') && this.cnxn.certificateIds.length > 0 ? this.cnxn.certificateIds : undefined)
      : authenticate(auth.scheme, auth.auth ?? Buffer.alloc(0), this.cnxn.remoteAddress, this.limits.superDigest);
    if (ids === undefined) {
      this.stats.authFailed++;
      this.cnxn.sendResponse(xid, 0, Code.AUTHFAILED);
      return this.cnxn.close(`authentication failed for scheme ${auth.scheme}`);
    }
    this.addAuthInfo(ids);
    this.cnxn.sendResponse(xid, 0, Code.OK);
  }

  /** ZooKeeperServer.processSasl: one step of the connection's SASL exchange. */
  processSasl(xid: number, token: Buffer): void {
    this.sasl ??= new SaslNegotiation(this.limits.sasl ?? NO_SASL, this.saslLog);
    const step = this.sasl.step(token, `/${this.cnxn.remoteAddress}:${this.cnxn.remotePort}`, this.cnxn.sessionId.toString(16));
    if (step.kind === 'failed') {
      // Not counted in auth_failed_count: Apache counts failed TLS handshakes there, not logins.
      // SetSASLResponse(null) follows the error header, as Apache writes it.
      this.cnxn.sendResponseRecord(xid, step.err, R.SetSASLResponse, { token: null });
      return this.cnxn.close('SASL authentication failed');
    }
    if (step.ids.length > 0) this.addAuthInfo(step.ids);
    this.cnxn.sendResponse(xid, 0, Code.OK, R.SetSASLResponse, { token: step.token });
  }

  /**
   * AuthenticationHelper.enforceAuthentication: true if the request `xid` may go on. False
   * when authentication is enforced and the connection proved none of its schemes: the
   * request is refused and the connection closed.
   */
  enforceAuthentication(xid: number): boolean {
    const sasl = this.limits.sasl;
    if (!sasl || authenticationEnforced(sasl.enforceAuth, this.authInfo, this.saslLog)) return true;
    // As Apache: the reply header alone, then the connection closes (the session lives on until it expires).
    this.cnxn.sendResponse(xid, 0, Code.SESSIONCLOSEDREQUIRESASLAUTH);
    this.cnxn.close(`authentication is enforced and it proved none of ${sasl.enforceAuth.schemes.join(', ')}`);
    return false;
  }

  /** ServerCnxn.addAuthInfo: ids proven by an auth packet or by the TLS handshake's certificate. */
  addAuthInfo(ids: Id[]): void {
    for (const id of ids) if (!this.authInfo.some((a) => a.scheme === id.scheme && a.id === id.id)) this.authInfo.push(id);
    const ordered = inJavaSetOrder(this.authInfo);
    this.authInfo.splice(0, ordered.length, ...ordered);
  }

  private get saslLog(): SaslLog {
    const log = this.limits.log;
    return this.limits.saslLog ?? { info: () => undefined, warn: log, error: log };
  }
}
