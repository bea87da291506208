/** Days of the month on which Wikimedia starts its full XML dump runs. */
const DUMP_RUN_DAYS = [1, 20] as const;

/**
 * The dump run a snapshot lines up with: the first run starting on or after the build
 * (`YYYYMMDD`), whose dumps will contain every revision the build saw.
 */
export function dumpRunFor(builtAt: Date): string {
  const y = builtAt.getUTCFullYear();
  const m = builtAt.getUTCMonth();
  const d = builtAt.getUTCDate();
  const day = DUMP_RUN_DAYS.find((run) => run >= d);
  const run = day !== undefined ? new Date(Date.UTC(y, m, day)) : new Date(Date.UTC(y, m + 1, DUMP_RUN_DAYS[0]));
  return run.toISOString().slice(0, 10).replace(/-/g, '');
}
