// The server's Mode as the service manager's status text: under systemd (NOTIFY_SOCKET
// set) `systemctl status zookeeper` — which is what `service zookeeper status` runs on a
// systemd host — shows `Status: "Mode: follower"`, as `zkServer.sh status` prints the Mode.
//
// NOTIFY_SOCKET is a unix datagram socket, which Node cannot write to: systemd-notify sends
// the message (the unit has NotifyAccess=all). systemd (before 254) drops a message whose
// sender is already gone, as it finds the unit from the sender's pid: the sender is started
// under a `sleep` that never reaps it, so it stays there (a zombie) for NOTIFY_HOLD_s.
import { spawn } from 'node:child_process';
import type { Logger } from '../log/logger';

/** Long enough for systemd to read the datagram on a loaded host; a zombie costs nothing. */
const NOTIFY_HOLD_s = 2;

export type ServiceMode = 'standalone' | 'leader' | 'follower' | 'observer' | 'looking';

export interface ServiceStatus {
  report(mode: ServiceMode): void;
}

/** The status text for a mode: what `srvr` says (Mode: ...), or why there is none. */
export function statusText(mode: ServiceMode): string {
  return mode === 'looking' ? 'Not serving: electing a leader' : `Mode: ${mode}`;
}

/** A ServiceStatus that tells systemd, or nothing when the server does not run under it. */
export function serviceStatus(log: Logger, env: NodeJS.ProcessEnv = process.env): ServiceStatus {
  if (!env.NOTIFY_SOCKET) return { report: () => undefined };
  // One sender at a time, so that the last mode reported is the one systemd shows; a mode
  // reported while one is being sent replaces any still waiting.
  let sending = false;
  let waiting: ServiceMode | undefined;
  let failed = false;
  const send = (mode: ServiceMode) => {
    sending = true;
    const child = spawn('/bin/sh', ['-c', `systemd-notify --status="$1" & exec sleep ${NOTIFY_HOLD_s}`, 'sh', statusText(mode)], { stdio: 'ignore' });
    child.on('error', (e) => done(e.message));
    // A signal is the unit stopping (systemd ends every process of it), not a failure to tell.
    child.on('exit', (code, signal) => done(code === 0 || signal !== null ? undefined : `exit status ${code}`));
    child.unref();
  };
  const done = (error: string | undefined) => {
    if (error && !failed) {
      failed = true; // once: a host without systemd-notify would say so on every election
      log.warn(`cannot tell systemd the Mode (systemd-notify: ${error})`);
    }
    sending = false;
    const next = waiting;
    waiting = undefined;
    if (next) send(next);
  };
  return {
    report(mode) {
      if (sending) waiting = mode;
      else send(mode);
    },
  };
}
