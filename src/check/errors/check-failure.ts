import type { ErrorKind, ErrorPhase } from '../../domain/error-kind.js';

/**
 * A classified failure travelling from the place it was caught to the result builder.
 * Executors reject internal promises with it; `executeCheck` turns it into a CheckResult.
 * It is never thrown out of `executeCheck`.
 */
export class CheckFailure extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly phase: ErrorPhase | null,
    readonly detail: string,
  ) {
    // A failure is a value, not a bug: capturing a stack trace costs ~7 µs per failed check,
    // which matters when a load test or a fleet outage produces thousands per second.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(detail);
    Error.stackTraceLimit = limit;
    this.name = 'CheckFailure';
  }
}
