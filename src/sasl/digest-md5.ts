// The DIGEST-MD5 SASL mechanism (RFC 2831), both sides, as Java's SASL provider speaks it
// to ZooKeeper: qop "auth" only (ZooKeeper asks for no integrity or privacy layer),
// algorithm md5-sess, charset utf-8, one round (challenge, response, rspauth). The client
// port uses the server side; our shell the client side; quorum SASL can use both.
import { createHash, randomBytes } from 'node:crypto';

/** What ZooKeeper's server names itself in DIGEST-MD5: protocol "zookeeper", server name (and realm) "zk-sasl-md5". */
export const ZOOKEEPER_SASL_PROTOCOL = 'zookeeper';
export const ZOOKEEPER_SASL_SERVER_NAME = 'zk-sasl-md5';

/** A DIGEST-MD5 exchange that failed; the message is Java's SaslException text. */
export class SaslError extends Error {}

/**
 * Bytes of random nonce in the server's challenge: Java's DigestMD5Base.generateNonce
 * takes 30 (40 characters of base64), as measured against Apache 3.8.
 */
const NONCE_bytes = 30;
/** Bytes of random cnonce our client sends (RFC 2831 asks for at least 64 bits). */
const CNONCE_bytes = 24;
/**
 * The longest challenge or response this module parses. RFC 2831 bounds a challenge to
 * 2048 bytes and a response to 4096; a longer one is a format violation, not something to
 * spend memory on.
 */
export const MAX_DIGEST_TOKEN_bytes = 4096;
/** The only nonce count this one-round mechanism accepts ("nc=00000001"). */
const NONCE_COUNT = '00000001';

export interface DigestServerOptions {
  protocol: string;
  serverName: string;
  /** The password a user logs in with (the JAAS user_NAME option), undefined for an unknown user. */
  passwordOf(user: string): string | undefined;
  /** The authorization id a user gets once authenticated (SaslServerCallbackHandler's canonicalisation). */
  authorizedId(user: string): string;
  warn(line: string): void;
}

type ServerStep = 'challenge' | 'response' | 'complete';

/** Java's DigestMD5Server: evaluateResponse is called with each client token in turn. */
export class DigestMd5Server {
  private step: ServerStep = 'challenge';
  private nonce = '';
  private authorized: string | undefined;

  constructor(private readonly opts: DigestServerOptions) {}

  get isComplete(): boolean {
    return this.step === 'complete';
  }

  /** The authorization id, once complete. */
  get authorizationId(): string | undefined {
    return this.authorized;
  }

  /** The server's next token for the client's `token`; throws SaslError when the client fails. */
  evaluateResponse(token: Buffer): Buffer {
    switch (this.step) {
      case 'challenge':
        if (token.length !== 0) throw new SaslError('DIGEST-MD5 must not have an initial response');
        this.nonce = randomBytes(NONCE_bytes).toString('base64');
        this.step = 'response';
        return Buffer.from(`realm="${this.opts.serverName}",nonce="${this.nonce}",charset=utf-8,algorithm=md5-sess`, 'utf8');
      case 'response': {
        const rspauth = this.validate(token);
        this.step = 'complete';
        return Buffer.from(`rspauth=${rspauth}`, 'utf8');
      }
      case 'complete':
        throw new SaslError('DIGEST-MD5 authentication already complete');
    }
  }

  /** validateClientResponse: the rspauth value when the response proves the password. */
  private validate(token: Buffer): string {
    const violation = (what: string) => new SaslError(`DIGEST-MD5: digest response format violation. ${what}`);
    const d = parseDirectives(token, violation);
    const charset = d.get('charset');
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8') throw violation(`Incompatible charset value: ${charset}`);
    const qop = d.get('qop') ?? 'auth';
    if (qop !== 'auth') throw violation(`Invalid QOP: ${qop}`);
    const username = d.get('username');
    if (username === undefined) throw violation('Missing username.');
    const realm = d.get('realm') ?? '';
    if (realm !== this.opts.serverName) throw violation(`Nonexistent realm: ${realm}`);
    if (d.get('nonce') !== this.nonce) throw violation('Mismatched nonce.');
    const cnonce = d.get('cnonce');
    if (cnonce === undefined) throw violation('Missing cnonce.');
    const nc = d.get('nc');
    if (nc !== NONCE_COUNT) throw violation(`Nonce count does not match: ${nc ?? ''}`);
    const expectedUri = `${this.opts.protocol}/${this.opts.serverName}`;
    const uri = d.get('digest-uri') ?? '';
    if (uri.toLowerCase() !== expectedUri.toLowerCase()) throw violation(`Mismatched URI: ${uri}; expecting: ${expectedUri}`);
    const password = this.opts.passwordOf(username);
    if (password === undefined) this.opts.warn(`User '${username}' not found in list of DIGEST-MD5 authenticateable users.`);
    const authzid = d.get('authzid');
    const p: DigestParams = { username, realm, password: password ?? '', nonce: this.nonce, cnonce, nc, qop, uri, authzid };
    // An unknown user can never match: Java's handler hands over no password of theirs.
    if (password === undefined || d.get('response') !== digestResponse(p, 'AUTHENTICATE')) throw violation('Mismatched response.');
    this.authorized = this.opts.authorizedId(username);
    return digestResponse(p, '');
  }
}

