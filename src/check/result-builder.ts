import type { CheckResult, CheckStatus, TlsInfo } from '../domain/check-result.js';
import { ERROR_FAMILY, type ErrorKind, type ErrorPhase } from '../domain/error-kind.js';
import type { PhaseTimer } from './context/phase-timer.js';
import type { CheckFailure } from './errors/check-failure.js';

/** The parts of a result an executor fills in; everything else is derived here. */
export interface ResultParts {
  kind: CheckResult['kind'];
  target: string;
  startedAt: number;
  status: CheckStatus;
  httpVersion?: CheckResult['httpVersion'];
  statusCode?: number | null;
  responseBytes?: number | null;
  errorKind?: ErrorKind | null;
  errorPhase?: ErrorPhase | null;
  detail?: string | null;
  connectionReused?: boolean;
  tls?: TlsInfo | null;
}

/** `endMs`: when the check ended (performance.now()), when the caller already read the clock. */
export function buildResult(parts: ResultParts, timer: PhaseTimer, endMs?: number): CheckResult {
  const errorKind = parts.errorKind ?? null;
  return {
    kind: parts.kind,
    target: parts.target,
    startedAt: parts.startedAt,
    status: parts.status,
    httpVersion: parts.httpVersion ?? null,
    statusCode: parts.statusCode ?? null,
    responseBytes: parts.responseBytes ?? null,
    timings: timer.finish(endMs),
    errorKind,
    errorFamily: errorKind === null ? null : ERROR_FAMILY[errorKind],
    errorPhase: parts.errorPhase ?? null,
    detail: parts.detail ?? null,
    connectionReused: parts.connectionReused ?? false,
    tls: parts.tls ?? null,
  };
}

/** Status for a failure: transport and internal failures are `error` only when the probe is at fault. */
function statusForFailure(kind: ErrorKind): CheckStatus {
  const family = ERROR_FAMILY[kind];
  return family === 'internal' || kind === 'circuit_open' ? 'error' : 'down';
}

export function failureResult(
  base: Pick<ResultParts, 'kind' | 'target' | 'startedAt'> & Partial<ResultParts>,
  failure: CheckFailure,
  timer: PhaseTimer,
): CheckResult {
  return buildResult(
    {
      ...base,
      status: statusForFailure(failure.kind),
      errorKind: failure.kind,
      errorPhase: failure.phase,
      detail: failure.detail,
    },
    timer,
  );
}
