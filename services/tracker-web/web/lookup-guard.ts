/**
 * Refuses over-long file lookups before they reach the store. LMDB keys are at most 1,978 bytes,
 * so a 2,000-character title in `/files?q=`, `/api/view/files?q=`, `/api/files?title=` or
 * `/api/copies/file/<key>` used to fail inside the store as a 500 with an error-level stack trace
 * (cheap for anyone to repeat). MediaWiki titles are at most 255 bytes, so anything far longer
 * is a mistake: a 400 with a clear message, as HTML for the page and JSON for the API.
 */
import type { RequestHandler } from 'express';
import { SeedbankError } from '../../../shared/errors.ts';
import { renderError } from '../pages/render-errors.ts';

/** Longest lookup key accepted, in UTF-8 bytes: a 255-byte title, its "File:" prefix and room for spelling variants. */
export const MAX_LOOKUP_KEY_BYTES = 512;
const COPIES_FILE_PREFIX = '/api/copies/file/';

function tooLong(key: unknown): boolean {
  if (key === undefined) return false;
  if (typeof key !== 'string') return true; // ?q=a&q=b or q[x]=: not a lookup key either
  return Buffer.byteLength(key, 'utf8') > MAX_LOOKUP_KEY_BYTES;
}

/** The route's parameter as the route will see it; a malformed escape is left for the route to refuse. */
function decodedOrRaw(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function message(): string {
  return `a file title or SHA-1 is at most ${MAX_LOOKUP_KEY_BYTES} bytes (MediaWiki titles are at most 255); this one is longer or repeated`;
}

/** Middleware: 400 for an over-long or repeated lookup key on the file page and the file lookup APIs. */
export function lookupKeyGuard(): RequestHandler {
  return (req, res, next) => {
    const path = req.path;
    let key: unknown;
    if (path === '/files' || path === '/api/view/files') key = req.query.q;
    else if (path === '/api/files') {
      // Express parses the query string again at each read of req.query.
      const query = req.query;
      key = query.title ?? query.sha1;
    }
    else if (path.startsWith(COPIES_FILE_PREFIX)) key = decodedOrRaw(path.slice(COPIES_FILE_PREFIX.length));
    if (!tooLong(key)) return next();
    if (path === '/files') {
      res.status(400).type('html').send(renderError(400, message()));
      return;
    }
    next(new SeedbankError('LOOKUP_KEY_TOO_LONG', message(), { hint: 'look a file up by its title (File:Name.jpg) or its SHA-1 (40 hex digits)' }));
  };
}
