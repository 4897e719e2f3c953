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

/** A fact, or undefined when the host will not tell (a tool missing, a restricted /proc). */
async function maybe<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

/** Lines for envi after ZooKeeper's own: host.* = what the machine is ("<NA>" where unknown, as ZooKeeper's). */
export async function hostEnvironment(dataDir: string): Promise<Array<[string, string]>> {
  const [cpu, mem, os, fs] = await Promise.all([maybe(() => si.cpu()), maybe(() => si.mem()), maybe(() => si.osInfo()), maybe(() => dataDirFilesystem(dataDir))]);
  const mb = (n: number) => `${Math.round(n / 1048576)}MB`;
  return [
    ['host.os', os ? `${os.distro} ${os.release}`.trim() : '<NA>'],
    ['host.cpu.model', cpu ? `${cpu.manufacturer} ${cpu.brand}`.trim() : '<NA>'],
    ['host.cpu.cores', cpu ? String(cpu.cores) : '<NA>'],
    ['host.memory.total', mem ? mb(mem.total) : '<NA>'],
    ['host.memory.available', mem ? mb(mem.available) : '<NA>'],
    ['host.datadir.mount', fs?.mount ?? '<NA>'],
    ['host.datadir.size', fs ? mb(fs.size_bytes) : '<NA>'],
    ['host.datadir.available', fs ? mb(fs.available_bytes) : '<NA>'],
  ];
}

/** How long one reading of the host serves: a scrape reads five gauges from one reading. */
const READING_TTL_ms = 1000;

/** Gauges for /metrics: name, help, and how to read it. */
export function hostGauges(dataDir: string): Array<[string, string, () => Promise<number | undefined>]> {
  let reading: { at: number; facts: ReturnType<typeof readHost> } | undefined;
  // One df, one /proc/meminfo, one load reading per scrape, not one per gauge.
  const read = () => {
    if (!reading || Date.now() - reading.at > READING_TTL_ms) reading = { at: Date.now(), facts: readHost(dataDir) };
    return reading.facts;
  };
  return [
    ['host_cpu_usage_ratio', 'share of all CPUs busy since the last reading (0-1)', async () => (await read()).cpuRatio],
    ['host_memory_total_bytes', 'physical memory of the host', async () => (await read()).mem?.total],
    ['host_memory_available_bytes', 'memory available for new work on the host', async () => (await read()).mem?.available],
    ['host_datadir_filesystem_size_bytes', 'size of the filesystem holding dataDir', async () => (await read()).fs?.size_bytes],
    ['host_datadir_filesystem_available_bytes', 'space left on the filesystem holding dataDir', async () => (await read()).fs?.available_bytes],
  ];
}

async function readHost(dataDir: string) {
  const [load, mem, fs] = await Promise.all([maybe(() => si.currentLoad()), maybe(() => si.mem()), maybe(() => dataDirFilesystem(dataDir))]);
  return { cpuRatio: load && load.currentLoad / 100, mem, fs };
}
