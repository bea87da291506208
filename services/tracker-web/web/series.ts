/**
 * Middlewares run one after another as one layer of the Express app. Every layer the app passes
 * costs every request a match record, a callback and the router's bookkeeping, about half a
 * kilobyte (bench/catalogue/lookup-alloc.ts with ten no-op layers added: +5.3 KiB a lookup), and
 * that garbage is what brings the young-generation collections of a copy lookup's slowest 1%.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * `handlers` in order as one middleware, as `app.use(a, b, c)` would run them: each hands on with
 * next(), an error (passed, thrown or a rejected promise) skips the rest and goes to the app's
 * error handlers. One callback per request, none per handler.
 */
export function series(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err) return next(err);
      const handler = handlers[i++];
      if (!handler) return next();
      try {
        const out: unknown = handler(req, res, step);
        // Express 5 sends a handler's rejected promise to the error handlers; so does this.
        if (out instanceof Promise) out.then(undefined, (e: unknown) => next(e ?? new Error('Rejected promise')));
      } catch (e) {
        next(e);
      }
    };
    step();
  };
}
