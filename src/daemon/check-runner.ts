/**
 * Runs one target's check and attaches the probe's own load to the result: scheduling lag
 * (actual start − due) and the event-loop delay at the start. The executor resolves for
 * every network outcome; a rejection here would be a bug, which becomes an `internal` result.
 */
import { NO_TIMINGS, type CheckResult } from '../domain/check-result.js';
import { targetOf, type CheckSpec } from '../domain/check-spec.js';
import { redactResult } from '../domain/redact.js';
import type { Clients, ExecuteOptions } from '../check/index.js';
import type { TargetDefinition } from '../config/target-definition.js';
import type { ScheduledResult } from './daemon-handle.js';

export type ExecuteFn = (spec: CheckSpec, clients: Clients, options: ExecuteOptions) => Promise<CheckResult>;

/** Two client sets: the SSRF guard on (default) and off (targets with allowPrivateTargets). */
export interface ClientSet {
  readonly guarded: Clients;
  readonly private: Clients;
}

export interface CheckRunnerDeps {
  readonly execute: ExecuteFn;
  readonly clients: ClientSet;
  readonly loopDelayMs: () => number;
  /** aborted when shutdown gives up waiting for checks in flight */
  readonly signal: AbortSignal;
}

function internalFailure(target: TargetDefinition, startedAt: number, detail: string): CheckResult {
  return {
    kind: target.spec.kind,
    target: targetOf(target.spec),
    startedAt,
    status: 'error',
    httpVersion: null,
    statusCode: null,
    responseBytes: null,
    timings: { ...NO_TIMINGS },
    errorKind: 'internal',
    errorFamily: 'internal',
    errorPhase: null,
    detail,
    connectionReused: false,
    tls: null,
  };
}

export function createCheckRunner(deps: CheckRunnerDeps) {
  return async function runCheck(target: TargetDefinition, dueAt: number, startedAt: number, trigger: ScheduledResult['trigger']): Promise<ScheduledResult> {
    const eventLoopDelayMs = deps.loopDelayMs();
    const clients = target.allowPrivateTargets ? deps.clients.private : deps.clients.guarded;
    let result: CheckResult;
    try {
      result = await deps.execute(target.spec, clients, { signal: deps.signal });
    } catch (err) {
      result = internalFailure(target, startedAt, `executor rejected: ${err instanceof Error ? err.name : 'unknown'}`);
    }
    // Redacted here, once, before the result goes anywhere: store, incidents, alerts, API, metrics.
    result = redactResult(result, target.secretValues);
    return { targetId: target.id, result, dueAt, schedulingLagMs: Math.max(0, startedAt - dueAt), eventLoopDelayMs, trigger };
  };
}

export type CheckRunner = ReturnType<typeof createCheckRunner>;
