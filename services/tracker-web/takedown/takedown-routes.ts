import { Router } from 'express';
import { routes } from '../../../shared/api/routes.ts';
import type { CatalogueKeyBody } from '../../../shared/api/takedown-schemas.ts';
import type { TakedownList } from '../../../shared/formats/takedown.ts';
import { catalogueKey, readTakedownList } from './takedown-file.ts';

/** Serves the signed takedown list and the catalogue's public key that signs it. */
export function takedownRouter(dataDir: string): Router {
  const router = Router();
  router.get(routes.takedown.pattern, async (_req, res) => {
    const body: TakedownList = await readTakedownList(dataDir);
    res.json(body);
  });
  router.get(routes.catalogueKey.pattern, async (_req, res) => {
    const body: CatalogueKeyBody = { algorithm: 'ed25519', publicKey: (await catalogueKey(dataDir)).publicKeyHex };
    res.json(body);
  });
  return router;
}
