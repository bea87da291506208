/** Express middleware that lets a request through only with a valid `Authorization: Bearer` token. */
import type { RequestHandler } from 'express';
import { SeedbankError } from '../../../shared/errors.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import { hashToken, scopeOf, type TokenScope } from './tokens.ts';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Requires a token of this scope (default: publishing); sets `res.locals.tokenLabel` and `res.locals.tokenHash`. */
export function requireToken(store: CatalogueStore, scope: TokenScope = 'publish'): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization');
    res.set('WWW-Authenticate', 'Bearer realm="seedbank-catalogue"');
    if (!header) {
      throw new SeedbankError('TOKEN_MISSING', 'publishing needs a token: send "Authorization: Bearer <token>"', {
        hint: 'make one on the catalogue host with `seedbank catalogue token create --data DIR`, then pass --token or set SEEDBANK_TOKEN',
      });
    }
    const m = BEARER.exec(header);
    const record = m ? store.tokens.byHash(hashToken(m[1]!)) : undefined;
    if (!record) {
      throw new SeedbankError('TOKEN_INVALID', 'the publishing token is not valid for this catalogue', {
        hint: 'check --token / SEEDBANK_TOKEN, or ask the catalogue operator for a new token',
      });
    }
    if (scopeOf(record) !== scope) {
      throw new SeedbankError('TOKEN_SCOPE', `the token "${record.label}" is a ${scopeOf(record)} token; this needs a ${scope} token`, {
        hint: `make one with \`seedbank catalogue token create --scope ${scope}\``,
      });
    }
    res.removeHeader('WWW-Authenticate');
    res.locals.tokenLabel = record.label;
    res.locals.tokenHash = hashToken(m![1]!);
    next();
  };
}
