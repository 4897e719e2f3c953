// Bundles the executable's entry into one CommonJS file (dist/zookeeper-ts.cjs).
// The single-file binary (Node SEA) is made from this bundle by scripts/sea.sh.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: 'dist/zookeeper-ts.cjs',
  define: { ZOOKEEPER_TS_VERSION: JSON.stringify(version) },
  banner: { js: '#!/usr/bin/env node' },
  sourcemap: false,
  logLevel: 'warning',
});
