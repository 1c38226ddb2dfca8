import type { z } from 'zod';
import type { ErrorCode, WireError, WireIssue } from '../contract/wire';

/** An error with a code from the contract; what a client call rejects with, and what a handler throws to choose the code. */
export class StudioError extends Error {
  readonly code: ErrorCode;
  readonly issues: readonly WireIssue[] | undefined;

  constructor(code: ErrorCode, message: string, issues?: readonly WireIssue[]) {
    super(message);
    this.name = 'StudioError';
    this.code = code;
    this.issues = issues;
  }

  static fromWire(error: WireError): StudioError {
    return new StudioError(error.code, error.message, error.issues);
  }

  toWire(): WireError {
    return this.issues ? { code: this.code, message: this.message, issues: [...this.issues] } : { code: this.code, message: this.message };
  }
}

export function issuesOf(error: z.ZodError): WireIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

/** Any thrown value as a wire error: our own errors keep their code, anything else is a handler failure. */
export function toWireError(thrown: unknown): WireError {
  if (thrown instanceof StudioError) return thrown.toWire();
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return { code: 'handler-failed', message };
}
