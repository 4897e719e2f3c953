// A client's DIGEST-MD5 login over its session, as ZooKeeperSaslClient does it: an empty
// first token (the mechanism has no initial response), the response to the server's
// challenge, then the server's rspauth checked. A server that answers with an error, with
// no token (no SASL login configured there) or with a wrong rspauth fails the login.
import { OpCode } from '../jute/constants';
import { Code } from '../jute/keeper-error';
import * as R from '../jute/records';
import { DigestMd5Client, SaslError, ZOOKEEPER_SASL_PROTOCOL, ZOOKEEPER_SASL_SERVER_NAME } from '../sasl/digest-md5';
import type { DigestLogin } from './client-config';
import type { ZooKeeperClient } from './zookeeper-client';

/** DIGEST-MD5 is done in two sasl packets; a server asking for more is not speaking it. */
const MAX_SASL_ROUNDS = 3;

export type SaslOutcome = { ok: true } | { ok: false; code: Code; reason: string };

/** The login's outcome; a lost connection rejects (with CONNECTIONLOSS) as any call does. */
export async function saslLogin(zk: ZooKeeperClient, login: DigestLogin): Promise<SaslOutcome> {
  const failed = (reason: string, code: Code = Code.AUTHFAILED): SaslOutcome => ({ ok: false, code, reason });
  const mechanism = new DigestMd5Client({ protocol: ZOOKEEPER_SASL_PROTOCOL, serverName: ZOOKEEPER_SASL_SERVER_NAME, ...login });
  let token = mechanism.evaluateChallenge(Buffer.alloc(0));
  for (let round = 0; round < MAX_SASL_ROUNDS; round++) {
    const reply = await zk.call(OpCode.sasl, (w) => R.GetSASLRequest.write(w, { token }), R.SetSASLResponse);
    if (reply.err !== 0) return failed(`the server refused the login (${reply.err})`, reply.err as Code);
    const challenge = reply.body?.token ?? null;
    // ZooKeeperSaslClient: a null token from the server is a failed login.
    if (challenge === null) return failed("the server's saslToken is null: it has no SASL login configured");
    try {
      token = mechanism.evaluateChallenge(challenge);
    } catch (e) {
      if (e instanceof SaslError) return failed(e.message);
      throw e;
    }
    if (mechanism.isComplete) return { ok: true };
  }
  return failed(`no DIGEST-MD5 login after ${MAX_SASL_ROUNDS} rounds`);
}
