# kazoo over TLS (use_ssl, ca, certfile, keyfile) for secure-client-port.test.ts: one
# client per step, each step's outcome one JSON line, so both servers' lines compare.
# argv: host:port ca steps-json; a step is {"as": name, "cert": file|null, "key": file|null,
# "timeout": seconds to connect, "do": [...]}.
import json, sys
from kazoo.client import KazooClient
from kazoo.security import make_acl

host, ca, steps = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
for step in steps:
    kw = dict(use_ssl=True, ca=ca, verify_certs=True)
    if step.get('cert'):
        kw.update(certfile=step['cert'], keyfile=step['key'])
    # One try, no retries: a refused handshake is the answer, not something to wait out.
    zk = KazooClient(hosts=host, timeout=4, connection_retry={'max_tries': 0}, **kw)
    out = {'as': step['as']}
    try:
        zk.start(timeout=step.get('timeout', 5))
    except Exception as e:
        out['connect'] = type(e).__name__
        print(json.dumps(out), flush=True)
        zk.close()
        continue
    out['connect'] = 'ok'
    results = []
    for action in step['do']:
        try:
            if action[0] == 'create-x509':
                if zk.exists(action[1]):
                    zk.delete(action[1])
                zk.create(action[1], b'secret', acl=[make_acl('x509', action[2], all=True)])
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
