import { writeSync } from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { terminalLine } from './terminal-line.ts';

export type { Logger };

/** How log lines look: `json` (one object a line), `pretty` (short human lines), `auto` (pretty on a terminal). */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** The values SEEDBANK_LOG_FORMAT accepts. */
export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'pretty'];

/** Where log text goes: a file descriptor by default, any writer in tests. */
export interface LogSink {
  write(text: string): void;
  isTTY?: boolean;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level: trace, debug, info, warn, error. Default info. */
  level?: string;
  /** Component name, added to every line as `component`. */
  component?: string;
  /** Write to this file descriptor (default 2, stderr, so stdout stays for results). */
  fd?: number;
  /** Write here instead of `fd` (tests). */
  sink?: LogSink;
  /** Line format; default `auto`: pretty when the sink is a terminal, JSON otherwise. */
  format?: LogFormat;
}

/** Decides the line format: JSON for pipes, files and journald; human lines for a person at a terminal. */
export function resolveLogFormat(format: LogFormat, isTTY: boolean): 'json' | 'pretty' {
  return format === 'auto' ? (isTTY ? 'pretty' : 'json') : format;
}

/** A logger: JSON lines for machines, short human lines on a terminal; library code takes one as a parameter. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const fd = options.fd ?? 2;
  const sink: LogSink = options.sink ?? { write: (text) => void writeSync(fd, text), isTTY: process.stderr.isTTY && fd === 2 };
  const format = resolveLogFormat(options.format ?? 'auto', Boolean(sink.isTTY));
  const pretty =
    format === 'pretty'
      ? prettyFactory({ colorize: Boolean(sink.isTTY), singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', errorLikeObjectKeys: ['err'] })
      : undefined;
  const level = options.level ?? 'info';
  // On a terminal an error is its message on the log line; its stack and causes only at debug.
  const withStacks = level === 'debug' || level === 'trace';
  // A progress bar owns the last terminal line: clear it, write the log line, draw it again below.
  const destination: DestinationStream = {
    write(line: string) {
      const text = pretty ? pretty(withStacks ? line : errorsInShort(line)) : line;
      terminalLine.around(() => sink.write(text));
    },
  };
  const logger = pino({ level, base: undefined }, destination);
  return options.component ? logger.child({ component: options.component }) : logger;
}

/** Replaces a logged error object (`err`) by its message and hint (`error`, a string on the same line) for a one-line human entry. */
export function errorsInShort(line: string): string {
  if (!line.includes('"err":{')) return line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const err = entry.err as { message?: unknown; hint?: unknown } | null;
    if (!err || typeof err !== 'object') return line;
    const message = typeof err.message === 'string' ? err.message : JSON.stringify(err);
    delete entry.err;
    entry.error = typeof err.hint === 'string' && err.hint ? `${message} (${err.hint})` : message;
    return JSON.stringify(entry);
  } catch {
    return line;
  }
}

/** A logger that drops everything: the default for library code called without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
