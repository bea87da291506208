/**
 * Request and response classes for node:http whose instances are born with the express app's
 * own prototypes (`app.request`, `app.response`), so that express's per-request
 * `Object.setPrototypeOf(req, app.request)` (and the same for `res`, express 5's app.handle)
 * finds the prototype already in place and changes nothing.
 *
 * Why: an object whose prototype is changed after it was made kept every request's objects alive
 * through young-generation collections (they were promoted, then died in the old generation).
 * Measured on 8,000 `/healthz` requests over one kept-alive connection: a bare node:http server
 * or express's router alone left 0 bytes surviving each young collection (0.3 ms pauses); an
 * express app, 5 MB a collection, every byte of it promoted at the next (5-6.5 ms pauses); with
 * these classes, 0 bytes and 0.3 ms again. Those collections were most of the copy lookup's
 * slowest 1% at 10M files (README, "Catalogue at scale").
 */
import { IncomingMessage, ServerResponse, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

/** `http.createServer` options making requests and responses with `app`'s prototypes. */
export function appPrototypeClasses(app: Pick<Express, 'request' | 'response'>): ServerOptions {
  // Function constructors (node:http calls `new` on them): a class could not have the app's
  // objects themselves as its instances' prototype, and express compares with those exactly.
  function AppRequest(this: IncomingMessage, socket: Socket): void {
    IncomingMessage.call(this, socket);
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: ServerResponse, req: IncomingMessage, options?: object): void {
    (ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options?: object) => void).call(this, req, options);
  }
  AppResponse.prototype = app.response;
  return { IncomingMessage: AppRequest as unknown as typeof IncomingMessage, ServerResponse: AppResponse as unknown as typeof ServerResponse };
}
