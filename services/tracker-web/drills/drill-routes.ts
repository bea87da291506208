/**
 * Restore drills over HTTP:
 *   POST /api/drills   a drill's result (token; JSON body, small)
 *   GET  /api/drills   the recent drills, newest first
 */
import express, { Router } from 'express';
import { drillReportSchema, type DrillAnswerBody, type DrillListBody, type DrillRecord } from '../../../shared/api/drill-schemas.ts';
import { routes } from '../../../shared/api/routes.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/log.ts';
import { requireToken } from '../auth/require-token.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import { parseBody } from '../web/params.ts';
import type { DrillLog } from './drill-log.ts';

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
  router.post(routes.drillPost.pattern, requireToken(o.store), express.json({ limit: MAX_DRILL_BODY }), async (req, res) => {
    const report = parseBody(drillReportSchema, req.body, 'drill report');
    const set = o.store.getSet(report.setId);
    if (!set) throw new SeedbankError('SET_NOT_FOUND', `no set "${report.setId}" in this catalogue`);
    const record: DrillRecord = { ...report, setTitle: set.title, receivedAt: (o.now?.() ?? new Date()).toISOString(), reporter: String(res.locals.tokenLabel ?? '') };
    await o.log.add(record);
    if (record.ok) o.logger.info({ setId: record.setId, filesOk: record.filesOk, seconds: record.seconds }, 'restore drill succeeded');
    else o.logger.error({ setId: record.setId, filesOk: record.filesOk, filesChecked: record.filesChecked, error: record.error }, 'restore drill FAILED');
    const body: DrillAnswerBody = { drill: record };
    res.status(201).json(body);
  });
  router.get(routes.drills.pattern, (_req, res) => {
    const body: DrillListBody = { drills: o.log.recent() };
    res.json(body);
  });
  return router;
}
