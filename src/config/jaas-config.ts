// JAAS login configuration files (java.security.auth.login.config), as Java's ConfigFile
// reads them: sections `Name { LoginModuleClass flag key="value" ...; ... };`, with //,
// /* */ and # comments. ZooKeeper's DIGEST-MD5 users are the user_NAME options of its
// `Server` section; a client's are username/password in `Client`. Option values are
// secrets: they are never logged, and errors name the file and line only.
import { ConfigError } from './config-error';

export interface LoginModuleEntry {
  loginModule: string;
  /** required, requisite, sufficient or optional. */
  flag: string;
  options: Map<string, string>;
  line: number;
}

export type JaasConfig = Map<string, LoginModuleEntry[]>;

/** ZooKeeper's own DIGEST-MD5 login module. */
export const DIGEST_LOGIN_MODULE = 'org.apache.zookeeper.server.auth.DigestLoginModule';
/** Kerberos (GSSAPI): not served here. */
export const KRB5_LOGIN_MODULE = 'com.sun.security.auth.module.Krb5LoginModule';

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

/** Parses a JAAS file's text; `file` names it in errors. */
export function parseJaasConfig(text: string, file: string): JaasConfig {
  const tokens = tokenize(text, file);
  const config: JaasConfig = new Map();
  let i = 0;
  const fail = (what: string, at = tokens[i]): never => {
    throw new ConfigError(`${file}:${at?.line ?? lineCount(text)}: ${what}`);
  };
  const next = (): Token => tokens[i++] ?? fail('unexpected end of file');
  const expect = (value: string) => {
    const t = next();
    if (t.quoted || t.value !== value) fail(`expected "${value}", found "${t.quoted ? '(a quoted value)' : t.value}"`, t);
  };
  while (i < tokens.length) {
    const name = next();
    if (name.quoted) fail('expected a login context name', name);
    expect('{');
    const entries: LoginModuleEntry[] = config.get(name.value) ?? [];
    while (tokens[i] && !(tokens[i]!.value === '}' && !tokens[i]!.quoted)) {
      const module = next();
      const flag = next();
      if (!FLAGS.has(flag.value.toLowerCase())) fail(`the login module flag must be required, requisite, sufficient or optional (got "${flag.value}")`, flag);
      const options = new Map<string, string>();
      for (;;) {
        const t = next();
        if (!t.quoted && t.value === ';') break;
        expect('=');
        const value = next();
        options.set(t.value, value.value);
      }
      entries.push({ loginModule: module.value, flag: flag.value.toLowerCase(), options, line: module.line });
    }
    expect('}');
    expect(';');
    config.set(name.value, entries);
  }
  return config;
}

interface Token {
  value: string;
  quoted: boolean;
  line: number;
}

function tokenize(text: string, file: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new ConfigError(`${file}:${line}: unterminated /* comment`);
      for (let j = i; j < end; j++) if (text[j] === '\n') line++;
      i = end + 2;
    } else if (c === '"' || c === "'") {
      const start = line;
      let value = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        if (text[i] === '\n') line++;
        value += text[i]!;
        i++;
      }
      if (i >= text.length) throw new ConfigError(`${file}:${start}: unterminated quoted value`);
      i++;
      out.push({ value, quoted: true, line: start });
    } else if ('{};='.includes(c)) {
      out.push({ value: c, quoted: false, line });
      i++;
    } else {
      let value = '';
      while (i < text.length && !/[\s{};="']/.test(text[i]!)) value += text[i++]!;
      out.push({ value, quoted: false, line });
    }
  }
  return out;
}

function lineCount(text: string): number {
  return text.split('\n').length;
}
