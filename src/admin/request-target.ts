// An HTTP request target read as Jetty (ZooKeeper's AdminServer and metrics endpoint)
// reads it: origin form or absolute form, fragment dropped, percent-escapes decoded
// (UTF-8, or ISO-8859-1 byte by byte when the bytes are not UTF-8), dot segments
// resolved. Whatever Jetty refuses with 400 comes back as `bad`, never as an exception:
// one request must not be able to throw out of a handler.

export type RequestTarget =
  | { kind: 'path'; path: string; query: URLSearchParams }
  /** `*`, the target of `OPTIONS *` (Jetty answers it 200, anything else with it 400). */
  | { kind: 'asterisk' }
  | { kind: 'bad'; why: string };

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)(.*)$/s;
/** An authority Jetty takes: a bracketed IPv6 literal or a name without brackets, then an optional port. */
const AUTHORITY = /^(?:[^@/]*@)?(?:\[[0-9A-Fa-f:.]+\]|[^[\]\s]*)(?::\d*)?$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function parseRequestTarget(raw: string): RequestTarget {
  if (raw === '*') return { kind: 'asterisk' };
  let target = raw;
  const absolute = ABSOLUTE_FORM.exec(raw);
  if (absolute) {
    if (!AUTHORITY.test(absolute[1]!)) return { kind: 'bad', why: 'bad authority' };
    target = absolute[2] === '' ? '/' : absolute[2]!;
  }
  if (!target.startsWith('/')) return { kind: 'bad', why: 'not a path' };
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const rawPath = q >= 0 ? target.slice(0, q) : target;
  const path = percentDecode(rawPath, false);
  if (path === undefined) return { kind: 'bad', why: 'bad percent-escape in the path' };
  const canonical = resolveDotSegments(path);
  if (canonical === undefined) return { kind: 'bad', why: 'the path leaves the root' };
  const query = q >= 0 ? parseQuery(target.slice(q + 1)) : new URLSearchParams();
  if (query === undefined) return { kind: 'bad', why: 'bad percent-escape in the query' };
  return { kind: 'path', path: canonical, query };
}

/** Decodes %XX escapes (and `+` in a query); undefined for a bad escape or a NUL, which Jetty refuses. */
function percentDecode(s: string, plusIsSpace: boolean): string | undefined {
  if (!s.includes('%') && !(plusIsSpace && s.includes('+'))) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      const b = parseInt(hex, 16);
      if (b === 0) return undefined;
      bytes.push(b);
      i += 2;
    } else if (plusIsSpace && c === 0x2b /* + */) {
      bytes.push(0x20);
    } else {
      for (const b of Buffer.from(s[i]!, 'utf8')) bytes.push(b);
    }
  }
  const buf = Buffer.from(bytes);
  try {
    return UTF8.decode(buf);
  } catch {
    return buf.toString('latin1');
  }
}

/** `/a/./b/../c` → `/a/c`; undefined when `..` would climb above the root. */
function resolveDotSegments(path: string): string | undefined {
  if (!/(^|\/)\.\.?(\/|$)/.test(path)) return path;
  const out: string[] = [];
  const segments = path.split('/').slice(1);
  for (const [i, seg] of segments.entries()) {
    const last = i === segments.length - 1;
    if (seg === '.') {
      if (last) out.push('');
    } else if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      if (last) out.push('');
    } else out.push(seg);
  }
  return '/' + out.join('/');
}

function parseQuery(query: string): URLSearchParams | undefined {
  const params = new URLSearchParams();
  if (query === '') return params;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = percentDecode(eq >= 0 ? pair.slice(0, eq) : pair, true);
    const value = percentDecode(eq >= 0 ? pair.slice(eq + 1) : '', true);
    if (key === undefined || value === undefined) return undefined;
    params.append(key, value);
  }
  return params;
}
