/**
 * The one grammar for sizes, rates and durations, used by every flag, configuration file and
 * recipe, and the matching formatters that print defaults the way a person writes them.
 *
 * - Sizes: `500M`, `500MB`, `1G`, `1GB`, `1GiB`, `64KiB`, `1T`. SI prefixes (k, M, G, T, P, with
 *   or without a trailing B) are powers of ten, IEC ones (KiB, MiB, ...) powers of two, as in
 *   disk tools. A trailing `B` alone means bytes.
 * - Rates: bits per second (`25Mbps`, `25Mbit/s`) or bytes per second (`3MB/s`, `2MiB/s`);
 *   `0` means no limit.
 * - Durations: `500ms`, `90s`, `10m` (or `10min`), `2h`, `1d`, and sums such as `1h30m`.
 *
 * The rule for bare numbers is the same everywhere: a bare number is refused (with a message
 * asking for a unit), except `0` where zero means "none" (a rate cap). Data files that carry
 * plain numbers of bytes (a recipe's `volumeSize: 4000000000`) pass them as numbers, not text.
 */

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  p: 1e15,
  pb: 1e15,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  pib: 2 ** 50,
};

const NUMBER_WITH_UNIT = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z/]*)\s*$/;

/** True for text that is a plain number with no unit (`120`, `2.5`), which the grammar refuses. */
export function isBareNumber(text: string): boolean {
  return /^\s*\d+(?:\.\d+)?\s*$/.test(text);
}

/**
 * Parses a size such as `50GB`, `1G`, `512 MiB` into bytes; returns null when the text is
 * not a size or has no unit. A number (from JSON or YAML) is taken as bytes.
 */
export function parseSize(text: string | number): number | null {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text >= 0 ? text : null;
  const m = NUMBER_WITH_UNIT.exec(text);
  if (!m || !m[2]) return null;
  const factor = SIZE_UNITS[m[2].toLowerCase()];
  if (factor === undefined) return null;
  const bytes = Math.round(Number(m[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** A size for people: `1.23 GB`, `512 kB` (SI, as disk tools print them). */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let i = -1;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[i]}`;
}

const SI_SIZES = [['TB', 1e12], ['GB', 1e9], ['MB', 1e6], ['kB', 1e3]] as const;
const IEC_SIZES = [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const;

/** A size as it would be typed on the command line: `4GB`, `512MiB`, `1.5GB` (exact where it can be). */
export function formatSizeShort(bytes: number): string {
  for (const [unit, factor] of SI_SIZES) if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  for (const [unit, factor] of IEC_SIZES) if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  for (const [unit, factor] of SI_SIZES) if (bytes >= factor) return `${+(bytes / factor).toFixed(2)}${unit}`;
  return `${bytes}B`;
}

const BITS_PER_BYTE = 8;
const RATE_PREFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, ki: 2 ** 10, mi: 2 ** 20, gi: 2 ** 30 };

/**
 * Parses a transfer rate into bytes per second: `25Mbps`, `25Mbit/s` (bits), `3MB/s`,
 * `500kB/s`, `2MiB/s` (bytes); `0` means no limit. Returns null when the text is not a
 * rate (a bare number other than 0 included).
 */
export function parseRate(text: string): number | null {
  if (/^\s*0+(?:\.0+)?\s*$/.test(text)) return 0;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?)?(bps|bit\/s|b\/s)\s*$/i.exec(text);
  if (!m) return null;
  const factor = RATE_PREFIX[(m[2] ?? '').toLowerCase()]!;
  const unit = m[3]!;
  // Case carries the meaning, as people write it: `Mbps`/`Mb/s` are bits, `MBps`/`MB/s` bytes.
  const bits = /^bit\/s$/i.test(unit) || unit === 'bps' || unit === 'b/s';
  const value = Number(m[1]) * factor;
  return Math.round(bits ? value / BITS_PER_BYTE : value);
}

/** A rate for people, as it would be typed: `25Mbps`, `3MB/s`, `0` (no limit). */
export function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond === 0) return '0';
  const bits = bytesPerSecond * BITS_PER_BYTE;
  for (const [prefix, factor] of [['G', 1e9], ['M', 1e6], ['k', 1e3]] as const) {
    if (bits >= factor && bits % (factor / 100) === 0) return `${+(bits / factor).toFixed(2)}${prefix}bps`;
  }
  for (const [prefix, factor] of [['G', 1e9], ['M', 1e6], ['k', 1e3]] as const) {
    if (bytesPerSecond >= factor) return `${+(bytesPerSecond / factor).toFixed(2)}${prefix}B/s`;
  }
  return `${bytesPerSecond}B/s`;
}

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Parses a duration such as `500ms`, `90s`, `10m`, `2h`, `1d` or `1h30m` into milliseconds;
 * returns null when the text is not a duration (a bare number has no unit and is refused).
 */
export function parseDuration(text: string): number | null {
  const compact = text.trim().toLowerCase();
  if (!/^(\d+(?:\.\d+)?\s*(ms|sec|min|s|m|h|d)\s*)+$/.test(compact)) return null;
  let ms = 0;
  for (const part of compact.matchAll(/(\d+(?:\.\d+)?)\s*(ms|sec|min|s|m|h|d)/g)) ms += Number(part[1]) * DURATION_UNITS_MS[part[2]!]!;
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

/** A duration as it would be typed on the command line: `2m`, `90s`, `1h30m`, `500ms`, `1d`. */
export function formatDurationShort(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000 || ms % 1000 !== 0) return `${ms}ms`;
  let rest = ms / 1000;
  const parts: string[] = [];
  for (const [unit, seconds] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= seconds) {
      parts.push(`${Math.floor(rest / seconds)}${unit}`);
      rest %= seconds;
    }
  }
  return parts.join('');
}

/** A duration for people reading a report: `1 h 02 min`, `3.4 s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalMin = Math.floor(ms / 60_000);
  if (totalMin < 60) return `${totalMin} min ${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')} s`;
  return `${Math.floor(totalMin / 60)} h ${String(totalMin % 60).padStart(2, '0')} min`;
}
