// ACL ids read as ZooKeeper 3.8's providers read them (the differential scenarios in
// test/compat/differential/scenarios/acl-ids.ts compare them with Apache over the wire);
// here, what those cannot reach: a super user's `auth` ACL, and Java's Integer.parseInt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Perms } from '../../../src/jute/constants';
import { fixupACL } from '../../../src/tree/acl';
import { javaParseInt } from '../../../src/tree/ip-auth';

test('an auth ACL of a super user expands to its digest id only: no provider answers for super', () => {
  const authInfo = [
    { scheme: 'ip', id: '127.0.0.1' },
    { scheme: 'super', id: '' },
    { scheme: 'digest', id: 'admin:x' },
  ];
  const acl = fixupACL('/n', authInfo, [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }]);
  assert.deepEqual(acl, [{ perms: Perms.ALL, id: { scheme: 'digest', id: 'admin:x' } }]);
  assert.throws(() => fixupACL('/n', authInfo.slice(0, 2), [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }]), /INVALIDACL|-114/);
});

test("Java's Integer.parseInt: a sign, leading zeros and any Unicode decimal digit; nothing else", () => {
  const cases: [string, number | undefined][] = [
    ['8', 8], ['+8', 8], ['-0', 0], ['-1', -1], ['0008', 8], ['2147483647', 2147483647], ['-2147483648', -2147483648],
    ['2147483648', undefined], ['', undefined], ['+', undefined], ['-', undefined], [' 8', undefined], ['8 ', undefined],
    ['0x8', undefined], ['1e1', undefined], ['8.0', undefined], ['\u0668', 8], ['\u0661\u0660', 10], ['\uFF18', 8], ['\u{1D7D6}', undefined],
  ];
  for (const [s, want] of cases) assert.equal(javaParseInt(s), want, JSON.stringify(s));
});
