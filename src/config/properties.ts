// java.util.Properties text format, as ZooKeeper reads zoo.cfg: `#`/`!` comments,
// key and value split at the first unescaped `=`, `:` or whitespace, backslash
// continuation lines and escapes; values trimmed (ZooKeeper trims them again).

export interface Property {
  key: string;
  value: string;
  /** 1-based line where the entry starts. */
  line: number;
  file: string;
}

export function parseProperties(text: string, file: string): Property[] {
  const lines = text.split(/\r\n|\r|\n/);
  const out: Property[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i]!.replace(/^[ \t\f]+/, '');
    if (logical === '' || logical[0] === '#' || logical[0] === '!') continue;
    // A line ending in an odd number of backslashes continues on the next.
    while (endsWithContinuation(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    }
    const { key, value } = splitEntry(logical);
    out.push({ key: unescape(key), value: unescape(value).trim(), line: start + 1, file });
  }
  return out;
}

function endsWithContinuation(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

function splitEntry(s: string): { key: string; value: string } {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
  }
  const key = s.slice(0, i);
  let rest = s.slice(i);
  rest = rest.replace(/^[ \t\f]*/, '');
  if (rest[0] === '=' || rest[0] === ':') rest = rest.slice(1).replace(/^[ \t\f]*/, '');
  return { key, value: rest };
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e[0] === 'u' && e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    switch (e) {
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      default:
        return e;
    }
  });
}
