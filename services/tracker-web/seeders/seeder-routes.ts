/**
 * POST /api/seeders/report: each seeder's small report every poll (no token: a seeder is
 * anyone; the body is validated and size-capped, and requests are rate-limited per address).
 * The answer tells the seeder, for auto mode, how many other live seeders hold each volume and,
 * for the volumes it hosts, their copies, target and its rank among their holders.
 */
import express, { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { SeedbankError } from '../../../shared/errors.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import type { SeederReports } from './seeder-reports.ts';

/** A report is small: an id, three numbers and the hosted info hashes. */
const MAX_REPORT_BYTES = 256 * 1024;
const MAX_REPORTED_VOLUMES = 5_000;
const RATE_WINDOW_MS = 60_000;
/** Reports per address per minute: many seeders may share one address (NAT). */
const DEFAULT_REPORTS_PER_MINUTE = 120;

const reportSchema = z.strictObject({
  seederId: z.string().regex(/^[0-9a-f]{16,64}$/),
  quotaBytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  usedBytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  volumes: z.array(z.string().regex(/^[0-9a-f]{40}$/)).max(MAX_REPORTED_VOLUMES),
  version: z.string().min(1).max(64),
  pollIntervalMs: z.number().int().positive().max(24 * 60 * 60 * 1000),
});

/** What the router reads from the rest of the catalogue. */
export interface SeederRouteOptions {
  reports: SeederReports;
  store: CatalogueStore;
  /** Verified copies of a volume (the census). */
  volumeCopies: (infoHash: string) => number;
  reportsPerMinute?: number;
}

/** Builds the router of the seeders' reports. */
export function seederRouter(o: SeederRouteOptions): Router {
  const router = Router();
  const limiter = rateLimit({
    windowMs: RATE_WINDOW_MS,
    limit: o.reportsPerMinute ?? DEFAULT_REPORTS_PER_MINUTE,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    validate: { xForwardedForHeader: false },
    handler: (_req, _res, next) => next(new SeedbankError('RATE_LIMITED', 'too many seeder reports from this address', { hint: 'wait a minute and try again' })),
  });
  router.post('/api/seeders/report', limiter, express.json({ limit: MAX_REPORT_BYTES, type: () => true }), (req, res) => {
    const parsed = reportSchema.safeParse(req.body);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      throw new SeedbankError('REPORT_INVALID', `invalid seeder report: ${fields}`);
    }
    const r = parsed.data;
    o.reports.record({ ...r, volumes: [...new Set(r.volumes)] });
    const holders = o.reports.holders();
    const latest = new Set(o.store.listSets().flatMap((s) => s.latest?.volumes ?? []));
    const claims: Record<string, number> = {};
    for (const [ih, ids] of holders) {
      const others = ids.filter((id) => id !== r.seederId).length;
      if (others > 0) claims[ih] = others;
    }
    const hosted: Record<string, { copies: number; copyTarget: number; holders: number; rank: number; latest: boolean }> = {};
    for (const ih of r.volumes) {
      const volume = o.store.getVolume(ih);
      if (!volume) continue;
      const ids = holders.get(ih) ?? [r.seederId];
      hosted[ih] = {
        copies: o.volumeCopies(ih),
        copyTarget: o.store.getSet(volume.setId)?.copyTarget ?? 1,
        holders: ids.length,
        rank: Math.max(0, ids.indexOf(r.seederId)),
        latest: latest.has(ih),
      };
    }
    res.json({ claims, hosted });
  });
  return router;
}
