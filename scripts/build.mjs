// `npm run build`: bundles the executable's entry into one CommonJS file with esbuild
// (dist/zookeeper-ts.cjs), then makes that bundle a single executable, dist/zookeeper-ts,
// with Node's own single-executable-application support: a copy of this node binary with
// the bundle injected by postject. Both steps work offline. `--bundle-only` stops after the
// bundle (the tests run the bundle with node; only the packaging tests need the binary).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
const bundleOnly = process.argv.includes('--bundle-only');

// The snapshot reader's worker (src/persistence/snapshot-reader.ts) runs from text the
// bundle carries: a single executable has no second file to start a worker from.
const worker = await build({
  entryPoints: [`${root}/src/persistence/snapshot-reader-worker.ts`],
  bundle: true,
  platform: 'node',
  target: 'node20',
  // One expression: the worker's start wraps it in a try.
  format: 'iife',
  write: false,
  logLevel: 'warning',
});

await build({
  entryPoints: [`${root}/src/cli/main.ts`],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: `${root}/dist/zookeeper-ts.cjs`,
  define: {
    ZOOKEEPER_TS_VERSION: JSON.stringify(version),
    // ASCII too (see asciiOnly below): the string the bundle holds for the worker stays one byte per char.
    SNAPSHOT_READER_WORKER_SOURCE: JSON.stringify(asciiOnly(worker.outputFiles[0].text)),
  },
  banner: { js: '#!/usr/bin/env node' },
  // node-cron's ESM build looks up import.meta.url at load time, which a CommonJS bundle
  // does not have; its CommonJS build does the same with __dirname.
  alias: { 'node-cron': './node_modules/node-cron/dist/node-cron.cjs' },
  // Only the sources, run through tsx, start the snapshot reader's worker with it.
  external: ['tsx'],
  sourcemap: false,
  logLevel: 'warning',
});

// V8 keeps a script's source for as long as it runs, one byte per char only when every char
// is Latin-1: the 21 non-ASCII chars left in the bundle (in comments, and a library's regex
// literal) made all 2.4 MB of it two bytes per char, 2.4 MB more of every server's RSS.
// Each is written as the \u escape that means the same in a comment, string, regex or name.
const bundlePath = `${root}/dist/zookeeper-ts.cjs`;
writeFileSync(bundlePath, asciiOnly(readFileSync(bundlePath, 'utf8')));

if (!bundleOnly) {
  const blob = `${root}/dist/sea-prep.blob`;
  const seaConfig = `${root}/dist/sea-config.json`;
  const exe = `${root}/dist/zookeeper-ts`;
  writeFileSync(
    seaConfig,
    JSON.stringify({ main: `${root}/dist/zookeeper-ts.cjs`, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false }),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(exe, { force: true });
  copyFileSync(process.execPath, exe);
  chmodSync(exe, 0o755);
  execFileSync(
    process.execPath,
    [
      `${root}/node_modules/postject/dist/cli.js`,
      exe,
      'NODE_SEA_BLOB',
      blob,
      '--sentinel-fuse',
      'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
    ],
    // postject warns about ELF note sections it does not know on every run; show its
    // output only when it fails.
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  rmSync(blob);
  rmSync(seaConfig);
}

/** `text` with every char past ASCII as its \uXXXX escape (UTF-16 units: a pair for an astral char). */
function asciiOnly(text) {
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
