// Everything a client can read of a tree: for each znode (sorted by path) its data, Stat
// and ACL. Two servers holding the same data give equal dumps.
import type { ZooKeeperClient } from '../../src/client/zookeeper-client';

export interface ZnodeDump {
  path: string;
  data: string | null;
  stat: Record<string, string | number>;
  acl: string;
}

export async function dumpTree(zk: ZooKeeperClient, root = '/'): Promise<ZnodeDump[]> {
  const out: ZnodeDump[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const path = stack.pop()!;
    const { data, stat } = await zk.getData(path);
    const { acl } = await zk.getACL(path);
    const stringStat = Object.fromEntries(Object.entries(stat).map(([k, v]) => [k, typeof v === 'bigint' ? `0x${v.toString(16)}` : v]));
    out.push({ path, data: data === null ? null : data.toString('hex'), stat: stringStat, acl: JSON.stringify(acl) });
    for (const child of await zk.getChildren(path)) stack.push(path === '/' ? `/${child}` : `${path}/${child}`);
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