export interface DigestClientOptions {
  protocol: string;
  serverName: string;
  username: string;
  password: string;
}

/** Java's DigestMD5Client as ZooKeeperSaslClient drives it: no initial response, then one response, then the server's rspauth. */
export class DigestMd5Client {
  private expectedRspauth: string | undefined;
  private complete = false;

  constructor(private readonly opts: DigestClientOptions) {}

  get isComplete(): boolean {
    return this.complete;
  }

  /** The client's token for the server's `challenge`: empty at first (no initial response). */
  evaluateChallenge(challenge: Buffer): Buffer {
    if (this.expectedRspauth === undefined) {
      if (challenge.length === 0) return Buffer.alloc(0);
      const d = parseDirectives(challenge, (what) => new SaslError(`DIGEST-MD5: digest challenge format violation. ${what}`));
      const nonce = d.get('nonce');
      if (nonce === undefined) throw new SaslError('DIGEST-MD5: digest challenge format violation. Missing nonce.');
      const realm = d.get('realm') ?? this.opts.serverName;
      const qopOffered = (d.get('qop') ?? 'auth').split(',').map((q) => q.trim());
      if (!qopOffered.includes('auth')) throw new SaslError('DIGEST-MD5: No common protection layer between client and server');
      const p: DigestParams = {
        username: this.opts.username,
        realm,
        password: this.opts.password,
        nonce,
        cnonce: randomBytes(CNONCE_bytes).toString('base64'),
        nc: NONCE_COUNT,
        qop: 'auth',
        uri: `${this.opts.protocol}/${this.opts.serverName}`,
        authzid: undefined,
      };
      this.expectedRspauth = digestResponse(p, '');
      return Buffer.from(
        `charset=utf-8,username=${quote(p.username)},realm=${quote(realm)},nonce=${quote(nonce)},nc=${p.nc},cnonce=${quote(p.cnonce)},` +
          `digest-uri=${quote(p.uri)},maxbuf=65536,response=${digestResponse(p, 'AUTHENTICATE')},qop=auth`,
        'utf8',
      );
    }
    const d = parseDirectives(challenge, (what) => new SaslError(`DIGEST-MD5: digest challenge format violation. ${what}`));
    if (d.get('rspauth') !== this.expectedRspauth) throw new SaslError('DIGEST-MD5: Mismatched response value of the server (rspauth): the server does not know the password');
    this.complete = true;
    return Buffer.alloc(0);
  }
}

interface DigestParams {
  username: string;
  realm: string;
  password: string;
  nonce: string;
  cnonce: string;
  nc: string;
  qop: string;
  uri: string;
  authzid: string | undefined;
}

/** RFC 2831 2.1.2.1: the response value (a2Method "AUTHENTICATE"), or the rspauth value (a2Method ""). */
function digestResponse(p: DigestParams, a2Method: string): string {
  const secret = md5(Buffer.concat([latin1OrUtf8(p.username), Buffer.from(':'), latin1OrUtf8(p.realm), Buffer.from(':'), latin1OrUtf8(p.password)]));
  const a1 = Buffer.concat([secret, Buffer.from(`:${p.nonce}:${p.cnonce}${p.authzid !== undefined ? `:${p.authzid}` : ''}`, 'utf8')]);
  const a2 = Buffer.from(`${a2Method}:${p.uri}`, 'utf8');
  return md5(Buffer.from(`${hex(md5(a1))}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${hex(md5(a2))}`, 'utf8')).toString('hex');
}

/** RFC 2831 with charset=utf-8: a string all of whose characters fit ISO 8859-1 is hashed in it, any other in UTF-8. */
function latin1OrUtf8(s: string): Buffer {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return Buffer.from(s, 'utf8');
  return Buffer.from(s, 'latin1');
}

function md5(b: Buffer): Buffer {
  return createHash('md5').update(b).digest();
}

function hex(b: Buffer): string {
  return b.toString('hex');
}

function quote(s: string): string {
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * The comma-separated name=value directives of a challenge or response (RFC 2831 7.1):
 * values bare or quoted with backslash escapes; names case-insensitive; a name twice is a
 * violation, as Java's parser has it.
 */
function parseDirectives(token: Buffer, violation: (what: string) => SaslError): Map<string, string> {
  if (token.length > MAX_DIGEST_TOKEN_bytes) throw violation(`Token is ${token.length} bytes, more than ${MAX_DIGEST_TOKEN_bytes}.`);
  const s = token.toString('utf8');
  const out = new Map<string, string>();
  let i = 0;
  const skipSpace = () => {
    while (i < s.length && /[\s,]/.test(s[i]!)) i++;
  };
  skipSpace();
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0) throw violation(`Directive without a value: ${s.slice(i)}`);
    const name = s.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let value = '';
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        value += s[i]!;
        i++;
      }
      if (i >= s.length) throw violation(`Unterminated quoted value for ${name}`);
      i++;
    } else {
      const end = s.indexOf(',', i);
      value = (end < 0 ? s.slice(i) : s.slice(i, end)).trim();
      i = end < 0 ? s.length : end;
    }
    // RFC 2831 lets realm and qop options repeat in a challenge; a response names each once.
    if (out.has(name) && name !== 'realm') throw violation(`Duplicate directive: ${name}`);
    if (!out.has(name)) out.set(name, value);
    skipSpace();
  }
  return out;
}
