import { pino, type Logger } from 'pino';

export type { Logger };

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level: trace, debug, info, warn, error. Default info. */
  level?: string;
  /** Component name, added to every line as `component`. */
  component?: string;
  /** Write to this file descriptor (default 2, stderr, so stdout stays for results). */
  fd?: number;
}

/** A structured (JSON lines) logger; library code takes one as a parameter. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = pino.destination({ fd: options.fd ?? 2, sync: true });
  const logger = pino({ level: options.level ?? 'info', base: undefined }, destination);
  return options.component ? logger.child({ component: options.component }) : logger;
}

/** A logger that drops everything: the default for library code called without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
