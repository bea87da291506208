/** The census's state as JSON: what the last round reached and how old the oldest verdict is. */
import { Router } from 'express';
import type { CensusRunner } from './census-runner.ts';

/** GET /api/census: the last round's figures and the oldest verdict's age. */
export function censusRouter(census: Pick<CensusRunner, 'status'>): Router {
  const router = Router();
  router.get('/api/census', (_req, res) => {
    res.json(census.status());
  });
  return router;
}
