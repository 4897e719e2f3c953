// `zookeeper-ts purge <dataDir> [<dataLogDir>] -n <count>`: what zkCleanup.sh does — keep
// the newest <count> snapshots and the logs they need, delete the rest, say what went.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { purge } from '../persistence/purge';

export function runPurge(dataDir: string, dataLogDir: string | undefined, count: number): number {
  const logDir = dataLogDir ?? dataDir;
  for (const dir of [dataDir, logDir]) {
    if (!existsSync(join(dir, 'version-2'))) {
      console.error(`${dir} has no version-2 directory: not a ZooKeeper data directory`);
      return 1;
    }
  }
  try {
    const { deleted, retainedSnapshots } = purge(dataDir, logDir, count);
    for (const f of deleted) console.log(`Removing file: ${f}`);
    console.log(`kept ${retainedSnapshots.length} snapshots: ${retainedSnapshots.join(' ')}`);
    return 0;
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
}
