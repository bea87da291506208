import { Router } from 'express';
import { catalogueKey, readTakedownList } from './takedown-file.ts';

/** Serves the signed takedown list and the catalogue's public key that signs it. */
export function takedownRouter(dataDir: string): Router {
  const router = Router();
  router.get('/api/takedown', async (_req, res) => {
    res.json(await readTakedownList(dataDir));
  });
  router.get('/api/catalogue-key', async (_req, res) => {
    res.json({ algorithm: 'ed25519', publicKey: (await catalogueKey(dataDir)).publicKeyHex });
  });
  return router;
}
