/**
 * The one error edge of the catalogue's HTTP server: SeedbankErrors (and the 4xx errors of
 * body parsers and limiters) become `{error: {code, message, hint}}` with their status, the
 * only place a code becomes an HTTP status (the error table's `http`); anything else is logged
 * with its stack and answered with a plain 500.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { errorSpec, isSeedbankError, type ErrorCode } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/log.ts';
import type { ErrorBody } from '../../../shared/api/error-body.ts';
import { renderNotFound } from '../pages/render-errors.ts';

export type { ErrorBody } from '../../../shared/api/error-body.ts';

/** The HTTP status of an error code: the table's, never chosen at a throw site. */
export function httpStatusOf(code: ErrorCode): number {
  return errorSpec(code).http;
}

/** Answers 404 for any route nobody handled: an HTML page to a browser outside /api, the JSON error format otherwise. */
export function notFound(): RequestHandler {
  return (req, res) => {
    const code = 'NOT_FOUND';
    const page = req.method === 'GET' && !req.path.startsWith('/api/') && req.accepts(['json', 'html']) === 'html';
    if (page) return void res.status(httpStatusOf(code)).type('html').send(renderNotFound({ path: req.path }));
    const body: ErrorBody = { error: { code, message: `nothing at ${req.method} ${req.path}` } };
    res.status(httpStatusOf(code)).json(body);
  };
}

/** The error-rendering middleware; mount last. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      // The response is half written: all we can do is cut it, so the client sees a failure.
      logger.warn({ err, path: req.path }, 'error after the response started');
      next(err);
      return;
    }
    let status: number;
    let body: ErrorBody;
    if (isSeedbankError(err)) {
      status = httpStatusOf(err.code);
      body = { error: { code: err.code, message: err.message, hint: err.hint } };
    } else if (isClientError(err)) {
      // body-parser and friends: entity.too.large (413), entity.parse.failed (400), ...
      status = err.status;
      body = { error: { code: err.type ? String(err.type).toUpperCase().replace(/\W+/g, '_') : 'BAD_REQUEST', message: err.message } };
    } else {
      status = httpStatusOf('INTERNAL');
      body = { error: { code: 'INTERNAL', message: 'the catalogue failed to handle this request; the operator can find the cause in its log' } };
    }
    if (status >= 500) logger.error({ err, method: req.method, path: req.path }, 'request failed');
    // Refused tampered or hostile input: an error for the client, a warning for the server.
    else if (isSeedbankError(err) && err.kind === 'integrity') logger.warn({ err, method: req.method, path: req.path }, body.error.message);
    // A 404 is how clients ask "does this exist yet?" (the builder before a first publish): not worth a line at info.
    else if (status === 404) logger.debug({ code: body.error.code, status, method: req.method, path: req.path }, body.error.message);
    else logger.info({ code: body.error.code, status, method: req.method, path: req.path }, body.error.message);
    res.status(status).json(body);
  };
}

function isClientError(err: unknown): err is { status: number; message: string; type?: string } {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 && err instanceof Error;
}
