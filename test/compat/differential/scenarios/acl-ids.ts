// ACL ids as ZooKeeper's providers read them: a table of ids of each scheme (ip masks empty,
// hex, padded, signed, too wide; IPv6 forms; leading zeros; digest ids with odd colons;
// world and unknown schemes), each tried by create and by setACL, and an ip ACL that
// matches the client against one that does not, for every permission a client uses.
import { createHash } from 'node:crypto';
import { Perms } from '../../../../src/jute/constants';
import type { ACL } from '../../../../src/jute/records';
import type { Recorded, Scenario } from '../harness';

const world = (perms: number): ACL => ({ perms, id: { scheme: 'world', id: 'anyone' } });
const digest = (userPass: string) => `${userPass.split(':')[0]}:${createHash('sha1').update(userPass).digest('base64')}`;

/** ip ids ZooKeeper refuses or takes, around the ones an operator writes by mistake. */
const IP_IDS = [
  '10.9.9.9/',
  '10.9.9.9/0x0',
  '10.9.9.9/ 0',
  '10.9.9.9/0 ',
  '10.9.9.9/\t8',
  '10.9.9.9/33',
  '10.9.9.9/-1',
  '10.9.9.9/-0',
  '10.9.9.9/+8',
  '10.9.9.9/08',
  '10.9.9.9/0000000000000000000008',
  '10.9.9.9/99999999999',
  '10.9.9.9/1e1',
  '10.9.9.9/8.0',
  '10.9.9.9/8/8',
  '10.9.9.9//8',
  '10.9.9.9/\u0668', // ARABIC-INDIC DIGIT EIGHT: a digit to Java's Integer.parseInt
  '\u0661\u0660.9.9.9', // "10" in Arabic-Indic digits
  '10.9.9.9/32',
  '10.9.9.9/0',
  '10.9.9.9',
  '010.009.009.009',
  '+10.9.9.9',
  '10.9.9.-0',
  '10.9.9.-1',
  '10.9.9.256',
  '10.9.9.9.',
  '.10.9.9.9',
  '10.9.9',
  '10.9..9',
  ' 10.9.9.9',
  '10.9.9.9 ',
  '0x0a.9.9.9',
  'localhost',
  '',
  '/8',
  '::1',
  '::1/128',
  'fe80::1/64',
  '::ffff:10.9.9.9',
  '2001:db8::/32',
  '[::1]',
];

const DIGEST_IDS = ['user:', 'user:hash:', 'user:hash::', ':hash', 'a:b:c', 'nohash', '', ':', '::', 'a::', 'a:b::', 'a::b', digest('u:p')];

const OTHER_IDS: [string, string][] = [
  ['world', 'anyone'],
  ['world', 'Anyone'],
  ['world', 'anyone '],
  ['world', ''],
  ['super', ''],
  ['super', 'x'],
  ['x509', 'CN=client'],
  ['sasl', 'user'],
  ['key', 'k'],
  ['IP', '10.9.9.9'],
  ['Digest', digest('u:p')],
  ['', ''],
];

/** Tries one id by create, then by setACL on a node of its own, and reads back what was stored. */
async function tryId(a: Recorded, root: string, n: number, scheme: string, id: string): Promise<void> {
  const acl = [{ perms: Perms.ALL, id: { scheme, id } }];
  const label = `${scheme}:${JSON.stringify(id)}`;
  const made = await a.do(`create ${label}`, (z) => z.create(`${root}/c${n}`, null, { acl }));
  if (made !== undefined) await a.do(`getACL ${label}`, (z) => z.getACL(`${root}/c${n}`));
  await a.do(`create for setACL ${n}`, (z) => z.create(`${root}/s${n}`, null, { acl: [world(Perms.ALL)] }));
  const set = await a.do(`setACL ${label}`, (z) => z.setACL(`${root}/s${n}`, acl));
  if (set !== undefined) await a.do(`getACL after setACL ${label}`, (z) => z.getACL(`${root}/s${n}`));
}

function idTable(name: string, ids: [string, string][]): Scenario {
  return {
    name,
    async run(t) {
      const a = await t.client('a');
      for (const [n, [scheme, id]] of ids.entries()) await tryId(a, t.root, n, scheme, id);
    },
  };
}

