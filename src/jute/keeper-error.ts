// KeeperException.Code: the numeric error codes a client sees in ReplyHeader.err.

export const Code = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

const names = new Map<number, string>(Object.entries(Code).map(([k, v]) => [v, k]));

export function codeName(code: number): string {
  return names.get(code) ?? `UNKNOWN(${code})`;
}

/** An error a client can see: carries ZooKeeper's numeric code and, where one applies, the path. */
export class KeeperError extends Error {
  readonly code: Code;
  readonly path?: string;

  constructor(code: Code, path?: string) {
    // A KeeperError is an answer, not a bug: no stack trace. Capturing one made every
    // failed request (and every create a fuzzy snapshot already holds, at replay) costly.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(path === undefined ? codeName(code) : `${codeName(code)} for ${path}`);
    Error.stackTraceLimit = limit;
    this.code = code;
    this.path = path;
  }

  override get name(): string {
    return 'KeeperError';
  }
}
