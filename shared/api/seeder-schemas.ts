/**
 * POST /api/seeders/report: the small report every seeder posts each poll, and the catalogue's
 * answer (what other live seeders hold, and the copies of the volumes this seeder hosts).
 */
import { z } from 'zod';
import { countSchema, hex40Schema } from './params.ts';

/** Most volumes one report may list. */
export const MAX_REPORTED_VOLUMES = 5_000;
/** Most volumes whose download progress one report may state (a seeder downloads a few at a time). */
export const MAX_REPORTED_PROGRESS = 256;
/** Longest poll interval a seeder may state: a day. */
const MAX_POLL_INTERVAL_MS = 24 * 60 * 60 * 1000;

/**
 * The report format this contract speaks. Version 1 (unsigned, with a random `seederId`) is
 * refused: anyone could post one, so forged reports claimed volumes and offered petabytes.
 */
export const SEEDER_REPORT_FORMAT = 'seedbank-seeder-report/2';

/** What a seeder reports each poll, before it signs it. */
export const seederReportContentSchema = z.strictObject({
  format: z.literal(SEEDER_REPORT_FORMAT),
  /** The seeder's operator key (64 hex): its identity, and the key the signature is checked with. */
  operatorKey: z.string().regex(/^[0-9a-f]{64}$/, 'an operator key is 64 lower-case hexadecimal digits'),
  /** When the seeder signed it (ISO 8601): the catalogue refuses stale and replayed reports. */
  sentAt: z.iso.datetime({ offset: true }),
  quotaBytes: countSchema,
  usedBytes: countSchema,
  /** Free space on the seeder's disk: the space it offers counts at most used + free. */
  freeBytes: countSchema.optional(),
  volumes: z.array(hex40Schema).max(MAX_REPORTED_VOLUMES),
  /**
   * Verified bytes of each listed volume still downloading (complete ones are left out): while
   * they go up, the catalogue keeps the claim counting past its audit grace. Optional, so older
   * seeders' reports stay valid.
   */
  progress: z.record(hex40Schema, countSchema)
    .refine((p) => Object.keys(p).length <= MAX_REPORTED_PROGRESS, `at most ${MAX_REPORTED_PROGRESS} volumes' progress per report`)
    .optional(),
  version: z.string().min(1).max(64),
  pollIntervalMs: z.number().int().positive().max(MAX_POLL_INTERVAL_MS),
}).superRefine((r, ctx) => {
  if (!r.progress) return;
  const listed = new Set(r.volumes);
  for (const ih of Object.keys(r.progress)) {
    if (!listed.has(ih)) ctx.addIssue({ code: 'custom', path: ['progress', ih], message: `progress for volume ${ih}, which the report's volumes do not list: report progress only of volumes it hosts` });
  }
});
/** A report's signed content. */
export type SeederReportContent = z.output<typeof seederReportContentSchema>;

/** The report body (strict: the catalogue refuses unknown fields): the content and its signature. */
export const seederReportSchema = seederReportContentSchema.extend({
  /** Ed25519 by the operator key over "seedbank-seeder-report/2\n" + canonical JSON of the rest. */
  signature: z.string().regex(/^[0-9a-f]{128}$/, 'a signature is 128 lower-case hexadecimal digits'),
});
/** The signed report a seeder posts every poll. */
export type SeederReport = z.output<typeof seederReportSchema>;

/** What the catalogue knows of one volume the seeder hosts. */
export const hostedInfoSchema = z.object({
  copies: countSchema,
  copyTarget: z.number().int().positive(),
  /** Live seeders holding it, this one included. */
  holders: countSchema,
  /** This seeder's place among them, in join order (0 = first). */
  rank: countSchema,
  /** Whether the volume belongs to the latest version of a set. */
  latest: z.boolean(),
});
export type HostedInfo = z.output<typeof hostedInfoSchema>;

/** The answer to a report. */
export const reportAnswerSchema = z.object({
  /**
   * Whether this report's claims and offered space count: only for a host that announced to
   * the tracker lately, and a few operators per address. Absent from older catalogues.
   */
  counted: z.boolean().optional(),
  /** Why the report does not count, when it does not. */
  why: z.string().optional(),
  /** Other live seeders hosting each volume (a claim counts before the census sees the copy). */
  claims: z.record(hex40Schema, countSchema),
  hosted: z.record(hex40Schema, hostedInfoSchema),
});
export type ReportAnswer = z.output<typeof reportAnswerSchema>;