/** Every permission a client uses, tried under one ACL: what it grants and what it refuses. */
async function tryPermissions(c: Recorded, path: string, what: string): Promise<void> {
  await c.do(`${what}: getData`, (z) => z.getData(path));
  await c.do(`${what}: setData`, (z) => z.setData(path, Buffer.from('w')));
  await c.do(`${what}: create child`, (z) => z.create(`${path}/child`));
  await c.do(`${what}: delete child`, (z) => z.delete(`${path}/child`));
  await c.do(`${what}: getACL`, (z) => z.getACL(path));
  await c.do(`${what}: setACL`, (z) => z.setACL(path, [{ perms: Perms.ALL, id: { scheme: 'ip', id: '0.0.0.0/0' } }]));
}

export const ACL_IDS: Scenario[] = [
  idTable(
    'acl ids: ip ids are parsed as IPAuthenticationProvider.isValid does, by create and by setACL',
    IP_IDS.map((id) => ['ip', id]),
  ),
  idTable(
    'acl ids: digest ids need two parts once trailing empty ones are dropped, by create and by setACL',
    DIGEST_IDS.map((id) => ['digest', id]),
  ),
  idTable('acl ids: world takes only anyone; schemes without a provider are refused', OTHER_IDS),
  {
    name: 'acl ids: an ip ACL that matches the client grants, one that does not denies, one ZooKeeper refuses is never set',
    async run(t) {
      const a = await t.client('a');
      // The client's own address, as the server sees it (both servers see the same one).
      const me = (await a.do('whoAmI', (z) => z.whoAmI()))?.find((i) => i.authScheme === 'ip')?.user ?? '';
      const [o1, o2, o3] = me.split('.');
      const grants = [me, `${me}/32`, `${o1}.${o2}.${o3}.0/24`, `${o1}.0.0.0/8`, '0.0.0.0/0', `${o1}.${o2}.${o3}.255/+24`, `${me}/-0`];
      const denies = ['10.9.9.9', '10.9.9.9/8', `${o1}.${o2}.${o3}.${(Number(me.split('.')[3]) + 1) % 256}`, `${Number(o1) + 1}.0.0.0/8`];
      for (const [i, id] of [...grants, ...denies].entries()) {
        const path = `${t.root}/m${i}`;
        const made = await a.do(`create under ip:${id}`, (z) => z.create(path, Buffer.from('d'), { acl: [{ perms: Perms.ALL, id: { scheme: 'ip', id } }] }));
        if (made !== undefined) await tryPermissions(a, path, `ip:${id}`);
      }
      // The masks that once read as /0: refused, so no node is ever open to every address by them.
      for (const id of ['10.9.9.9/', '10.9.9.9/0x0', '10.9.9.9/ 0']) {
        await a.do(`create under ip:${id}`, (z) => z.create(`${t.root}/bad`, Buffer.from('d'), { acl: [{ perms: Perms.ALL, id: { scheme: 'ip', id } }] }));
        await a.do(`exists after ip:${id}`, (z) => z.exists(`${t.root}/bad`));
      }
    },
  },
  {
    name: 'acl ids: duplicates are dropped before auth expands, and what expansion duplicates stays',
    async run(t) {
      const a = await t.client('a');
      await a.do('addAuth', (z) => z.addAuth('digest', 'carol:pw'));
      const auth = { perms: Perms.ALL, id: { scheme: 'auth', id: '' } };
      const mine = { perms: Perms.ALL, id: { scheme: 'digest', id: digest('carol:pw') } };
      await a.do('create auth twice', (z) => z.create(`${t.root}/d1`, null, { acl: [auth, auth, world(Perms.READ), world(Perms.READ)] }));
      await a.do('its ACL', (z) => z.getACL(`${t.root}/d1`));
      await a.do('create auth and own digest', (z) => z.create(`${t.root}/d2`, null, { acl: [auth, mine] }));
      await a.do('its ACL', (z) => z.getACL(`${t.root}/d2`));
      await a.do('auth with any id', (z) => z.create(`${t.root}/d3`, null, { acl: [{ perms: Perms.READ, id: { scheme: 'auth', id: 'whatever' } }] }));
      await a.do('its ACL', (z) => z.getACL(`${t.root}/d3`));
    },
  },
];
