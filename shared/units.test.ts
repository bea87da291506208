import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { durationOption, rateOption, sizeArg, durationArg, durationOrZeroArg, rateArg } from './cli-args.ts';
import { formatDurationShort, formatRate, formatSizeShort, parseDuration, parseRate, parseSize } from './units.ts';

describe('the one argument grammar', () => {
  it('reads sizes with or without the B, SI and IEC', () => {
    expect(parseSize('1G')).toBe(1e9);
    expect(parseSize('1GB')).toBe(1e9);
    expect(parseSize('1GiB')).toBe(2 ** 30);
    expect(parseSize('500M')).toBe(5e8);
    expect(parseSize('500MB')).toBe(5e8);
    expect(parseSize('64 KiB')).toBe(65536);
    expect(parseSize('1.5T')).toBe(1.5e12);
    expect(parseSize('12B')).toBe(12);
    expect(parseSize(4096)).toBe(4096);
    expect(parseSize('4096')).toBeNull();
    expect(parseSize('12 parsecs')).toBeNull();
  });

  it('reads rates in bits and bytes per second, and 0 for none', () => {
    expect(parseRate('25Mbps')).toBe(3_125_000);
    expect(parseRate('25Mbit/s')).toBe(3_125_000);
    expect(parseRate('3MB/s')).toBe(3_000_000);
    expect(parseRate('3MBps')).toBe(3_000_000);
    expect(parseRate('500kB/s')).toBe(500_000);
    expect(parseRate('2MiB/s')).toBe(2 * 2 ** 20);
    expect(parseRate('1Gbps')).toBe(125_000_000);
    expect(parseRate('0')).toBe(0);
    expect(parseRate('3000000')).toBeNull();
    expect(parseRate('fast')).toBeNull();
  });

  it('reads durations with a unit and refuses a bare number', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('10min')).toBe(600_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('120')).toBeNull();
    expect(parseDuration('soon')).toBeNull();
  });

  it('prints values the way they are typed, and reads them back', () => {
    for (const ms of [500, 90_000, 120_000, 600_000, 3_600_000, 5_400_000, 86_400_000]) expect(parseDuration(formatDurationShort(ms))).toBe(ms);
    expect(formatDurationShort(120_000)).toBe('2m');
    expect(formatDurationShort(5_400_000)).toBe('1h30m');
    for (const r of [3_125_000, 3_000_000, 500_000, 125_000_000]) expect(parseRate(formatRate(r))).toBe(r);
    expect(formatRate(3_125_000)).toBe('25Mbps');
    for (const b of [4e9, 512 * 2 ** 20, 1024, 12]) expect(parseSize(formatSizeShort(b))).toBe(b);
    expect(formatSizeShort(512 * 2 ** 20)).toBe('512MiB');
  });

  it('refuses a bare number on the command line with a message asking for a unit', () => {
    expect(() => durationArg('120')).toThrow(/no unit.*90s, 10m/);
    expect(() => sizeArg('1000')).toThrow(/no unit.*1G/);
    expect(() => rateArg('3000')).toThrow(/no unit.*25Mbps/);
    expect(() => durationArg('0s')).toThrow(/longer than zero/);
    expect(() => durationArg('soon')).toThrow(/not a duration/);
    // Where zero means "none" (the catalogue's --start-warm-up): 0 with or without a unit, the rest as durations.
    expect(durationOrZeroArg('0')).toBe(0);
    expect(durationOrZeroArg('0s')).toBe(0);
    expect(durationOrZeroArg('2s')).toBe(2_000);
    expect(() => durationOrZeroArg('5')).toThrow(/no unit/);
    expect(() => durationOrZeroArg('-1s')).toThrow(/not a duration/);
  });

  it('shows defaults in human units in help', () => {
    const cmd = new Command('x')
      .addOption(durationOption('--stall-timeout <duration>', 'stall', 120_000))
      .addOption(rateOption('--max-rate <rate>', 'cap', 3_125_000));
    const help = cmd.helpInformation();
    expect(help).toMatch(/--stall-timeout <duration>\s+stall \(default: 2m\)/);
    expect(help).toMatch(/--max-rate <rate>\s+cap \(default: 25Mbps\)/);
    cmd.parse(['--stall-timeout', '90s'], { from: 'user' });
    expect(cmd.opts()).toEqual({ stallTimeout: 90_000, maxRate: 3_125_000 });
  });
});
