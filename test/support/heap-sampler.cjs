// Preloaded into a server (node --require) by tests that count what the server allocates:
// V8's sampling heap profiler, counting objects already collected too (what a request
// leaves behind for the young-generation GC is the point). On SIGUSR2 it writes the bytes
// sampled so far to the file named by ZKTS_HEAP_SAMPLE_OUT and starts counting afresh.
'use strict';
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');

/** One sample per 4 KiB allocated on average: ±2% on the ~100 MB a test's writes allocate. */
const SAMPLING_INTERVAL_bytes = 4096;
const session = new inspector.Session();
session.connect();
const start = () =>
  session.post('HeapProfiler.startSampling', { samplingInterval: SAMPLING_INTERVAL_bytes, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
session.post('HeapProfiler.enable', start);
process.on('SIGUSR2', () => {
  session.post('HeapProfiler.stopSampling', (err, result) => {
    let bytes = 0;
    const walk = (node) => {
      bytes += node.selfSize;
      for (const c of node.children) walk(c);
    };
    if (!err) walk(result.profile.head);
    writeFileSync(process.env.ZKTS_HEAP_SAMPLE_OUT, JSON.stringify(err ? { error: String(err.message) } : { bytes }));
    start();
  });
});
