const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/**
 * Parses a size such as `50GB`, `512 MiB` or `1048576` into bytes (SI units are powers of
 * ten, IEC units powers of two); returns null when the text is not a size.
 */
export function parseSize(text: string | number): number | null {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text >= 0 ? text : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return null;
  const unit = (m[2] ?? '').toLowerCase() || 'b';
  const factor = SIZE_UNITS[unit];
  if (factor === undefined) return null;
  const bytes = Math.round(Number(m[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** A size for people: `1.23 GB`, `512 KiB` stays in SI for consistency with disk tools. */
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

/** A duration for people: `1 h 02 min`, `3.4 s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalMin = Math.floor(ms / 60_000);
  if (totalMin < 60) return `${totalMin} min ${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')} s`;
  return `${Math.floor(totalMin / 60)} h ${String(totalMin % 60).padStart(2, '0')} min`;
}

const BITS_PER_BYTE = 8;

/**
 * Parses a transfer rate into bytes per second: `25Mbps`, `25Mbit/s` (bits), `3MB/s`,
 * `500kB/s`, `2MiB/s` (bytes); a bare number is bytes per second; `0` means no limit.
 * Returns null when the text is not a rate.
 */
export function parseRate(text: string): number | null {
  if (text.trim() === '0') return 0;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(i?)(bit\/s|bps|bit|b\/s|B\/s|B)?\s*$/i.exec(text);
  if (!m) return null;
  const prefix = (m[2] ?? '').toLowerCase();
  const base = m[3] ? 1024 : 1000;
  const factor = prefix === 'k' ? base : prefix === 'm' ? base ** 2 : prefix === 'g' ? base ** 3 : 1;
  const unit = m[4] ?? 'B/s';
  const value = Number(m[1]) * factor;
  return Math.round(/^(bit|bps|bit\/s)$/i.test(unit) || unit === 'b/s' ? value / BITS_PER_BYTE : value);
}
