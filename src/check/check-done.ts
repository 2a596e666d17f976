import type { CheckResult } from '../domain/check-result.js';

/**
 * Told once with a check's result (`startCheck`): a function, or an object whose `checkDone`
 * method is called. A caller that runs many checks (the load generator's workers) passes one
 * long-lived object per worker, so a check in flight keeps no promise, reaction or closure
 * of the caller's alive (docs/performance.md). It may be called synchronously: from inside
 * the `startCheck` call itself, or from the socket event that completed the check.
 */
export type CheckDone = ((result: CheckResult) => void) | { checkDone(result: CheckResult): void };

export function tellDone(done: CheckDone, result: CheckResult): void {
  if (typeof done === 'function') done(result);
  else done.checkDone(result);
}
