/**
 * A start's requests held at the door. The catalogue listens as soon as its app is built, so
 * that a proxy in front sees its connections accepted instead of refused while the start brings
 * the copy figures up to date and answers its own lookups (web/code-warm-up.ts); requests that
 * arrive meanwhile wait, unread by the app, and are answered in order once the start is done,
 * so they never share the event loop with the warm-ups. At most `max` wait: a flood during a
 * start gets 503 with Retry-After at once, not memory.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorBody } from '../../../shared/api/error-body.ts';
import { errorSpec } from '../../../shared/errors.ts';

/** Requests a start holds before it answers 503 to more. */
export const MAX_HELD_REQUESTS = 1_000;
/** What a refused request is told to wait, in seconds. */
const RETRY_AFTER_S = 5;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Holds requests until `open()`, then hands each to `handle` (the held ones first, in arrival order). */
export class RequestGate {
  private state: 'holding' | 'open' | 'refusing' = 'holding';
  private held: Array<[IncomingMessage, ServerResponse]> = [];
  /** Requests answered 503: past `max` while holding, or after `refuseAll`. */
  refused = 0;

  constructor(
    private readonly handle: Handler,
    private readonly max = MAX_HELD_REQUESTS,
  ) {}

  /** The server's request listener. */
  readonly listener: Handler = (req, res) => {
    if (this.state === 'open') this.handle(req, res);
    else if (this.state === 'holding' && this.held.length < this.max) this.held.push([req, res]);
    else this.refuse(res, this.state === 'holding' ? 'the catalogue is starting and has as many requests waiting as it holds' : 'the catalogue stopped before it started serving');
  };

  /** Requests waiting now. */
  get waiting(): number {
    return this.held.length;
  }

  /** Lets requests through: answers the held ones in order, then every request as it comes; how many were held. */
  open(): number {
    if (this.state !== 'holding') return 0;
    const held = this.held;
    this.held = [];
    this.state = 'open';
    for (const [req, res] of held) if (!res.destroyed) this.handle(req, res);
    return held.length;
  }

  /** A start that fails or a close before the start ended: the held requests and every later one get 503. */
  refuseAll(): void {
    if (this.state !== 'holding') return;
    this.state = 'refusing';
    const held = this.held;
    this.held = [];
    for (const [, res] of held) this.refuse(res, 'the catalogue stopped before it started serving');
  }

  private refuse(res: ServerResponse, message: string): void {
    this.refused++;
    refuse(res, message);
  }
}

function refuse(res: ServerResponse, message: string): void {
  if (res.headersSent || res.destroyed) return;
  const code = 'CATALOGUE_STARTING';
  const body: ErrorBody = { error: { code, message, hint: errorSpec(code).hint } };
  res.writeHead(errorSpec(code).http, { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(RETRY_AFTER_S) });
  res.end(JSON.stringify(body));
}
