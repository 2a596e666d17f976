import { type CheckSpec, type PolledCheckKind, type PolledCheckSpec } from '../domain/check-spec.js';
import type { CheckResult } from '../domain/check-result.js';
import type { Clients } from './clients.js';
import { executeHttpCheck, startHttpCheck } from './http/http-check.js';
import { executeTcpCheck } from './tcp/tcp-check.js';
import { executeTlsCheck } from './tls/tls-check.js';
import { executeDnsCheck } from './dns/dns-check.js';
import { bugResult } from './bug-result.js';
import { tellDone, type CheckDone } from './check-done.js';

export interface ExecuteOptions {
  /** aborts the check (daemon shutdown); the result is `error` / `internal` "aborted" */
  readonly signal?: AbortSignal;
}

/**
 * An executor for one check kind. Resolves for every outcome and never rejects: a network
 * outcome is a result, and so is its own bug (`bugResult`, an `internal` result). Settling
 * its bugs itself spares every check a `.catch` layer (a promise, a closure and a reaction
 * kept alive while it is in flight; docs/performance.md). `settlesBugs` adds that layer to
 * an executor that does not.
 */
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
  tcp: settlesBugs(executeTcpCheck),
  tls: settlesBugs(executeTlsCheck),
  dns: settlesBugs(executeDnsCheck),
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
    return executor(spec, clients, options);
  } catch (err) {
    return Promise.resolve(bugResult(spec, startedAt, err));
  }
}

/**
 * `executeCheck` without the promise: `done` is told the result exactly once, possibly
 * before this returns. The same executors; for a pooled HTTP/2 check (the load generator's
 * hot path) no promise is made at all.
 */
export function startCheck(spec: CheckSpec, clients: Clients, options: ExecuteOptions, done: CheckDone): void {
  if (spec.kind === 'http') return startHttpCheck(spec, clients, options, done);
  void executeCheck(spec, clients, options).then((result) => tellDone(done, result));
}

/** The executor with its rejections (bugs) turned into `bugResult`s. */
function settlesBugs<S extends CheckSpec>(executor: Executor<S>): Executor<S> {
  return (spec, clients, options) => {
    const startedAt = Date.now();
    return executor(spec, clients, options).catch((err: unknown) => bugResult(spec, startedAt, err));
  };
}

export { buildClients } from './clients.js';
export type { Clients, ClientConfig } from './clients.js';
export type { Limits } from './exchange-types.js';
export type { CheckDone } from './check-done.js';
