// Java KeyStore (JKS) files, Apache ZooKeeper's default ssl.keyStore.type and what keytool
// made before Java 9, read into the PEM text Node's TLS takes (through jks-js); and PKCS12
// trust stores (keytool -importcert since Java 9), which Node opens only as key stores. A store
// that cannot be used throws a JksStoreError saying why in an operator's words; the caller
// names the zoo.cfg key and the file. The password is never part of a message.
import { decrypt, parseJks, toPem, type KeyEntry, type TrustedKeyEntry } from 'jks-js';
import { X509Certificate } from 'node:crypto';

export class JksStoreError extends Error {}

/** A key store's private key (PEM) and its certificate chain (PEM, leaf first). */
export interface JksKeyMaterial {
  key: string;
  cert: string;
}

/**
 * The first private key entry and its chain, as Java's key manager serves the one key a
 * ZooKeeper key store holds. Its key is protected by the store's password (keytool's
 * default, and what Apache's X509Util assumes: it passes one password for both).
 */
export function readJksKeyStore(bytes: Buffer, password: string): JksKeyMaterial {
  const entry = entries(bytes, password).find(isKeyEntry);
  if (!entry) throw new JksStoreError('no private key entry in it');
  let key: string;
  try {
    key = decrypt(entry.protectedPrivateKey, password);
  } catch {
    throw new JksStoreError(`the key of entry "${entry.alias}" cannot be recovered with the store's password`);
  }
  return { key, cert: entry.chain.map((c) => pem(c.value)).join('') };
}

/**
 * The trusted certificate entries (keytool -importcert), as Java's PKIX trust manager takes
 * them from a trust store: key entries are not trust anchors there, so they are left out.
 */
export function readJksTrustStore(bytes: Buffer, password: string): string[] {
  const certs = entries(bytes, password)
    .filter((e): e is TrustedKeyEntry => !isKeyEntry(e))
    .map((e) => pem(e.cert.value));
  if (certs.length === 0) throw new JksStoreError('no trusted certificate entry in it');
  return certs;
}

/** A PKCS12 file's trusted certificates (certificate bags without a key), as PEM. */
export function readPkcs12TrustStore(bytes: Buffer, password: string): string[] {
  let byAlias: ReturnType<typeof toPem>;
  try {
    byAlias = toPem(bytes, password);
  } catch (e) {
    const msg = (e as Error).message;
    if (/MAC could not be verified|invalid password/i.test(msg)) throw new JksStoreError('wrong password, or a damaged file');
    throw new JksStoreError(`a damaged file (${msg})`);
  }
  const certs = Object.values(byAlias).flatMap((e) => (e.ca !== undefined ? [e.ca] : []));
  if (certs.length === 0) throw new JksStoreError('no trusted certificate entry in it');
  return certs;
}

function entries(bytes: Buffer, password: string): (KeyEntry | TrustedKeyEntry)[] {
  try {
    return parseJks(bytes, password);
  } catch (e) {
    const msg = (e as Error).message;
    // jks-js checks the keyed SHA-1 over the whole file, as Java's JavaKeyStore.engineLoad:
    // a wrong password and a changed or cut file fail that one check alike.
    if (/password verification failed/i.test(msg)) throw new JksStoreError('wrong password, or a damaged file');
    if (/invalid keystore format/i.test(msg)) throw new JksStoreError('not a JKS key store (no JKS magic number at its start)');
    throw new JksStoreError(`a damaged file (${msg})`);
  }
}

function isKeyEntry(e: KeyEntry | TrustedKeyEntry): e is KeyEntry {
  return 'protectedPrivateKey' in e;
}

/** A DER certificate as PEM; one that does not parse as X.509 means a damaged store. */
function pem(der: Buffer): string {
  try {
    return new X509Certificate(der).toString();
  } catch (e) {
    throw new JksStoreError(`a certificate in it does not parse (${(e as Error).message})`);
  }
}
