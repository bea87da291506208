/**
 * Restore drills: the report `seedbank drill` posts (POST /api/drills, token) and the records
 * the catalogue keeps and lists (GET /api/drills).
 */
import { z } from 'zod';
import { countSchema, setIdSchema, versionNumberSchema } from './params.ts';

/** Longest error text kept from a report (the page shows it; logs have the rest). */
const MAX_ERROR_CHARS = 2000;
/** Most files one drill reports on (the sample size is bounded by the client too). */
const MAX_DRILL_FILES = 1_000_000;

/** The body of POST /api/drills (strict). */
export const drillReportSchema = z.strictObject({
  setId: setIdSchema,
  version: versionNumberSchema,
  startedAt: z.iso.datetime(),
  ok: z.boolean(),
  filesChecked: countSchema.max(MAX_DRILL_FILES),
  filesOk: countSchema.max(MAX_DRILL_FILES),
  bytes: countSchema,
  seconds: z.number().nonnegative().finite(),
  /** Copies of the sampled files the catalogue reported before the drill. */
  copiesSeen: z.strictObject({ min: countSchema, median: countSchema }).nullable(),
  error: z.string().max(MAX_ERROR_CHARS).nullable(),
});
export type DrillReport = z.output<typeof drillReportSchema>;

/** A stored drill: the report, who sent it and when it arrived. */
export const drillRecordSchema = drillReportSchema.extend({ setTitle: z.string(), receivedAt: z.iso.datetime(), reporter: z.string() });
export type DrillRecord = z.output<typeof drillRecordSchema>;

/** POST /api/drills answers the stored record (201). */
export const drillAnswerSchema = z.object({ drill: drillRecordSchema });
export type DrillAnswerBody = z.output<typeof drillAnswerSchema>;
/** GET /api/drills: the recent drills, newest first. */
export const drillListSchema = z.object({ drills: z.array(drillRecordSchema) });
export type DrillListBody = z.output<typeof drillListSchema>;
