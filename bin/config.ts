import os from 'node:os';
import path from 'node:path';
import { SeedbankError } from '../shared/errors.ts';
import { LOG_FORMATS, type LogFormat } from '../shared/log.ts';

/**
 * The one place that reads the environment. Each setting has a flag; the variable is the
 * fallback for daemons and cron jobs that cannot pass flags easily.
 */
export interface EnvConfig {
  contact?: string;
  logLevel: string;
  /** SEEDBANK_LOG_FORMAT: json, pretty, or auto (pretty on a terminal, JSON otherwise). */
  logFormat: LogFormat;
  dataDir?: string;
  storage?: string;
}

/** Reads the SEEDBANK_* variables. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const logLevel = env.SEEDBANK_LOG_LEVEL ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) {
    throw new SeedbankError('CONFIG_INVALID', `SEEDBANK_LOG_LEVEL is "${logLevel}"`, { hint: 'use one of trace, debug, info, warn, error, silent' });
  }
  const logFormat = (env.SEEDBANK_LOG_FORMAT || 'auto') as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) {
    throw new SeedbankError('CONFIG_INVALID', `SEEDBANK_LOG_FORMAT is "${logFormat}"`, {
      hint: 'use json (one JSON object a line), pretty (short human lines) or auto (pretty on a terminal, JSON otherwise)',
    });
  }
  return { contact: env.SEEDBANK_CONTACT || undefined, logLevel, logFormat, dataDir: env.SEEDBANK_DATA || undefined, storage: env.SEEDBANK_STORAGE || undefined };
}

/** A value from a flag or the environment, or a clear error naming both (shared with every part's cli.ts). */
export { required } from '../shared/cli-args.ts';

/**
 * Where the seeder's first-run wizard writes its settings and where `seedbank seed` looks for
 * them by default: $XDG_CONFIG_HOME/seedbank/seeder.yaml, else ~/.config/seedbank/seeder.yaml.
 */
export function seederConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'seedbank', 'seeder.yaml');
}
