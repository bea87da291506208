/**
 * POST /api/seeders/report: each seeder's small report every poll (no token: a seeder is
 * anyone with an operator key; the body is validated, size-capped and signed by that key, sent
 * within a few minutes and never replayed, and requests are rate-limited per address).
 * The answer tells the seeder whether its report counts, for auto mode how many other live
 * seeders hold each volume and, for the volumes it hosts, their copies, target and its rank.
 */
import express, { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { routes } from '../../../shared/api/routes.ts';
import { SEEDER_REPORT_FORMAT, seederReportSchema, type ReportAnswer, type SeederReport } from '../../../shared/api/seeder-schemas.ts';
import { verifySeederReport } from '../../../shared/operator/report-signature.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import { normalizeIp } from '../tracker/peer-address.ts';
import { hostKeyOf } from '../tracker/swarm-store.ts';
import { parseBody } from '../web/params.ts';
import type { SeederReports } from './seeder-reports.ts';

/** A report is small: an id, three numbers and the hosted info hashes. */
const MAX_REPORT_BYTES = 256 * 1024;
const RATE_WINDOW_MS = 60_000;
/** Reports per address per minute: many seeders may share one address (NAT). */
const DEFAULT_REPORTS_PER_MINUTE = 120;
/** How far a report's sentAt may be from the catalogue's clock. */
export const REPORT_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** What the router reads from the rest of the catalogue. */
export interface SeederRouteOptions {
  reports: SeederReports;
  store: CatalogueStore;
  /** Verified copies of a volume (the census). */
  volumeCopies: (infoHash: string) => number;
  reportsPerMinute?: number;
  /** Whether a peer at this address announced to the tracker lately (two announce intervals). */
  seenRecently: (address: string) => boolean;
  now?: () => number;
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
    const now = o.now?.() ?? Date.now();
    const r = checkReport(req.body, o.reports, now);
    checkProgress(r, o.store);
    const address = normalizeIp(req.ip ?? req.socket.remoteAddress ?? '');
    const rec = o.reports.record({ ...r, volumes: [...new Set(r.volumes)] }, { address, host: hostKeyOf(address) ?? address, seenRecently: o.seenRecently(address) }, now);
    const holders = o.reports.holders(now);
    const latest = new Set(o.store.listSets().flatMap((s) => s.latest?.volumes ?? []));
    const claims: ReportAnswer['claims'] = {};
    for (const [ih, ids] of holders) {
      const others = ids.filter((id) => id !== r.operatorKey).length;
      if (others > 0) claims[ih] = others;
    }
    const hosted: ReportAnswer['hosted'] = {};
    for (const ih of rec.volumes) {
      const volume = o.store.getVolume(ih);
      if (!volume) continue;
      const ids = holders.get(ih) ?? [];
      // A claim that does not count (yet) stands last in line.
      const mine = ids.indexOf(r.operatorKey);
      hosted[ih] = {
        copies: o.volumeCopies(ih),
        copyTarget: o.store.getSet(volume.setId)?.copyTarget ?? 1,
        holders: mine < 0 ? ids.length + 1 : ids.length,
        rank: mine < 0 ? ids.length : mine,
        latest: latest.has(ih),
      };
    }
    const body: ReportAnswer = { counted: rec.counted, ...(rec.why ? { why: rec.why } : {}), claims, hosted };
    res.json(body);
  });
  return router;
}

/**
 * Refuses progress beyond a volume's size (a seeder cannot have verified more bytes than the
 * volume holds: a bug or a lie, and either must not stretch a claim). Volumes this catalogue
 * does not know are left to the claim rules.
 */
function checkProgress(r: SeederReport, store: CatalogueStore): void {
  for (const [ih, bytes] of Object.entries(r.progress ?? {})) {
    const size = store.getVolume(ih)?.size;
    if (size !== undefined && bytes > size) {
      throw new SeedbankError('REPORT_INVALID', `the report states ${bytes} verified bytes of volume ${ih}, which holds ${size} bytes`, {
        hint: 'report at most the volume\'s size (its verified pieces\' bytes); this report was not recorded, the previous one stands',
        context: { infoHash: ih, bytes, size },
      });
    }
  }
}

/** Parses and checks a report: current format, valid fields, a signature by the key it names, sent just now and not before. */
function checkReport(body: unknown, reports: SeederReports, now: number): SeederReport {
  const format = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['format'] : undefined;
  if (format !== SEEDER_REPORT_FORMAT) {
    const said = format === undefined ? 'an unsigned report (format 1, from a seeder older than this catalogue)' : `format ${JSON.stringify(format).slice(0, 60)}`;
    throw new SeedbankError('REPORT_FORMAT_OLD', `this catalogue takes ${SEEDER_REPORT_FORMAT} seeder reports, not ${said}`);
  }
  const r = parseBody(seederReportSchema, body, 'seeder report', 'REPORT_INVALID');
  if (!verifySeederReport(r)) throw new SeedbankError('REPORT_SIGNATURE_INVALID', `the report's signature was not made by operator key ${r.operatorKey} over this report`);
  const sentAt = Date.parse(r.sentAt);
  if (Math.abs(now - sentAt) > REPORT_CLOCK_SKEW_MS) {
    throw new SeedbankError('REPORT_CLOCK_SKEW', `the report was sent at ${r.sentAt}, ${Math.round(Math.abs(now - sentAt) / 1000)} s from the catalogue's clock (${new Date(now).toISOString()}); at most ${REPORT_CLOCK_SKEW_MS / 1000} s is accepted`);
  }
  const last = reports.lastSentAt(r.operatorKey);
  if (last !== undefined && sentAt <= last) {
    throw new SeedbankError('REPORT_REPLAYED', `operator ${r.operatorKey} already reported at ${new Date(last).toISOString()}; a report sent at ${r.sentAt} is a replay`);
  }
  return r;
}
