/**
 * Argument parsers special to the catalogue's commands (commander calls them; a bad value is
 * a usage error). Sizes, rates, durations and ports use the one grammar in shared/cli-args.ts.
 */
import { InvalidArgumentError } from 'commander';
export { durationArg as durationOption, portArg as portOption, sizeArg as sizeOption } from '../../shared/cli-args.ts';

const MAX_PORT = 65535;
const MAX_CENSUS_CONCURRENCY = 1024;

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

/** Peer audits at once: a whole number from 1 to 1024. */
export function censusConcurrencyOption(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CENSUS_CONCURRENCY) throw new InvalidArgumentError(`"${text}" is not a whole number from 1 to ${MAX_CENSUS_CONCURRENCY}`);
  return n;
}
