// One scenario per kind of behaviour the protocol promises: each watch kind and its
// events, each ACL scheme, session events, multi with a failing op, the create modes,
// and the opcodes without a path. Cross-client events are made deterministic by a
// request of the watching client after the change (its events come before that reply).
import { createHash } from 'node:crypto';
import { AddWatchMode, CreateMode, OpCode, Perms, WatcherType } from '../../../../src/jute/constants';
import type { MultiOp } from '../../../../src/jute/multi';
import * as R from '../../../../src/jute/records';
import type { Scenario } from '../harness';

const digest = (userPass: string) => `${userPass.split(':')[0]}:${createHash('sha1').update(userPass).digest('base64')}`;
const world = (perms: number) => ({ perms, id: { scheme: 'world', id: 'anyone' } });
const b = (s: string) => Buffer.from(s);

function create(path: string, data: string | null = null, flags = 0): MultiOp {
  return { type: OpCode.create, op: 'create', path, data: data === null ? null : b(data), acl: [world(Perms.ALL)], flags, ttl: -1 };
}

export const CORE: Scenario[] = [
  // --- one-shot watches
  {
    name: 'watch: a data watch fires NodeDataChanged once',
    async run(t) {
      const a = await t.client('a');
      const c = await t.client('b');
      await a.do('create', (z) => z.create(`${t.root}/w`, b('1')));
      await a.do('getData watch', (z) => z.getData(`${t.root}/w`, true));
      await c.do('set 1', (z) => z.setData(`${t.root}/w`, b('2')));
      await c.do('set 2', (z) => z.setData(`${t.root}/w`, b('3')));
      await a.do('sync', (z) => z.sync(`${t.root}/w`));
    },
  },
  {
    name: 'watch: an exists watch on a missing node fires NodeCreated',
    async run(t) {
      const a = await t.client('a');
      const c = await t.client('b');
      await a.do('exists watch', (z) => z.exists(`${t.root}/later`, true));
      await c.do('create', (z) => z.create(`${t.root}/later`));
      await a.do('sync', (z) => z.sync('/'));
    },
  },
  {
    name: 'watch: child watches fire NodeChildrenChanged; deleting the watched node fires NodeDeleted',
    async run(t) {
      const a = await t.client('a');
      const c = await t.client('b');
      await a.do('create', (z) => z.create(`${t.root}/p`));
      await a.do('getChildren watch', (z) => z.getChildren(`${t.root}/p`, true));
      await c.do('create child', (z) => z.create(`${t.root}/p/c`));
      await a.do('getChildren2 watch', (z) => z.getChildren2(`${t.root}/p`, true));
      await a.do('getData watch', (z) => z.getData(`${t.root}/p`, true));
      await c.do('delete child', (z) => z.delete(`${t.root}/p/c`));
      await a.do('watch again', (z) => z.getChildren(`${t.root}/p`, true));
      await c.do('delete parent', (z) => z.delete(`${t.root}/p`));
      await a.do('sync', (z) => z.sync('/'));
    },
  },
  {
    name: 'watch: the watching client sees the event before the reply to its own later read',
    async run(t) {
      const a = await t.client('a');
      await a.do('create', (z) => z.create(`${t.root}/x`, b('v1')));
      await a.do('exists watch', (z) => z.exists(`${t.root}/x`, true));
      await a.do('own set', (z) => z.setData(`${t.root}/x`, b('v2')));
      await a.do('read', (z) => z.getData(`${t.root}/x`));
    },
  },
  // --- persistent and recursive watches
  {
    name: 'watch: a persistent watch fires on every change and for children, until removed',
    async run(t) {
      const a = await t.client('a');
      const c = await t.client('b');
      await a.do('create', (z) => z.create(`${t.root}/pw`));
      await a.do('addWatch persistent', (z) => z.addWatch(`${t.root}/pw`, AddWatchMode.PERSISTENT));
      await c.do('set', (z) => z.setData(`${t.root}/pw`, b('1')));
      await c.do('set again', (z) => z.setData(`${t.root}/pw`, b('2')));
      await c.do('child', (z) => z.create(`${t.root}/pw/c`));
      await c.do('grandchild (not seen)', (z) => z.create(`${t.root}/pw/c/g`));
      await a.do('sync', (z) => z.sync('/'));
      await a.do('remove persistent', (z) => z.removeWatches(`${t.root}/pw`, WatcherType.Any));
      await c.do('set after removal', (z) => z.setData(`${t.root}/pw`, b('3')));
      await a.do('sync 2', (z) => z.sync('/'));
    },
  },
  {
    name: 'watch: a persistent recursive watch sees the whole subtree, without child events',
    async run(t) {
      const a = await t.client('a');
      const c = await t.client('b');
      await a.do('create', (z) => z.create(`${t.root}/rw`));
      await a.do('addWatch recursive', (z) => z.addWatch(`${t.root}/rw`, AddWatchMode.PERSISTENT_RECURSIVE));
      await c.do('child', (z) => z.create(`${t.root}/rw/c`));
      await c.do('grandchild', (z) => z.create(`${t.root}/rw/c/g`, b('g')));
      await c.do('set grandchild', (z) => z.setData(`${t.root}/rw/c/g`, b('h')));
      await c.do('delete grandchild', (z) => z.delete(`${t.root}/rw/c/g`));
      await a.do('sync', (z) => z.sync('/'));
    },
  },
  {
    name: 'watch: removeWatches and checkWatches per type, with NOWATCHER when there is none',
    async run(t) {
      const a = await t.client('a');
      await a.do('create', (z) => z.create(`${t.root}/rm`));
      await a.do('check none', (z) => z.checkWatches(`${t.root}/rm`, WatcherType.Data));
      await a.do('data watch', (z) => z.getData(`${t.root}/rm`, true));
      await a.do('child watch', (z) => z.getChildren(`${t.root}/rm`, true));
      await a.do('check data', (z) => z.checkWatches(`${t.root}/rm`, WatcherType.Data));
      await a.do('remove data', (z) => z.removeWatches(`${t.root}/rm`, WatcherType.Data));
      await a.do('remove data again', (z) => z.removeWatches(`${t.root}/rm`, WatcherType.Data));
      await a.do('remove children', (z) => z.removeWatches(`${t.root}/rm`, WatcherType.Children));
      await a.do('remove any on missing', (z) => z.removeWatches(`${t.root}/none`, WatcherType.Any));
    },
  },
  // --- watches across a reconnect
  {
    name: 'watch: setWatches after a reconnect fires what was missed and re-arms the rest',
    async run(t) {
      const a = await t.client('a', { sessionTimeout_ms: 10_000 });
      const c = await t.client('b');
      await a.do('create d', (z) => z.create(`${t.root}/d`, b('1')));
      await a.do('create k', (z) => z.create(`${t.root}/k`));
      await a.do('create q', (z) => z.create(`${t.root}/q`));
      const seen = a.zk.lastZxid;
      const { sessionId, passwd } = a.zk;
      a.zk.disconnect();
      await c.do('change d', (z) => z.setData(`${t.root}/d`, b('2')));
      await c.do('create e', (z) => z.create(`${t.root}/e`));
      await c.do('child of k', (z) => z.create(`${t.root}/k/c`));
      const a2 = await t.client('a2', { sessionId, passwd, lastZxidSeen: seen });
      await a2.do('setWatches', (z) =>
        z.setWatches({
          relativeZxid: seen,
          dataWatches: [`${t.root}/d`, `${t.root}/q`],
          existWatches: [`${t.root}/e`, `${t.root}/f`],
          childWatches: [`${t.root}/k`],
          persistentWatches: [],
          persistentRecursiveWatches: [],
        }),
      );
      await c.do('change q', (z) => z.setData(`${t.root}/q`, b('x')));
      await c.do('create f', (z) => z.create(`${t.root}/f`));
      await a2.do('sync', (z) => z.sync('/'));
    },
  },
  // --- sessions
  {
    name: 'session: reconnecting with the right password keeps the session and its ephemerals',
    async run(t) {
      const a = await t.client('a', { sessionTimeout_ms: 10_000 });
      await a.do('ephemeral', (z) => z.create(`${t.root}/eph`, null, { mode: CreateMode.EPHEMERAL }));
      const { sessionId, passwd } = a.zk;
      a.zk.disconnect();
      const a2 = await t.client('a2', { sessionId, passwd });
      await a2.do('still there', (z) => z.exists(`${t.root}/eph`));
      await a2.do('ephemerals', (z) => z.getEphemerals(t.root));
    },
  },
  {
    name: 'session: a wrong password or a closed session is refused',
    async run(t) {
      const a = await t.client('a');
      const { sessionId, passwd } = a.zk;
      a.zk.disconnect();
      const wrong = Buffer.from(passwd);
      wrong[0]! ^= 1;
      await t.tryClient('wrong password', { sessionId, passwd: wrong });
      const c = await t.client('c');
      await c.zk.close();
      await t.tryClient('closed session', { sessionId: c.zk.sessionId, passwd: c.zk.passwd });
    },
  },
  {
    name: 'session: closing a session deletes its ephemerals and fires their watches',
    async run(t) {
      const a = await t.client('a');
      const w = await t.client('watcher');
      await a.do('ephemeral 1', (z) => z.create(`${t.root}/e1`, null, { mode: CreateMode.EPHEMERAL }));
      await a.do('ephemeral seq', (z) => z.create(`${t.root}/e-`, null, { mode: CreateMode.EPHEMERAL_SEQUENTIAL }));
      await w.do('watch e1', (z) => z.exists(`${t.root}/e1`, true));
      await w.do('watch children', (z) => z.getChildren(`${t.root}`, true));
      await a.do('close', (z) => z.close());
      await w.do('sync', (z) => z.sync('/'));
      await w.do('children', (z) => z.getChildren(t.root));
    },
  },
  {
    name: 'session: an expired session loses its ephemerals and cannot come back',
    async run(t) {
      const a = await t.client('a', { sessionTimeout_ms: 1000, ping: false });
      const w = await t.client('watcher');
      await a.do('ephemeral', (z) => z.create(`${t.root}/gone`, null, { mode: CreateMode.EPHEMERAL }));
      await w.do('watch', (z) => z.exists(`${t.root}/gone`, true));
      const { sessionId, passwd } = a.zk;
      a.zk.disconnect();
      await t.sleep(3500);
      await w.do('after expiry', (z) => z.exists(`${t.root}/gone`));
      await t.tryClient('expired', { sessionId, passwd });
    },
  },
  {
    name: 'session: the timeout is clamped to minSessionTimeout and maxSessionTimeout',
    async run(t) {
      await t.client('short', { sessionTimeout_ms: 100 });
      await t.client('long', { sessionTimeout_ms: 100_000 });
      await t.client('between', { sessionTimeout_ms: 5000 });
    },
  },
  // --- ACLs, each scheme
  {
    name: 'acl: world with one permission allows that and refuses the rest with NOAUTH',
    async run(t) {
      const a = await t.client('a');
      await a.do('create read-only', (z) => z.create(`${t.root}/ro`, b('r'), { acl: [world(Perms.READ)] }));
      await a.do('read', (z) => z.getData(`${t.root}/ro`));
      await a.do('write', (z) => z.setData(`${t.root}/ro`, b('w')));
      await a.do('create child', (z) => z.create(`${t.root}/ro/c`));
      await a.do('setACL', (z) => z.setACL(`${t.root}/ro`, [world(Perms.ALL)]));
      await a.do('getACL needs no permission', (z) => z.getACL(`${t.root}/ro`));
      await a.do('create no-read', (z) => z.create(`${t.root}/nr`, b('x'), { acl: [world(Perms.WRITE | Perms.DELETE)] }));
      await a.do('read no-read', (z) => z.getData(`${t.root}/nr`));
      await a.do('exists no-read', (z) => z.exists(`${t.root}/nr`));
      await a.do('children no-read', (z) => z.getChildren(`${t.root}/nr`));
      await a.do('delete is the parent’s permission', (z) => z.delete(`${t.root}/nr`));
    },
  },
  {
    name: 'acl: digest ACLs admit the user who added the matching auth, and no one else',
    async run(t) {
      const owner = await t.client('owner');
      const other = await t.client('other');
      await owner.do('create', (z) => z.create(`${t.root}/dg`, b('s'), { acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: digest('alice:secret') } }] }));
      await other.do('read without auth', (z) => z.getData(`${t.root}/dg`));
      await other.do('wrong password', (z) => z.addAuth('digest', 'alice:wrong'));
      await other.do('still refused', (z) => z.getData(`${t.root}/dg`));
      await other.do('right password', (z) => z.addAuth('digest', 'alice:secret'));
      await other.do('read with auth', (z) => z.getData(`${t.root}/dg`));
      await other.do('whoAmI', (z) => z.whoAmI());
    },
  },
  {
    name: 'acl: the auth scheme takes the creator’s identities; without any it is INVALIDACL',
    async run(t) {
      const a = await t.client('a');
      await a.do('auth ACL without auth', (z) => z.create(`${t.root}/au0`, null, { acl: [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }] }));
      await a.do('addAuth', (z) => z.addAuth('digest', 'bob:pw'));
      await a.do('auth ACL', (z) => z.create(`${t.root}/au`, null, { acl: [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }] }));
      await a.do('its ACL', (z) => z.getACL(`${t.root}/au`));
    },
  },
  {
    name: 'acl: ip ACLs match the client address and networks',
    async run(t) {
      const a = await t.client('a');
      await a.do('loopback net', (z) => z.create(`${t.root}/ip1`, b('1'), { acl: [{ perms: Perms.ALL, id: { scheme: 'ip', id: '127.0.0.0/8' } }] }));
      await a.do('read loopback', (z) => z.getData(`${t.root}/ip1`));
      await a.do('other net', (z) => z.create(`${t.root}/ip2`, b('2'), { acl: [{ perms: Perms.ALL, id: { scheme: 'ip', id: '10.1.2.3' } }] }));
      await a.do('read other', (z) => z.getData(`${t.root}/ip2`));
      await a.do('bad ip', (z) => z.create(`${t.root}/ip3`, null, { acl: [{ perms: Perms.ALL, id: { scheme: 'ip', id: '300.1.1.1/99' } }] }));
    },
  },
  {
    name: 'acl: invalid ACLs are refused with INVALIDACL; unknown auth schemes with AUTHFAILED',
    async run(t) {
      const a = await t.client('a');
      await a.do('empty ACL', (z) => z.create(`${t.root}/i1`, null, { acl: [] }));
      await a.do('unknown scheme', (z) => z.create(`${t.root}/i2`, null, { acl: [{ perms: Perms.ALL, id: { scheme: 'nope', id: 'x' } }] }));
      await a.do('digest without a hash', (z) => z.create(`${t.root}/i3`, null, { acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: 'nohash' } }] }));
      await a.do('world but not anyone', (z) => z.create(`${t.root}/i4`, null, { acl: [{ perms: Perms.ALL, id: { scheme: 'world', id: 'someone' } }] }));
      await a.do('setACL bad version', (z) => z.setACL(t.root, [world(Perms.ALL)], 7));
      await a.do('setACL right version', (z) => z.setACL(t.root, [world(Perms.ALL)], 0));
      await a.do('unknown auth scheme', (z) => z.addAuth('kerberos-ish', 'x'));
    },
  },
  {
    name: 'acl: /zookeeper/config is readable by all and writable by none',
    async run(t) {
      const a = await t.client('a');
      await a.do('read config', (z) => z.getData('/zookeeper/config'));
      await a.do('config ACL', (z) => z.getACL('/zookeeper/config'));
      await a.do('write config', (z) => z.setData('/zookeeper/config', b('x')));
      await a.do('quota', (z) => z.getChildren2('/zookeeper/quota'));
    },
  },
  // --- multi
  {
    name: 'multi: all ops succeed together, each result in order',
    async run(t) {
      const a = await t.client('a');
      await a.do('multi', (z) =>
        z.multi([
          create(`${t.root}/m`, 'm'),
          create(`${t.root}/m/s-`, 's', CreateMode.PERSISTENT_SEQUENTIAL),
          { type: OpCode.setData, op: 'setData', path: `${t.root}/m`, data: b('m2'), version: 0 },
          { type: OpCode.check, op: 'check', path: `${t.root}/m`, version: 1 },
          { type: OpCode.create2, op: 'create', path: `${t.root}/m/c2`, data: null, acl: [world(Perms.ALL)], flags: 0, ttl: -1 },
          { type: OpCode.delete, op: 'delete', path: `${t.root}/m/c2`, version: -1 },
        ]),
      );
      await a.do('after', (z) => z.getChildren2(`${t.root}/m`));
    },
  },
  {
    name: 'multi: one failing op fails them all, and nothing of it is applied',
    async run(t) {
      const a = await t.client('a');
      await a.do('setup', (z) => z.create(`${t.root}/f`, b('1')));
      for (const [label, bad] of [
        ['bad version', { type: OpCode.check, op: 'check', path: `${t.root}/f`, version: 5 }],
        ['node exists', create(`${t.root}/f`)],
        ['no node', { type: OpCode.delete, op: 'delete', path: `${t.root}/missing`, version: -1 }],
      ] as [string, MultiOp][]) {
        await a.do(`multi ${label}`, (z) =>
          z.call(OpCode.multi, (w) => {
            // raw, to see the reply header as ZooKeeper sends it
            const ops: MultiOp[] = [create(`${t.root}/f/new`), bad, { type: OpCode.setData, op: 'setData', path: `${t.root}/f`, data: b('2'), version: -1 }];
            for (const op of ops) {
              R.MultiHeader.write(w, { type: op.type, done: false, err: -1 });
              if (op.op === 'create') R.CreateRequest.write(w, op);
              else if (op.op === 'setData') R.SetDataRequest.write(w, op);
              else R.CheckVersionRequest.write(w, op as { path: string; version: number });
            }
            R.MultiHeader.write(w, { type: -1, done: true, err: -1 });
          }, (r) => {
            const out: unknown[] = [];
            for (;;) {
              const h = R.MultiHeader.read(r);
              if (h.done) return out;
              out.push(h.type === -1 ? { type: h.type, err: R.ErrorResponse.read(r).err } : { type: h.type, err: h.err });
              if (h.type === OpCode.create) R.CreateResponse.read(r);
              if (h.type === OpCode.setData) R.StatResponse.read(r);
            }
          }),
        );
      }
      await a.do('after', (z) => z.getData(`${t.root}/f`));
      await a.do('children', (z) => z.getChildren(`${t.root}/f`));
    },
  },
  {
    name: 'multiRead: reads of several nodes, a missing one reported in place',
    async run(t) {
      const a = await t.client('a');
      await a.do('setup', (z) => z.create(`${t.root}/r`, b('r')));
      await a.do('child', (z) => z.create(`${t.root}/r/c`));
      await a.do('multiRead', (z) =>
        z.multiRead([
          { type: OpCode.getData, op: 'getData', path: `${t.root}/r`, watch: false },
          { type: OpCode.getChildren, op: 'getChildren', path: `${t.root}/r`, watch: false },
          { type: OpCode.getData, op: 'getData', path: `${t.root}/missing`, watch: false },
        ]),
      );
    },
  },
  // --- create modes
  {
    name: 'modes: sequential names follow the parent’s cversion, through deletes',
    async run(t) {
      const a = await t.client('a');
      await a.do('parent', (z) => z.create(`${t.root}/seq`));
      await a.do('s1', (z) => z.create(`${t.root}/seq/n-`, null, { mode: CreateMode.PERSISTENT_SEQUENTIAL }));
      await a.do('plain', (z) => z.create(`${t.root}/seq/plain`));
      await a.do('delete plain', (z) => z.delete(`${t.root}/seq/plain`));
      await a.do('s2', (z) => z.create(`${t.root}/seq/n-`, null, { mode: CreateMode.PERSISTENT_SEQUENTIAL }));
      await a.do('es', (z) => z.create(`${t.root}/seq/e-`, null, { mode: CreateMode.EPHEMERAL_SEQUENTIAL }));
      await a.do('stat', (z) => z.getChildren2(`${t.root}/seq`));
      await a.do('child of ephemeral', (z) => z.create(`${t.root}/seq/e-0000000003/x`));
    },
  },
  {
    name: 'modes: a container, its children, and TTL refused while extended types are off',
    async run(t) {
      const a = await t.client('a');
      await a.do('container', (z) => z.create2(`${t.root}/box`, null, { mode: CreateMode.CONTAINER }));
      await a.do('child', (z) => z.create(`${t.root}/box/item`));
      await a.do('container stat', (z) => z.exists(`${t.root}/box`));
      await a.do('ttl', (z) => z.create2(`${t.root}/ttl`, null, { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 1000 }));
    },
  },
  {
    name: 'modes: TTL nodes when extendedTypesEnabled; a ttl out of range is BADARGUMENTS',
    cfg: { extendedTypesEnabled: true },
    async run(t) {
      const a = await t.client('a');
      await a.do('ttl', (z) => z.create2(`${t.root}/ttl`, b('t'), { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 60_000 }));
      await a.do('ttl seq', (z) => z.create2(`${t.root}/ttls-`, null, { mode: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, ttl: 60_000 }));
      await a.do('ttl 0', (z) => z.create2(`${t.root}/ttl0`, null, { mode: CreateMode.PERSISTENT_WITH_TTL, ttl: 0 }));
      await a.do('stat', (z) => z.exists(`${t.root}/ttl`));
    },
  },
  // --- opcodes without a path, and the unknown
  {
    name: 'misc: whoAmI, sync, getAllChildrenNumber, getEphemerals',
    async run(t) {
      const a = await t.client('a');
      await a.do('whoAmI', (z) => z.whoAmI());
      await a.do('tree', (z) => z.create(`${t.root}/t`));
      await a.do('tree 2', (z) => z.create(`${t.root}/t/u`));
      await a.do('eph', (z) => z.create(`${t.root}/t/e`, null, { mode: CreateMode.EPHEMERAL }));
      await a.do('count', (z) => z.getAllChildrenNumber(t.root));
      await a.do('ephemerals', (z) => z.getEphemerals(`${t.root}/t`));
      await a.do('sync missing', (z) => z.sync(`${t.root}/missing`));
    },
  },
  {
    name: 'misc: reconfig while reconfig is disabled',
    async run(t) {
      const a = await t.client('a');
      await a.do('reconfig', (z) =>
        z.call(OpCode.reconfig, (w) => R.ReconfigRequest.write(w, { joiningServers: 'server.5=127.0.0.1:2888:3888', leavingServers: '', newMembers: '', curConfigId: -1 })),
      );
    },
  },
  {
    name: 'misc: an unknown opcode is answered UNIMPLEMENTED, then the connection closes',
    async run(t) {
      const a = await t.client('a');
      await a.do('opcode 999', (z) => z.call(999));
      await t.sleep(200);
      t.note('still connected', a.zk.isConnected);
    },
  },
  // --- limits: the offending connection pays, everyone else carries on
  {
    name: 'limits: maxClientCnxns refuses one connection too many from an address',
    cfg: { maxClientCnxns: 3 },
    async run(t) {
      // The harness's own connection is the first from this address.
      const a = await t.client('a');
      await t.client('b');
      await t.tryClient('c, one too many', {});
      await a.do('a still served', (z) => z.getChildren(t.root));
    },
  },
  {
    name: 'limits: a packet over jute.maxbuffer closes that connection only',
    async run(t) {
      const a = await t.client('a');
      const other = await t.client('other');
      await a.do('2 MB create', (z) => z.create(`${t.root}/big`, Buffer.alloc(2 * 1024 * 1024, 1)));
      t.note('a connected', a.zk.isConnected);
      await other.do('other still served', (z) => z.exists(`${t.root}/big`));
      await other.do('just under the limit', (z) => z.create(`${t.root}/almost`, Buffer.alloc(1024 * 1024 - 200, 1)).then((p) => p.length));
    },
  },
  {
    name: 'limits: past globalOutstandingLimit requests wait, and all are answered in order',
    cfg: { globalOutstandingLimit: 5 },
    async run(t) {
      const a = await t.client('a');
      const other = await t.client('other');
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 200; i++) calls.push(a.zk.create(`${t.root}/n-`, null, { mode: CreateMode.PERSISTENT_SEQUENTIAL }));
      const names = await Promise.all(calls);
      t.note('answered in order', names.every((n, i) => n === `${t.root}/n-${String(i).padStart(10, '0')}`));
      await other.do('other served', (z) => z.getAllChildrenNumber(t.root));
    },
  },
];
