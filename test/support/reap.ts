// Servers a test starts die with the test process. A test that times out is abandoned by
// the runner (--test-force-exit ends the process), its finally blocks never run, and its
// members lived on: a later run found a whole Apache ensemble still serving on the
// addresses its test uses. On exit, every child still running is SIGKILLed.
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
let hooked = false;

/** Kills `child` when this process exits, unless it exited first. */
export function reapOnExit(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
}
