/**
 * A restore drill as reported by `seedbank drill` (POST /api/drills): validated at the edge
 * with a strict schema, then kept as a record that becomes the home page's DrillSummary.
 */
import { z } from 'zod';
import type { DrillSummary } from '../pages/view-models.ts';
import { setIdSchema } from '../web/params.ts';

/** Longest error text kept from a report (the page shows it; logs have the rest). */
const MAX_ERROR_CHARS = 2000;
/** Most files one drill reports on (the sample size is bounded by the client too). */
const MAX_DRILL_FILES = 1_000_000;

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** The body of POST /api/drills. */
export const drillReportSchema = z.strictObject({
  setId: setIdSchema,
  version: z.number().int().positive(),
  startedAt: z.iso.datetime(),
  ok: z.boolean(),
  filesChecked: count.max(MAX_DRILL_FILES),
  filesOk: count.max(MAX_DRILL_FILES),
  bytes: count,
  seconds: z.number().nonnegative().finite(),
  /** Copies of the sampled files the catalogue reported before the drill. */
  copiesSeen: z.strictObject({ min: count, median: count }).nullable(),
  error: z.string().max(MAX_ERROR_CHARS).nullable(),
});
export type DrillReport = z.output<typeof drillReportSchema>;

/** A stored drill: the report, who sent it and when it arrived. */
export interface DrillRecord extends DrillReport {
  setTitle: string;
  receivedAt: string;
  reporter: string;
}

/** A stored drill as read back from the drill log. */
export const drillRecordSchema = drillReportSchema.extend({
  setTitle: z.string(),
  receivedAt: z.string(),
  reporter: z.string(),
}) satisfies z.ZodType<DrillRecord>;

/** The home page's view of a drill. */
export function drillSummary(r: DrillRecord): DrillSummary {
  return {
    at: r.receivedAt,
    setId: r.setId,
    setTitle: r.setTitle,
    version: r.version,
    ok: r.ok,
    filesChecked: r.filesChecked,
    filesOk: r.filesOk,
    bytes: r.bytes,
    bytesPerSecond: r.ok && r.seconds > 0 ? Math.round(r.bytes / r.seconds) : null,
    error: r.error,
  };
}
