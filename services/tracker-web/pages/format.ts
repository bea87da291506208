// Small formatting helpers for the pages: sizes, counts, UTC dates, relative times and risk.
import { formatSize } from '../../../shared/units.ts';

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;
/** Under this age a time reads "just now": clocks of census and page differ by seconds. */
const JUST_NOW_MS = 45 * MS_PER_SECOND;
/** Past this age a relative time is less useful than the date itself. */
const RELATIVE_LIMIT_MS = 60 * MS_PER_DAY;

/** Risk score at or above which a set is "at risk" (some files well under target). */
export const RISK_HIGH = 0.66;
/** Risk score at or above which a set needs watching. */
export const RISK_MEDIUM = 0.33;

/** A size for people in SI units (`1.20 TB`), the units disk tools show. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  return formatSize(Math.round(bytes));
}

/**
 * One formatter for every count: `toLocaleString('en-US')` builds a new one per call, and the
 * first builds load the locale data (about 70 ms of the first home page after start-up).
 */
const COUNT_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A count with thousands separators (`12,345`), fixed to one locale so pages are stable. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? COUNT_FORMAT.format(Math.round(n)) : '–';
}

/** A share as a percentage with one decimal under 10 % (`3.5 %`, `42 %`). */
export function formatPercent(part: number, whole: number): string {
  if (!(whole > 0)) return '0 %';
  const pct = (100 * part) / whole;
  return `${pct < 10 && pct > 0 ? pct.toFixed(1) : Math.round(pct)} %`;
}

/** A median may be fractional (x.5); shows it without trailing zeros. */
export function formatCopies(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function toDate(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The canonical UTC ISO form for `<time datetime>`; '' when the input is not a date. */
export function isoUtc(iso: string): string {
  return toDate(iso)?.toISOString() ?? '';
}

/** A UTC date and minute in ISO order for people: `2025-03-01 12:00 UTC`. */
export function formatUtc(iso: string): string {
  const d = toDate(iso);
  if (!d) return 'unknown date';
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/** A UTC calendar date: `2025-03-01`. */
export function formatUtcDate(iso: string): string {
  return toDate(iso)?.toISOString().slice(0, 10) ?? 'unknown date';
}

/** "3 min ago", "in 2 h", or the date when too far; `now` is injected for stable tests. */
export function formatRelative(iso: string, now: string | Date): string {
  const d = toDate(iso);
  const ref = typeof now === 'string' ? toDate(now) : now;
  if (!d || !ref) return 'unknown time';
  const delta = ref.getTime() - d.getTime();
  const age = Math.abs(delta);
  if (age < JUST_NOW_MS) return 'just now';
  if (age >= RELATIVE_LIMIT_MS) return formatUtcDate(iso);
  let amount: string;
  if (age < MS_PER_HOUR) amount = `${Math.max(1, Math.round(age / MS_PER_MINUTE))} min`;
  else if (age < MS_PER_DAY) amount = `${Math.round(age / MS_PER_HOUR)} h`;
  else {
    const days = Math.round(age / MS_PER_DAY);
    amount = `${days} ${days === 1 ? 'day' : 'days'}`;
  }
  return delta >= 0 ? `${amount} ago` : `in ${amount}`;
}

export type RiskLevel = 'high' | 'medium' | 'low';

/** The level of a 0..1 risk score, used for the badge colour. */
export function riskLevel(score: number): RiskLevel {
  if (score >= RISK_HIGH) return 'high';
  if (score >= RISK_MEDIUM) return 'medium';
  return 'low';
}

const RISK_LABELS: Record<RiskLevel, string> = { high: 'At risk', medium: 'Watch', low: 'Healthy' };

/** A label for a 0..1 risk score: "At risk", "Watch" or "Healthy". */
export function riskLabel(score: number): string {
  return RISK_LABELS[riskLevel(score)];
}

/** "1 file", "3 files": plural by count. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
