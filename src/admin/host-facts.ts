// Facts about the host, from systeminformation: for envi / environment and for the
// Prometheus endpoint (CPU, memory, and the filesystem that holds dataDir), so a
// dashboard needs no separate exporter for the one disk ZooKeeper cares about.
import { realpathSync } from 'node:fs';
import si from 'systeminformation';

export interface DataDirFilesystem {
  mount: string;
  size_bytes: number;
  available_bytes: number;
}

/** The filesystem dataDir lives on: the mount point that is its longest prefix. */
export async function dataDirFilesystem(dataDir: string): Promise<DataDirFilesystem | undefined> {
  let dir = dataDir;
  try {
    dir = realpathSync(dataDir);
  } catch {
    // not there yet: its path is the best guess
  }
  const within = (mount: string) => dir === mount || dir.startsWith(mount.endsWith('/') ? mount : `${mount}/`);
  const best = (await si.fsSize()).filter((f) => within(f.mount)).sort((a, b) => b.mount.length - a.mount.length)[0];
  return best && { mount: best.mount, size_bytes: best.size, available_bytes: best.available };
}

/** Lines for envi after ZooKeeper's own: host.* = what the machine is. */
export async function hostEnvironment(dataDir: string): Promise<Array<[string, string]>> {
  const [cpu, mem, os, fs] = await Promise.all([si.cpu(), si.mem(), si.osInfo(), dataDirFilesystem(dataDir)]);
  const mb = (n: number) => `${Math.round(n / 1048576)}MB`;
  return [
    ['host.os', `${os.distro} ${os.release}`.trim()],
    ['host.cpu.model', `${cpu.manufacturer} ${cpu.brand}`.trim()],
    ['host.cpu.cores', String(cpu.cores)],
    ['host.memory.total', mb(mem.total)],
    ['host.memory.available', mb(mem.available)],
    ['host.datadir.mount', fs?.mount ?? '<NA>'],
    ['host.datadir.size', fs ? mb(fs.size_bytes) : '<NA>'],
    ['host.datadir.available', fs ? mb(fs.available_bytes) : '<NA>'],
  ];
}

/** Gauges for /metrics: name, help, and how to read it. */
export function hostGauges(dataDir: string): Array<[string, string, () => Promise<number | undefined>]> {
  return [
    ['host_cpu_usage_ratio', 'share of all CPUs busy since the last reading (0-1)', async () => (await si.currentLoad()).currentLoad / 100],
    ['host_memory_total_bytes', 'physical memory of the host', async () => (await si.mem()).total],
    ['host_memory_available_bytes', 'memory available for new work on the host', async () => (await si.mem()).available],
    ['host_datadir_filesystem_size_bytes', 'size of the filesystem holding dataDir', async () => (await dataDirFilesystem(dataDir))?.size_bytes],
    ['host_datadir_filesystem_available_bytes', 'space left on the filesystem holding dataDir', async () => (await dataDirFilesystem(dataDir))?.available_bytes],
  ];
}
