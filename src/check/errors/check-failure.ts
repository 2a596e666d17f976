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
    super(detail);
    this.name = 'CheckFailure';
  }
}
