/**
 * The one error edge of the catalogue's HTTP server: SeedbankErrors (and the 4xx errors of
 * body parsers and limiters) become `{error: {code, message, hint}}` with their status;
 * anything else is logged with its stack and answered with a plain 500.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isSeedbankError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/log.ts';
import type { ErrorBody } from '../../../shared/api/error-body.ts';

export type { ErrorBody } from '../../../shared/api/error-body.ts';

/** Answers 404 in the error format for any route nobody handled. */
export function notFound(): RequestHandler {
  return (req, res) => {
    const body: ErrorBody = { error: { code: 'NOT_FOUND', message: `nothing at ${req.method} ${req.path}` } };
    res.status(404).json(body);
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
    let status = 500;
    let body: ErrorBody;
    if (isSeedbankError(err)) {
      status = err.status;
      body = { error: { code: err.code, message: err.message, hint: err.hint } };
    } else if (isClientError(err)) {
      // body-parser and friends: entity.too.large (413), entity.parse.failed (400), ...
      status = err.status;
      body = { error: { code: err.type ? String(err.type).toUpperCase().replace(/\W+/g, '_') : 'BAD_REQUEST', message: err.message } };
    } else {
      body = { error: { code: 'INTERNAL', message: 'the catalogue failed to handle this request; the operator can find the cause in its log' } };
    }
    if (status >= 500) logger.error({ err, method: req.method, path: req.path }, 'request failed');
    else logger.info({ code: body.error.code, status, method: req.method, path: req.path }, body.error.message);
    res.status(status).json(body);
  };
}

function isClientError(err: unknown): err is { status: number; message: string; type?: string } {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 && err instanceof Error;
}
