/**
 * Restore drills over HTTP:
 *   POST /api/drills   a drill's result (token; JSON body, small)
 *   GET  /api/drills   the recent drills, newest first
 */
import express, { Router } from 'express';
import { SeedbankError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/log.ts';
import { requireToken } from '../auth/require-token.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import { parseParam } from '../web/params.ts';
import type { DrillLog } from './drill-log.ts';
import { drillReportSchema, type DrillRecord } from './drill-record.ts';

/** A drill report is a few hundred bytes; anything much larger is not one. */
const MAX_DRILL_BODY = '16kb';

export interface DrillRouteOptions {
  store: CatalogueStore;
  log: DrillLog;
  logger: Logger;
  now?: () => Date;
}

/** Builds the router of the drill API. */
export function drillRouter(o: DrillRouteOptions): Router {
  const router = Router();
  router.post('/api/drills', requireToken(o.store), express.json({ limit: MAX_DRILL_BODY }), async (req, res) => {
    const report = parseParam(drillReportSchema, req.body, 'drill report');
    const set = o.store.getSet(report.setId);
    if (!set) throw new SeedbankError('SET_NOT_FOUND', `no set "${report.setId}" in this catalogue`);
    const record: DrillRecord = { ...report, setTitle: set.title, receivedAt: (o.now?.() ?? new Date()).toISOString(), reporter: String(res.locals.tokenLabel ?? '') };
    await o.log.add(record);
    if (record.ok) o.logger.info({ setId: record.setId, filesOk: record.filesOk, seconds: record.seconds }, 'restore drill succeeded');
    else o.logger.error({ setId: record.setId, filesOk: record.filesOk, filesChecked: record.filesChecked, error: record.error }, 'restore drill FAILED');
    res.status(201).json({ drill: record });
  });
  router.get('/api/drills', (_req, res) => {
    res.json({ drills: o.log.recent() });
  });
  return router;
}
