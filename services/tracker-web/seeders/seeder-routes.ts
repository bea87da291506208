/**
 * POST /api/seeders/report: each seeder's small report every poll (no token: a seeder is
 * anyone; the body is validated and size-capped, and requests are rate-limited per address).
 * The answer tells the seeder, for auto mode, how many other live seeders hold each volume and,
 * for the volumes it hosts, their copies, target and its rank among their holders.
 */
import express, { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { routes } from '../../../shared/api/routes.ts';
import { seederReportSchema, type ReportAnswer } from '../../../shared/api/seeder-schemas.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import { parseBody } from '../web/params.ts';
import type { SeederReports } from './seeder-reports.ts';

/** A report is small: an id, three numbers and the hosted info hashes. */
const MAX_REPORT_BYTES = 256 * 1024;
const RATE_WINDOW_MS = 60_000;
/** Reports per address per minute: many seeders may share one address (NAT). */
const DEFAULT_REPORTS_PER_MINUTE = 120;

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
  router.post(routes.seederReport.pattern, limiter, express.json({ limit: MAX_REPORT_BYTES, type: () => true }), (req, res) => {
    const r = parseBody(seederReportSchema, req.body, 'seeder report', 'REPORT_INVALID');
    o.reports.record({ ...r, volumes: [...new Set(r.volumes)] });
    const holders = o.reports.holders();
    const latest = new Set(o.store.listSets().flatMap((s) => s.latest?.volumes ?? []));
    const claims: ReportAnswer['claims'] = {};
    for (const [ih, ids] of holders) {
      const others = ids.filter((id) => id !== r.seederId).length;
      if (others > 0) claims[ih] = others;
    }
    const hosted: ReportAnswer['hosted'] = {};
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
    const body: ReportAnswer = { claims, hosted };
    res.json(body);
  });
  return router;
}
