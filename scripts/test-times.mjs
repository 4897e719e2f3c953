// A second reporter for `npm test`: each test file's wall time, appended to the file named by
// TEST_TIMES_FILE as the file completes (scripts/test.sh prints them sorted at the end), so
// the run's time budget (15 minutes on CI's 2 cores) stays visible in every log. Written as
// each file completes because --test-force-exit ends the runner before a reporter's end.
import { appendFileSync } from 'node:fs';

export default async function* testTimes(source) {
  const out = process.env.TEST_TIMES_FILE;
  for await (const event of source) {
    const { file, name, details } = event.data ?? {};
    if (out && event.type === 'test:complete' && file && name === file && details) {
      appendFileSync(out, `${(details.duration_ms / 1000).toFixed(1)}\t${file.replace(`${process.cwd()}/`, '')}\n`);
    }
  }
}
