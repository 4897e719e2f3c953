// `--baseline-env 'K=V K2=V2'`, shared by the benchmarks that run this build again under
// other environment (glibc's MALLOC_* settings are read only as a process starts).

/** Space-separated KEY=VALUE entries → an environment to add to a server's. */
export function parseEnvList(option: string, list: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of list.split(' ').filter((x) => x !== '')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`${option}: each entry is KEY=VALUE, got ${kv}`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}
