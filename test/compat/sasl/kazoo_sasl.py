# kazoo with SASL DIGEST-MD5 (sasl_options, over Debian's pure-sasl) for sasl-digest.test.ts:
# one client per step, each step's outcome one JSON line, so both servers' lines compare.
# argv: host:port steps-json; a step is {"as": name, "user": name|null, "password": pw,
# "do": [...]}; a step without user connects with no SASL.
import json, sys
from kazoo.client import KazooClient
from kazoo.security import make_acl

host, steps = sys.argv[1], json.loads(sys.argv[2])
for step in steps:
    kw = {}
    if step.get('user'):
        kw['sasl_options'] = {'mechanism': 'DIGEST-MD5', 'username': step['user'], 'password': step['password']}
    # One try, no retries: a refused login is the answer, not something to wait out.
    zk = KazooClient(hosts=host, timeout=4, connection_retry={'max_tries': 0}, **kw)
    out = {'as': step['as']}
    # kazoo reports CONNECTED before its SASL exchange ends: a refused login shows in
    # start() or in the first request, whichever comes first, so both count as the login.
    try:
        zk.start(timeout=5)
        zk.exists('/')
    except Exception as e:
        out['login'] = type(e).__name__
        print(json.dumps(out), flush=True)
        continue
    out['login'] = 'ok'
    results = []
    for action in step['do']:
        try:
            if action[0] == 'create-sasl':
                if zk.exists(action[1]):
                    zk.delete(action[1])
                zk.create(action[1], b'secret', acl=[make_acl('sasl', action[2], all=True)])
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
