import { targetOf, type CheckSpec } from '../domain/check-spec.js';
import type { CheckResult } from '../domain/check-result.js';
import { PhaseTimer } from './context/phase-timer.js';
import { classifyError } from './errors/classify.js';
import { CheckFailure } from './errors/check-failure.js';
import { failureResult } from './result-builder.js';

/**
 * A bug inside an executor (it threw or would have rejected): an `internal` result (or
 * `fd_exhausted`), timed from `startedAt` (wall clock: no monotonic mark is taken on the hot
 * path for this rare case).
 */
export function bugResult(spec: CheckSpec, startedAt: number, err: unknown): CheckResult {
  const failure = classifyError(err, null);
  const kind = failure.kind === 'fd_exhausted' ? 'fd_exhausted' : 'internal';
  const timer = new PhaseTimer(performance.now() - (Date.now() - startedAt));
  return failureResult({ kind: spec.kind, target: targetOf(spec), startedAt }, new CheckFailure(kind, failure.phase, failure.detail), timer);
}
