/** Argument parsers for the catalogue's commands (commander calls them; a bad value is a usage error). */
import { InvalidArgumentError } from 'commander';
import { parseSize } from '../../shared/units.ts';

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };
const MAX_PORT = 65535;

/** A duration such as `60s`, `5m`, `1h`, `500ms` or plain seconds, in milliseconds. */
export function durationOption(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/.exec(text);
  if (!m) throw new InvalidArgumentError('a duration like 60s, 5m, 1h or 500ms');
  const ms = Math.round(Number(m[1]) * DURATION_UNITS_MS[m[2] ?? 's']!);
  if (ms <= 0) throw new InvalidArgumentError('a duration above zero');
  return ms;
}

/** A size such as `512MB` or `64KiB`, in bytes. */
export function sizeOption(text: string): number {
  const bytes = parseSize(text);
  if (bytes === null || bytes <= 0) throw new InvalidArgumentError('a size like 512MB or 64KiB');
  return bytes;
}

/** A TCP/UDP port, 0 for any free one. */
export function portOption(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > MAX_PORT) throw new InvalidArgumentError(`a port from 0 to ${MAX_PORT}`);
  return n;
}

/** A comma-separated list of `host:port` DHT nodes. */
export function nodeListOption(text: string): string[] {
  const nodes = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of nodes) {
    const m = /^(.+):(\d+)$/.exec(n);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > MAX_PORT) throw new InvalidArgumentError(`"${n}" is not host:port`);
  }
  if (nodes.length === 0) throw new InvalidArgumentError('at least one host:port');
  return nodes;
}

/** A whole number within [min, max] (a count such as peers per address). */
export function countOption(min: number, max: number): (text: string) => number {
  return (text: string) => {
    const n = Number(text);
    if (!/^\s*\d+\s*$/.test(text) || n < min || n > max) throw new InvalidArgumentError(`a whole number from ${min} to ${max}`);
    return n;
  };
}
