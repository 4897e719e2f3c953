// The binary codec of ZooKeeper's jute records: big-endian ints and longs, length-prefixed
// buffers and strings (-1 for null), vectors, and records as a fixed sequence of fields.
// A record is declared once (see records.ts) and that declaration drives encode and decode.

/** Thrown when bytes do not decode as the record they should be: the connection is closed. */
export class JuteError extends Error {
  override readonly name = 'JuteError';
}

const INITIAL_BYTES = 256;
/** Strings up to this many chars are tried as ASCII, a char at a time (longer ones: the native UTF-8 write is the faster). */
const ASCII_LOOP_MAX_CHARS = 256;

/** The one 0 a Reader hands out for a long read as a bigint. */
const ZERO_LONG = 0n;

/**
 * The low 32 bits of `v`, big-endian, at `at` (which ensure() has made room for): four byte
 * stores, each truncated to its byte by the Uint8Array. Buffer.writeInt32BE checks range
 * and offset on each call, and the Writer writes a dozen of these per reply and per
 * snapshot node.
 */
function putInt32(buf: Buffer, at: number, v: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = v >>> 16;
  buf[at + 2] = v >>> 8;
  buf[at + 3] = v;
}

/** A growable output buffer. One Writer is reused for many records on a hot path. */
export class Writer {
  buf: Buffer;
  pos = 0;

  /** `max_bytes`: growing past it throws a RangeError (a record too big to send). */
  constructor(
    initial_bytes = INITIAL_BYTES,
    private readonly max_bytes = Number.POSITIVE_INFINITY,
  ) {
    this.buf = Buffer.allocUnsafe(initial_bytes);
  }

  reset(): this {
    this.pos = 0;
    return this;
  }

