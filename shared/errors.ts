/**
 * One error base for the whole project: a stable machine-readable `code`, a message that
 * says what was wrong and what to do, optional HTTP status and structured context.
 */
export interface SeedbankErrorOptions {
  /** What the user can do about it; printed after the message. */
  hint?: string;
  /** HTTP status when the error crosses an HTTP edge. */
  status?: number;
  /** Structured facts for logs (paths, titles, counts). */
  context?: Record<string, unknown>;
  cause?: unknown;
}

export class SeedbankError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly status: number;
  readonly context: Record<string, unknown>;

  constructor(code: string, message: string, options: SeedbankErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SeedbankError';
    this.code = code;
    this.hint = options.hint;
    this.status = options.status ?? 500;
    this.context = options.context ?? {};
  }

  /** The message with its hint, as shown to a person. */
  describe(): string {
    return this.hint ? `${this.message}\n  → ${this.hint}` : this.message;
  }
}

/** True for a SeedbankError carrying the given code. */
export function isSeedbankError(err: unknown, code?: string): err is SeedbankError {
  return err instanceof SeedbankError && (code === undefined || err.code === code);
}

/** A readable one-line description of any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof SeedbankError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}
