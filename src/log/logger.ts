// The server's log: one event per line — time, level, component, message — INFO and
// DEBUG to stdout, WARN and ERROR to stderr. Under systemd both go to the journal; the
// SysV init script appends both to /var/log/zookeeper/zookeeper.log (rotated by
// logrotate). The level comes from ZOO_LOG4J_PROP, as Apache ZooKeeper's scripts set it
// ("INFO,CONSOLE": the level is its first part).

export const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type Level = (typeof LEVELS)[number];

export interface Logger {
  debug(line: string): void;
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
  /** The same log, for another component. */
  child(component: string): Logger;
}

export interface LogSink {
  out(line: string): void;
  err(line: string): void;
}

const consoleSink: LogSink = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

export function createLogger(component: string, level: Level = 'INFO', sink: LogSink = consoleSink): Logger {
  const threshold = LEVELS.indexOf(level);
  const emit = (l: Level, message: string) => {
    if (LEVELS.indexOf(l) < threshold) return;
    const line = `${new Date().toISOString()} ${l.padEnd(5)} [${component}] ${message}`;
    if (l === 'WARN' || l === 'ERROR') sink.err(line);
    else sink.out(line);
  };
  return {
    debug: (m) => emit('DEBUG', m),
    info: (m) => emit('INFO', m),
    warn: (m) => emit('WARN', m),
    error: (m) => emit('ERROR', m),
    child: (c) => createLogger(c, level, sink),
  };
}

/** The level ZOO_LOG4J_PROP asks for ("WARN,ROLLINGFILE" → WARN); INFO when unset. */
export function levelFromEnvironment(env: NodeJS.ProcessEnv = process.env): Level {
  const value = env.ZOO_LOG4J_PROP;
  if (value === undefined || value.trim() === '') return 'INFO';
  const level = value.split(',')[0]!.trim().toUpperCase();
  if ((LEVELS as readonly string[]).includes(level)) return level as Level;
  throw new Error(`ZOO_LOG4J_PROP=${value}: the level (before the first comma) must be one of ${LEVELS.join(', ')}`);
}
