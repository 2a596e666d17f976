import { targetOf, type CheckSpec, type PolledCheckKind, type PolledCheckSpec } from '../domain/check-spec.js';
import type { CheckResult } from '../domain/check-result.js';
import type { Clients } from './clients.js';
import { executeHttpCheck } from './http/http-check.js';
import { executeTcpCheck } from './tcp/tcp-check.js';
import { executeTlsCheck } from './tls/tls-check.js';
import { executeDnsCheck } from './dns/dns-check.js';
import { PhaseTimer } from './context/phase-timer.js';
import { classifyError } from './errors/classify.js';
import { CheckFailure } from './errors/check-failure.js';
import { failureResult } from './result-builder.js';

export interface ExecuteOptions {
  /** aborts the check (daemon shutdown); the result is `error` / `internal` "aborted" */
  readonly signal?: AbortSignal;
}

/** An executor for one check kind. Must resolve for every network outcome. */
export type Executor<S extends CheckSpec = CheckSpec> = (
  spec: S,
  clients: Clients,
  options: ExecuteOptions,
) => Promise<CheckResult>;

/**
 * The registry: one executor per polled check kind, checked by the compiler. Adding a kind
 * means adding it to `CheckKind`/`CheckSpec`, writing its executor, and one line here. A
 * heartbeat target has no executor: it is pushed to (src/daemon/heartbeat-host.ts).
 */
const EXECUTORS = {
  http: executeHttpCheck,
  tcp: executeTcpCheck,
  tls: executeTlsCheck,
  dns: executeDnsCheck,
} satisfies { [K in PolledCheckKind]: Executor<Extract<PolledCheckSpec, { kind: K }>> };

/**
 * Runs one check. Always resolves to a CheckResult; a bug inside an executor becomes an
 * `internal` error result rather than a rejection.
 */
export function executeCheck(spec: CheckSpec, clients: Clients, options: ExecuteOptions = {}): Promise<CheckResult> {
  const startedAt = Date.now();
  // A programmer error (the daemon never schedules heartbeats), reported the way bugs are.
  if (spec.kind === 'heartbeat') return Promise.resolve(bugResult(spec, startedAt, new Error('a heartbeat target is pushed to, not polled')));
  try {
    const executor = EXECUTORS[spec.kind] as Executor;
    return executor(spec, clients, options).catch((err: unknown) => bugResult(spec, startedAt, err));
  } catch (err) {
    return Promise.resolve(bugResult(spec, startedAt, err));
  }
}

/** A bug inside an executor (it threw or rejected): an `internal` result, timed from the start. */
function bugResult(spec: CheckSpec, startedAt: number, err: unknown): CheckResult {
  const failure = classifyError(err, null);
  const kind = failure.kind === 'fd_exhausted' ? 'fd_exhausted' : 'internal';
  // Wall-clock start (no monotonic mark is taken on the hot path for this rare case).
  const timer = new PhaseTimer(performance.now() - (Date.now() - startedAt));
  return failureResult({ kind: spec.kind, target: targetOf(spec), startedAt }, new CheckFailure(kind, failure.phase, failure.detail), timer);
}

export { buildClients } from './clients.js';
export type { Clients, ClientConfig } from './clients.js';
export type { Limits } from './exchange-types.js';
