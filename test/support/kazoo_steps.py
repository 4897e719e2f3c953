# kazoo driven step by step for the TLS and SASL tests: one client per step, each step's
# outcome one JSON line, so the lines of both servers compare.
# argv: host:port steps-json [ca-file]. With a CA file every step connects over TLS
# (use_ssl, verify_certs), a step's "cert"/"key" its client certificate; a step's "user" and
# "password" log in with SASL DIGEST-MD5 (sasl_options, over Debian's pure-sasl). A step is
# {"as": name, "timeout": seconds to connect, "do": [...]}; its outcome is reported under
# "login" when the step has a "user" key, null for none (kazoo says CONNECTED before its SASL
# exchange ends, so a refused login shows in start() or in the first request: both count as
# the login), and under "connect" otherwise. Actions: ["create-SCHEME", path, id] (data b"secret", ALL for
# SCHEME:id), ["get", path], ["set", path, data].
import json, sys
from kazoo.client import KazooClient
from kazoo.handlers.threading import KazooTimeoutError
from kazoo.protocol.states import KeeperState
from kazoo.security import make_acl

host, steps = sys.argv[1], json.loads(sys.argv[2])
ca = sys.argv[3] if len(sys.argv) > 3 else None
for step in steps:
    kw = {}
    if ca:
        kw.update(use_ssl=True, ca=ca, verify_certs=True)
        if step.get('cert'):
            kw.update(certfile=step['cert'], keyfile=step['key'])
    sasl = bool(step.get('user'))
    if sasl:
        kw['sasl_options'] = {'mechanism': 'DIGEST-MD5', 'username': step['user'], 'password': step['password']}
    # One try, no retries: a refused handshake or login is the answer, not something to wait out.
    zk = KazooClient(hosts=host, timeout=4, connection_retry={'max_tries': 0}, **kw)
    out = {'as': step['as']}
    outcome = 'login' if 'user' in step else 'connect'
    try:
        if outcome == 'login':
            zk.start_async().wait(timeout=step.get('timeout', 5))
            # A refused login can take CONNECTED away again before start() looks, and start()
            # then calls it a time-out (a fast server makes that race likelier): the request
            # after it says AuthFailedError either way.
            if not zk.connected and zk.client_state != KeeperState.AUTH_FAILED:
                raise KazooTimeoutError('Connection time-out')
            zk.exists('/')
        else:
            zk.start(timeout=step.get('timeout', 5))
    except Exception as e:
        out[outcome] = type(e).__name__
        print(json.dumps(out), flush=True)
        # A refused login leaves kazoo's connection running: stopped before it can be closed.
        zk.stop()
        zk.close()
        continue
    out[outcome] = 'ok'
    results = []
    for action in step['do']:
        try:
            if action[0].startswith('create-'):
                if zk.exists(action[1]):
                    zk.delete(action[1])
                zk.create(action[1], b'secret', acl=[make_acl(action[0][len('create-'):], action[2], all=True)])
                results.append(['created', [[a.id.scheme, a.id.id, a.perms] for a in zk.get_acls(action[1])[0]]])
            elif action[0] == 'get':
                results.append(['get', zk.get(action[1])[0].decode()])
            elif action[0] == 'set':
                zk.set(action[1], action[2].encode())
                results.append(['set', 'ok'])
        except Exception as e:
            results.append([action[0], type(e).__name__])
    out['results'] = results
    print(json.dumps(out), flush=True)
    zk.stop()
    zk.close()
