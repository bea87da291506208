// A stand-in catalogue for page tests: the real render functions over the sample view models
// (test/helpers/sample-models.ts), with the store's filtering re-done over the samples.
import type { Server } from 'node:http';
import express from 'express';
import { parseHomeQuery } from '../../services/tracker-web/pages/home-query.ts';
import { renderHome } from '../../services/tracker-web/pages/render-home.ts';
import { renderSet } from '../../services/tracker-web/pages/render-set.ts';
import { renderFile } from '../../services/tracker-web/pages/render-file.ts';
import { renderError, renderNotFound } from '../../services/tracker-web/pages/render-errors.ts';
import type { FilePageModel, HomeQuery } from '../../services/tracker-web/pages/view-models.ts';
import { SAMPLE_FILES, SAMPLE_NOW, SAMPLE_SETS, sampleHome, sampleSetPage } from './sample-models.ts';

/** The store's filtering and sorting, re-done here over the samples. */
function filterSets(query: HomeQuery) {
  const q = query.q.toLowerCase();
  const sets = SAMPLE_SETS.filter(
    (s) =>
      (q === '' || [s.title, s.id, ...s.tags].some((text) => text.toLowerCase().includes(q))) &&
      (query.tag === null || s.tags.includes(query.tag)) &&
      (query.region === null || s.regionValue === query.region),
  );
  const by: Record<HomeQuery['sort'], (a: (typeof sets)[number], b: (typeof sets)[number]) => number> = {
    risk: (a, b) => b.risk - a.risk,
    title: (a, b) => a.title.localeCompare(b.title),
    size: (a, b) => b.bytes - a.bytes,
    updated: (a, b) => (b.latestVersion?.builtAt ?? '').localeCompare(a.latestVersion?.builtAt ?? ''),
    seeders: (a, b) => a.seedersNow - b.seedersNow,
  };
  return sets.sort(by[query.sort]);
}

function lookupFile(query: string): FilePageModel {
  const wanted = query.trim().replace(/^File:/i, '').toLowerCase();
  const exact = SAMPLE_FILES.find((f) => f.sha1 === wanted || f.title.replace(/^File:/, '').toLowerCase() === wanted);
  if (exact) return { kind: 'found', now: SAMPLE_NOW, query, file: exact };
  const matches = wanted === '' ? [] : SAMPLE_FILES.filter((f) => f.title.toLowerCase().includes(wanted));
  if (matches.length > 0) return { kind: 'matches', now: SAMPLE_NOW, query, matches };
  return { kind: 'not-found', now: SAMPLE_NOW, query };
}

/**
 * Starts an Express app on 127.0.0.1 (port 0) that serves the catalogue's render functions
 * over the sample view models: home (filtered as the store would), set pages, file lookups,
 * errors. Each home query it parses is pushed to `receivedQueries`; `mosaic` is every set's preview.
 */
export function startSampleCatalogueApp(mosaic: Buffer, receivedQueries: HomeQuery[]): Promise<Server> {
  const app = express();
  app.get('/', (req, res) => {
    const query = parseHomeQuery(req.query as Record<string, unknown>);
    receivedQueries.push(query);
    res.type('html').send(renderHome(sampleHome(filterSets(query), query)));
  });
  app.get('/sets/:id/preview.jpg', (_req, res) => void res.type('jpeg').send(mosaic));
  app.get('/sets/:id', (req, res) => {
    const model = sampleSetPage(req.params.id);
    if (!model) return void res.status(404).type('html').send(renderNotFound({ path: req.path, what: 'set' }));
    res.type('html').send(renderSet(model));
  });
  app.get('/files', (req, res) => {
    const model = lookupFile(typeof req.query.q === 'string' ? req.query.q : '');
    res.status(model.kind === 'not-found' && model.query !== '' ? 404 : 200).type('html').send(renderFile(model));
  });
  app.get('/error', (req, res) => void res.status(400).type('html').send(renderError(400, String(req.query.msg ?? ''))));
  app.use((req, res) => void res.status(404).type('html').send(renderNotFound({ path: req.path })));
  return new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}
