// Key and trust stores for TLS tests, made with openssl and Java's keytool (both real
// tools an operator uses): a CA, a server certificate for given IP addresses, client
// certificates (by subject), one signed by another CA, one that expired in 2020, and
// ensemble members' certificates (for ssl.quorum.*, by either CA); each key store as PEM,
// PKCS12 and (keytool's, on first use: a JVM each) JKS.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClientCert {
  subject: string;
  /** PEM key (unencrypted PKCS8) and certificate, apart (kazoo) and together (Apache's PEM key store). */
  keyFile: string;
  certFile: string;
  pemStore: string;
  /** PKCS12 key store, password STORE_PASSWORD. */
  p12Store: string;
}

export interface TlsStores {
  dir: string;
  caFile: string;
  /** The server's PEM key store (key + certificate) and the same as PKCS12 and JKS. */
  serverPem: string;
  serverP12: string;
  serverJks: string;
  client(name: string): ClientCert;
  /** A client whose certificate another CA signed. */
  stranger: ClientCert;
  /** A client certificate valid 2020-01-01 .. 2020-01-02 only. */
  expired: ClientCert;
  /** The CA as a JKS trust store (keytool -importcert -storetype JKS), made on first use. */
  trustJks(): string;
  /** A client's key store as JKS (keytool -importkeystore -deststoretype JKS), made on first use. */
  clientJks(cert: ClientCert): string;
  /**
   * An ensemble member's key store (PEM and PKCS12) whose certificate names `ips` (IP
   * subject alternative names), signed by the CA or, as a stranger, by the other one.
   */
  member(name: string, ips: string[], signer?: 'ca' | 'otherca'): { pemStore: string; p12Store: string };
}

export const STORE_PASSWORD = 'Store-Pw-7e1';

function run(cmd: string, args: string[], cwd: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed (is ${cmd} installed? scripts/install-test-deps.sh): ${err.stderr?.toString() ?? err.message}`);
  }
}

/** Makes every store in a fresh temp dir; `serverIps` go into the server certificate's SAN. */
export function makeTlsStores(serverIps: string[]): TlsStores {
  const dir = mkdtempSync(join(tmpdir(), 'zk-tls-'));
  const ca = (name: string) => {
    run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`], dir);
  };
  ca('ca');
  ca('otherca');
  const signed = (name: string, subj: string, signer: string, ext?: string) => {
    run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj], dir);
    const extArgs: string[] = [];
    if (ext) {
      writeFileSync(join(dir, `${name}.ext`), ext);
      extArgs.push('-extfile', `${name}.ext`);
    }
    run('openssl', ['x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.pem`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...extArgs], dir);
  };
  const stores = (name: string) => {
    const pem = join(dir, `${name}-store.pem`);
    writeFileSync(pem, readFileSync(join(dir, `${name}.key`), 'utf8') + readFileSync(join(dir, `${name}.crt`), 'utf8'));
    run('openssl', ['pkcs12', '-export', '-inkey', `${name}.key`, '-in', `${name}.crt`, '-name', name, '-out', `${name}.p12`, '-passout', `pass:${STORE_PASSWORD}`], dir);
    return { pemStore: pem, p12Store: join(dir, `${name}.p12`) };
  };
  const clientCert = (name: string, subj: string, signer = 'ca'): ClientCert => {
    signed(name, subj, signer);
    return { subject: '', keyFile: join(dir, `${name}.key`), certFile: join(dir, `${name}.crt`), ...stores(name) };
  };

  signed('server', '/O=zkts/CN=server', 'ca', `subjectAltName=${serverIps.map((ip) => `IP:${ip}`).join(',')}\n`);
  const server = stores('server');
  const toJks = (p12: string, jks: string) =>
    run('keytool', ['-importkeystore', '-srckeystore', p12, '-srcstoretype', 'PKCS12', '-srcstorepass', STORE_PASSWORD, '-destkeystore', jks, '-deststoretype', 'JKS', '-deststorepass', STORE_PASSWORD, '-noprompt'], dir);
  toJks('server.p12', 'server.jks');

  // Expired: keytool can date a certificate in the past (openssl 3.0's x509 -req cannot).
  run('openssl', ['pkcs12', '-export', '-inkey', 'ca.key', '-in', 'ca.pem', '-name', 'ca', '-out', 'ca.p12', '-passout', `pass:${STORE_PASSWORD}`], dir);
  run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'expired.key', '-out', 'expired.csr', '-subj', '/O=zkts/CN=expired'], dir);
  run('keytool', ['-gencert', '-alias', 'ca', '-keystore', 'ca.p12', '-storetype', 'PKCS12', '-storepass', STORE_PASSWORD, '-infile', 'expired.csr', '-outfile', 'expired.crt', '-rfc', '-startdate', '2020/01/01 00:00:00', '-validity', '1'], dir);
  const expired: ClientCert = { subject: 'CN=expired,O=zkts', keyFile: join(dir, 'expired.key'), certFile: join(dir, 'expired.crt'), ...stores('expired') };

  const made = new Map<string, ClientCert>();
  const stranger = clientCert('stranger', '/O=zkts/CN=stranger', 'otherca');
  stranger.subject = 'CN=stranger,O=zkts';
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    serverPem: server.pemStore,
    serverP12: server.p12Store,
    serverJks: join(dir, 'server.jks'),
    client(name: string) {
      let c = made.get(name);
      if (!c) {
        c = clientCert(`client-${name}`, `/O=zkts/OU=ops/CN=${name}`);
        c.subject = `CN=${name},OU=ops,O=zkts`;
        made.set(name, c);
      }
      return c;
    },
    stranger: stranger,
    expired,
    trustJks() {
      const jks = join(dir, 'trust.jks');
      if (!existsSync(jks)) run('keytool', ['-importcert', '-noprompt', '-alias', 'ca', '-file', 'ca.pem', '-keystore', jks, '-storetype', 'JKS', '-storepass', STORE_PASSWORD], dir);
      return jks;
    },
    clientJks(cert: ClientCert) {
      const jks = cert.p12Store.replace(/\.p12$/, '.jks');
      if (!existsSync(jks)) toJks(cert.p12Store, jks);
      return jks;
    },
    member(name, ips, signer = 'ca') {
      signed(`member-${name}`, `/O=zkts/OU=members/CN=${name}`, signer, `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(',')}\n`);
      return stores(`member-${name}`);
    },
  };
}

/**
 * The zoo.cfg lines of quorum TLS (sslQuorum, ssl.quorum.*) for a member on `host`: its own
 * PKCS12 key store, whose certificate names its address and 127.0.0.1 (where a dial over
 * loopback comes from, which the other end checks), and the CA as a PEM trust store.
 */
export function quorumTlsLines(stores: TlsStores, name: string, host: string, signer: 'ca' | 'otherca' = 'ca'): Record<string, string> {
  const store = stores.member(name, [host, '127.0.0.1'], signer);
  return {
    sslQuorum: 'true',
    'ssl.quorum.keyStore.location': store.p12Store,
    'ssl.quorum.keyStore.password': STORE_PASSWORD,
    'ssl.quorum.trustStore.location': stores.caFile,
    'ssl.quorum.trustStore.type': 'PEM',
  };
}
