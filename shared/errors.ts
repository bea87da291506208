/**
 * One error base for the whole project: a stable machine-readable `code` from the table in
 * `error-codes.ts`, a message that says what was wrong, a hint that says what to do, and
 * structured context. Exit and HTTP statuses come from the table, at the edges only.
 */
import { errorSpec, type ErrorCode, type ErrorKind, EXIT } from './error-codes.ts';

export { ERRORS, EXIT, errorSpec, isErrorCode, type ErrorCode, type ErrorKind, type ErrorSpec } from './error-codes.ts';

export interface SeedbankErrorOptions {
  /** What the user can do about it, when the site knows better than the table's default hint. */
  hint?: string;
  /** Structured facts for logs (paths, titles, counts). */
  context?: Record<string, unknown>;
  cause?: unknown;
}

export class SeedbankError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: SeedbankErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SeedbankError';
    this.code = code;
    this.hint = options.hint ?? errorSpec(code).hint;
    this.context = options.context ?? {};
  }

  /** The table's kind of this error (unavailable, integrity, internal), if any. */
  get kind(): ErrorKind | undefined {
    return errorSpec(this.code).kind;
  }

  /** The message with its hint, as shown to a person. */
  describe(): string {
    return this.hint ? `${this.message}\n  → ${this.hint}` : this.message;
  }
}

/** True for a SeedbankError carrying the given code. */
export function isSeedbankError(err: unknown, code?: ErrorCode): err is SeedbankError {
  return err instanceof SeedbankError && (code === undefined || err.code === code);
}

/** True for a SeedbankError whose table row has the given kind. */
export function hasErrorKind(err: unknown, kind: ErrorKind): err is SeedbankError {
  return err instanceof SeedbankError && err.kind === kind;
}

/** The exit status of a command that failed with `err`: the table's, or EX_SOFTWARE for anything unknown. */
export function exitCodeOf(err: unknown): number {
  return err instanceof SeedbankError ? errorSpec(err.code).exit : EXIT.SOFTWARE;
}

/** A readable one-line description of any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof SeedbankError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}
