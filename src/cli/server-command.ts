// `zookeeper-ts server [zoo.cfg]`: load and validate the config (before touching dataDir),
// start the standalone server or the ensemble member, stop it cleanly on SIGTERM/SIGINT.
import { ConfigError, defaultConfig, loadConfig } from '../config/server-config';
import { createLogger, levelFromEnvironment, type Level, type Logger } from '../log/logger';
import { startQuorumPeer } from '../quorum/quorum-peer-main';
import { startStandalone } from '../server/standalone';

export async function runServer(cfgFile: string | undefined): Promise<number> {
  let level: Level;
  try {
    level = levelFromEnvironment();
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const log = createLogger('server', level);
  let config;
  try {
    config = cfgFile === undefined ? defaultConfig() : loadConfig(cfgFile);
  } catch (e) {
    if (e instanceof ConfigError) {
      log.error(e.message);
      return 2;
    }
    throw e;
  }
  for (const w of config.warnings) log.warn(w);
  exitOnUnexpectedError(log);

  let server;
  try {
    server = config.standaloneMode ? await startStandalone(config, log) : await startQuorumPeer(config, log);
  } catch (e) {
    log.error(e instanceof Error ? e.message : String(e));
    return 1;
  }
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info(`received ${signal}, shutting down`);
      resolve();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  // Shutdown must end: a peer that never closes its side, or a stray timer, must not keep
  // a stopped server alive (an init script would then have to SIGKILL it).
  const watchdog = setTimeout(() => {
    log.warn(`shutdown still waiting after ${SHUTDOWN_GRACE_ms} ms on ${process.getActiveResourcesInfo().join(', ')}; exiting`);
    process.exit(0);
  }, SHUTDOWN_GRACE_ms);
  watchdog.unref();
  await server.stop();
  log.info('shut down');
  return 0;
}

const SHUTDOWN_GRACE_ms = 5000;

/** The exit status after an error nothing handled: not 0, so systemd (Restart=on-failure) starts us again. */
const UNEXPECTED_ERROR_EXIT_STATUS = 70; // EX_SOFTWARE

/**
 * The last resort. Every place that answers a client is guarded (an error there closes
 * that connection only), so an error that gets here is outside any one request: the
 * server's state is unknown. Say so in one line and exit rather than serve on from it.
 */
function exitOnUnexpectedError(log: Logger): void {
  const fatal = (kind: string) => (e: unknown) => {
    const why = e instanceof Error ? (e.stack ?? e.message).replace(/\n\s*/g, ' ') : String(e);
    log.error(`${kind}, exiting with status ${UNEXPECTED_ERROR_EXIT_STATUS}: ${why}`);
    process.exit(UNEXPECTED_ERROR_EXIT_STATUS);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled promise rejection'));
}