  ensure(bytes: number): void {
    const need = this.pos + bytes;
    if (need <= this.buf.length) return;
    if (need > this.max_bytes) throw new RangeError(`a record of more than ${this.max_bytes} bytes`);
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    size = Math.min(size, Math.max(need, this.max_bytes));
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int(v: number): void {
    this.ensure(4);
    putInt32(this.buf, this.pos, v);
    this.pos += 4;
  }

  /** A jute long held as a JS number; exact while |v| < 2^53 (zxids, times, versions). */
  long(v: number): void {
    this.ensure(8);
    const high = Math.floor(v / 0x100000000);
    const low = v - high * 0x100000000;
    putInt32(this.buf, this.pos, high);
    putInt32(this.buf, this.pos + 4, low);
    this.pos += 8;
  }

  /** A jute long held as a bigint: session ids use all 64 bits (server id in the top byte). */
  bigLong(v: bigint): void {
    this.ensure(8);
    // Most are 0 (a znode without an owner): no BigInt arithmetic for those.
    if (v === 0n) {
      putInt32(this.buf, this.pos, 0);
      putInt32(this.buf, this.pos + 4, 0);
    } else {
      this.buf.writeBigInt64BE(BigInt.asIntN(64, v), this.pos);
    }
    this.pos += 8;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  buffer(v: Buffer | null): void {
    if (v === null) return this.int(-1);
    this.int(v.length);
    this.ensure(v.length);
    // TypedArray set: Buffer.copy's checks and view cost more than the copy of small data.
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  ustring(v: string | null): void {
    if (v === null) return this.int(-1);
    const chars = v.length;
    if (chars <= ASCII_LOOP_MAX_CHARS) {
      // Paths and names are ASCII nearly always: their bytes are their chars, stored here
      // without Buffer.byteLength and Buffer.write (two native calls with their checks were
      // a third of writing a snapshot node). A char past ASCII falls through to UTF-8.
      this.ensure(4 + chars);
      const buf = this.buf;
      const at = this.pos + 4;
      let i = 0;
      for (; i < chars; i++) {
        const c = v.charCodeAt(i);
        if (c > 0x7f) break;
        buf[at + i] = c;
      }
      if (i === chars) {
        putInt32(buf, this.pos, chars);
        this.pos = at + chars;
        return;
      }
    }
    const bytes = Buffer.byteLength(v, 'utf8');
    this.int(bytes);
    this.ensure(bytes);
    this.buf.write(v, this.pos, bytes, 'utf8');
    this.pos += bytes;
  }

  /** The bytes written so far, as a copy that outlives the next reset. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

/** Reads jute values from a buffer; every read is bounds-checked against `end`. */
export class Reader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  private need(bytes: number): void {
    if (bytes < 0 || this.pos + bytes > this.end) {
      throw new JuteError(`record ends early: need ${bytes} bytes at offset ${this.pos}, have ${this.end - this.pos}`);
    }
  }

  /** Steps over `bytes` bytes, which must be there: the caller reads them in place. */
  skip(bytes: number): void {
    this.need(bytes);
    this.pos += bytes;
  }

  int(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  long(): number {
    this.need(8);
    const high = this.buf.readInt32BE(this.pos);
    const low = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    const v = high * 0x100000000 + low;
    if (!Number.isSafeInteger(v)) throw new JuteError(`long at offset ${this.pos - 8} is beyond 2^53`);
    return v;
  }

  bigLong(): bigint {
    this.need(8);
    // Most are 0 (a znode without an owner): no BigInt made for those.
    const v = this.buf.readInt32BE(this.pos) === 0 && this.buf.readInt32BE(this.pos + 4) === 0 ? ZERO_LONG : this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    this.need(1);
    return this.buf[this.pos++] !== 0;
  }

  buffer(): Buffer | null {
    const len = this.int();
    if (len === -1) return null;
    if (len < -1) throw new JuteError(`negative buffer length ${len}`);
    this.need(len);
    const v = Buffer.from(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return v;
  }

  /** As buffer(), but a view of the bytes read (valid while the read buffer is): no copy. */
  bufferView(): Buffer | null {
    const len = this.int();
    if (len === -1) return null;
    if (len < -1) throw new JuteError(`negative buffer length ${len}`);
    this.need(len);
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  ustring(): string | null {
    const len = this.int();
    if (len === -1) return null;
    if (len < -1) throw new JuteError(`negative string length ${len}`);
    this.need(len);
    const v = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return v;
  }
}

/** How one jute type is written and read. */
export interface Codec<T> {
  write(w: Writer, v: T): void;
  read(r: Reader): T;
}

export type Decoded<C> = C extends Codec<infer T> ? T : never;

export const int: Codec<number> = { write: (w, v) => w.int(v), read: (r) => r.int() };
export const long: Codec<number> = { write: (w, v) => w.long(v), read: (r) => r.long() };
export const bigLong: Codec<bigint> = { write: (w, v) => w.bigLong(v), read: (r) => r.bigLong() };
export const bool: Codec<boolean> = { write: (w, v) => w.bool(v), read: (r) => r.bool() };
export const buffer: Codec<Buffer | null> = { write: (w, v) => w.buffer(v), read: (r) => r.buffer() };
/** A string that may be null on the wire (length -1). */
export const nullableString: Codec<string | null> = { write: (w, v) => w.ustring(v), read: (r) => r.ustring() };
/** A string field; a null on the wire reads as '' (ZooKeeper's own checks then reject it as empty). */
export const ustring: Codec<string> = {
  write: (w, v) => w.ustring(v),
  read: (r) => r.ustring() ?? '',
};

/** vector<T>: a count then the items; -1 is a null vector, read as empty. */
export function vector<T>(item: Codec<T>): Codec<T[]> {
  return {
    write(w, v) {
      w.int(v.length);
      for (const x of v) item.write(w, x);
    },
    read(r) {
      const n = r.int();
      if (n === -1) return [];
      // Each item takes at least one byte: a count past the bytes left is a lie.
      if (n < -1 || n > r.remaining()) throw new JuteError(`bad vector length ${n}`);
      const out: T[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = item.read(r);
      return out;
    },
  };
}

type Fields = Record<string, Codec<never> | Codec<unknown>>;
export type RecordOf<F extends Fields> = { [K in keyof F]: Decoded<F[K]> };

export interface RecordCodec<T> extends Codec<T> {
  encode(v: T): Buffer;
  decode(buf: Buffer): T;
}

/**
 * Primitive fields, as the generated code of a record writes and reads them: a direct call
 * on the Writer or Reader, not one through the field's codec.
 */
const DIRECT = new Map<Codec<never> | Codec<unknown>, { write: string; read: string }>([
  [int, { write: 'w.int', read: 'r.int()' }],
  [long, { write: 'w.long', read: 'r.long()' }],
  [bigLong, { write: 'w.bigLong', read: 'r.bigLong()' }],
  [bool, { write: 'w.bool', read: 'r.bool()' }],
  [buffer, { write: 'w.buffer', read: 'r.buffer()' }],
  [nullableString, { write: 'w.ustring', read: 'r.ustring()' }],
  [ustring, { write: 'w.ustring', read: "(r.ustring() ?? '')" }],
]);

/**
 * A jute record: its fields in declaration order (JS keeps string keys in insertion order).
 * Its write and read are generated once per record type, field by field, as protobufjs
 * does: a loop over the fields looked each value up by a computed key and called every
 * field's codec through one call site, and a read built its object key by key. Every
 * request is decoded and every reply encoded through these (a Stat is 11 fields); a read
 * now makes its object as one literal, of one shape per record type.
 */
export function record<F extends Fields>(fields: F): RecordCodec<RecordOf<F>> {
  const names = Object.keys(fields);
  // In the generated object literal this name would set the prototype, not a field.
  if (names.includes('__proto__')) throw new Error('a jute record field may not be named __proto__');
  const codecs = names.map((n) => fields[n]!);
  const key = (i: number) => JSON.stringify(names[i]);
  const writes = names.map((_, i) => {
    const direct = DIRECT.get(codecs[i]!);
    return direct ? `${direct.write}(v[${key(i)}]);` : `c[${i}].write(w, v[${key(i)}]);`;
  });
  const reads = names.map((_, i) => `${key(i)}: ${DIRECT.get(codecs[i]!)?.read ?? `c[${i}].read(r)`}`);
  // Object literal values are evaluated in order: the fields are read in declaration order.
  const generated = new Function('c', `return { write(w, v) { ${writes.join(' ')} }, read(r) { return { ${reads.join(', ')} }; } };`) as (
    c: Codec<unknown>[],
  ) => Codec<RecordOf<F>>;
  const { write, read } = generated(codecs as Codec<unknown>[]);
  const codec: RecordCodec<RecordOf<F>> = {
    write,
    read,
    encode(v) {
      const w = new Writer();
      codec.write(w, v);
      return w.toBuffer();
    },
    decode(buf) {
      return codec.read(new Reader(buf));
    },
  };
  return codec;
}
