/**
 * Commander argument parsers for the one grammar in `units.ts`, shared by every part's
 * `cli.ts`, and options whose defaults print in human units (`(default: 2m)`, not 120000).
 */
import { InvalidArgumentError, Option } from 'commander';
import { SeedbankError } from './errors.ts';
import { formatDurationShort, formatRate, isBareNumber, parseDuration, parseRate, parseSize } from './units.ts';

const MAX_PORT = 65535;

/** A size with a unit (`500MB`, `1G`, `1GiB`), in bytes, above zero. */
export function sizeArg(text: string): number {
  const bytes = parseSize(text);
  if (bytes === null || bytes <= 0) {
    throw new InvalidArgumentError(isBareNumber(text) ? `"${text}" has no unit: write it like 500MB, 1G or 1GiB` : `"${text}" is not a size: write it like 500MB, 1G or 1GiB`);
  }
  return bytes;
}

/** A rate (`25Mbps`, `3MB/s`), in bytes per second; `0` is no limit. */
export function rateArg(text: string): number {
  const rate = parseRate(text);
  if (rate === null) {
    throw new InvalidArgumentError(isBareNumber(text) ? `"${text}" has no unit: write it like 25Mbps or 3MB/s (0 = no limit)` : `"${text}" is not a rate: write it like 25Mbps or 3MB/s (0 = no limit)`);
  }
  return rate;
}

/** A duration with a unit (`500ms`, `90s`, `10m`, `2h`, `1d`), in milliseconds, above zero. */
export function durationArg(text: string): number {
  const ms = parseDuration(text);
  if (ms === 0) throw new InvalidArgumentError(`"${text}" must be longer than zero (the shortest is 1ms)`);
  if (ms === null) {
    throw new InvalidArgumentError(isBareNumber(text) ? `"${text}" has no unit: write it like 90s, 10m, 2h or 1d` : `"${text}" is not a duration: write it like 90s, 10m, 2h or 1d`);
  }
  return ms;
}

/** A duration where zero means "none" (`0` or `0s`); otherwise as durationArg. */
export function durationOrZeroArg(text: string): number {
  return text.trim() === '0' || parseDuration(text) === 0 ? 0 : durationArg(text);
}

/** A TCP/UDP port, 0 for any free one. */
export function portArg(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < 0 || n > MAX_PORT) throw new InvalidArgumentError(`"${text}" is not a port: a whole number from 0 to ${MAX_PORT}`);
  return n;
}

/** A whole number of at least 1. */
export function positiveIntArg(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${text}" is not a whole number of at least 1`);
  return n;
}

/** `--flag <duration>` stored in milliseconds, its default (if any) shown as typed (`2m`, not 120000). */
export function durationOption(flags: string, description: string, defaultMs?: number): Option {
  const option = new Option(flags, description).argParser(durationArg);
  return defaultMs === undefined ? option : option.default(defaultMs, formatDurationShort(defaultMs));
}

/** `--flag <rate>` stored in bytes per second, its default (if any) shown as typed (`25Mbps`). */
export function rateOption(flags: string, description: string, defaultBytesPerSecond?: number): Option {
  const option = new Option(flags, description).argParser(rateArg);
  return defaultBytesPerSecond === undefined ? option : option.default(defaultBytesPerSecond, formatRate(defaultBytesPerSecond));
}

/**
 * A setting from a flag or the environment, or a CONFIG_MISSING error naming both, so a
 * missing setting is never a silent exit. `flag` is written as in help (`--data <dir>`).
 */
export function required<T>(value: T | undefined, flag: string, variable?: string): T {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
    throw new SeedbankError('CONFIG_MISSING', `missing setting ${flag}`, {
      hint: variable ? `pass ${flag} or set ${variable}` : `pass ${flag}`,
    });
  }
  return value;
}
