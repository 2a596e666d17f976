/**
 * A circuit breaker around the executor: after repeated failures of one endpoint (scheme,
 * host, port: what fails together) its checks are refused without I/O for a while, so a dead
 * endpoint does not tie up the probe's sockets and time. It protects the probe; it never
 * decides whether a target is down (the incident tracker ignores `circuit_open` results).
 *
 * The state machine is `transition` below, one pure function; `createCircuitBreaker` only
 * keeps one circuit per endpoint in a Map and feeds it events:
 *
 *   closed ──(failureThreshold consecutive failures)──▶ open
 *   open ──(a check arrives after openMs)──▶ half_open (that check is the first trial)
 *   half_open ──(a trial fails)──▶ open (a full openMs again)
 *   half_open ──(closeAfterSuccesses trials succeed)──▶ closed
 */
import { targetOf, type CheckSpec } from '../domain/check-spec.js';
import { NO_TIMINGS, type CheckResult } from '../domain/check-result.js';
import type { Executor } from '../check/index.js';
import { ERROR_FAMILY } from '../domain/error-kind.js';
import { circuitKeyOf } from './circuit-key.js';

type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerConfig {
  /** consecutive transport failures (the endpoint did not answer) that open the circuit */
  readonly failureThreshold: number;
  /** how long an open circuit refuses checks before it goes half-open */
  readonly openMs: number;
  /** trial checks a half-open circuit lets run at once; more are refused */
  readonly halfOpenMaxTrials: number;
  /** successful trials (up or degraded) that close a half-open circuit */
  readonly closeAfterSuccesses: number;
  /**
   * Whether `internal`-family errors (fd_exhausted, aborted, probe bugs) count as failures.
   * Default false: they are the probe's fault, not the host's, and counting them would open
   * every circuit at once when the probe runs out of file descriptors under load.
   */
  readonly countInternalErrors: boolean;
  /** endpoints tracked at most (only endpoints with failures or an open circuit are tracked) */
  readonly maxTrackedHosts: number;
  /** monotonic clock in ms (default performance.now); tests inject a fake one */
  readonly nowMs: () => number;
}

const DEFAULT_CIRCUIT_BREAKER: Omit<CircuitBreakerConfig, 'nowMs'> = Object.freeze({
  failureThreshold: 5,
  openMs: 60_000,
  halfOpenMaxTrials: 3,
  closeAfterSuccesses: 2,
  countInternalErrors: false,
  maxTrackedHosts: 100_000,
});

interface CircuitSnapshot {
  /** tracked endpoints that are closed but have recent consecutive failures */
  readonly closed: number;
  readonly open: number;
  readonly half_open: number;
}

export interface CircuitBreaker {
  /** Decorates an executor: same signature, refuses checks of endpoints whose circuit is open. */
  wrap<S extends CheckSpec>(next: Executor<S>): Executor<S>;
  /** the state of the circuit a spec's checks go through */
  stateOf(spec: CheckSpec): CircuitState;
  snapshot(): CircuitSnapshot;
}

/** One circuit, plain data. Endpoints that are closed with no failures have no entry at all. */
export interface Circuit {
  readonly state: CircuitState;
  /** closed: consecutive counted failures */
  readonly failures: number;
  /** open: when the next check may run as a trial (clock ms) */
  readonly openUntilMs: number;
  /** half_open: trials running, and trials that succeeded in this period */
  readonly trialsInFlight: number;
  readonly trialSuccesses: number;
  /** identifies an open/half-open period (0 while closed): results of older periods are ignored */
  readonly epoch: number;
  readonly lastFailureKind: string;
}

export const CLOSED_CIRCUIT: Circuit = Object.freeze({ state: 'closed', failures: 0, openUntilMs: 0, trialsInFlight: 0, trialSuccesses: 0, epoch: 0, lastFailureKind: '' });

/** What a check's result says about its endpoint; `neutral` says nothing (not counted). */
type Verdict = 'success' | 'failure' | 'neutral';

export type CircuitEvent =
  /** a check asks to run; `freshEpoch` numbers the half-open period it may start */
  | { readonly type: 'admit'; readonly nowMs: number; readonly freshEpoch: number }
  /** a check admitted in period `epoch` finished */
  | { readonly type: 'result'; readonly verdict: Verdict; readonly kind: string; readonly epoch: number; readonly nowMs: number; readonly freshEpoch: number }
  /** the wrapped executor rejected (a bug: executors resolve); frees a trial slot */
  | { readonly type: 'rejected'; readonly epoch: number };

export type Admission = { readonly run: true; readonly epoch: number } | { readonly run: false };

type Rules = Pick<CircuitBreakerConfig, 'failureThreshold' | 'openMs' | 'halfOpenMaxTrials' | 'closeAfterSuccesses'>;

function opened(kind: string, nowMs: number, epoch: number, rules: Rules): Circuit {
  return { state: 'open', failures: 0, openUntilMs: nowMs + rules.openMs, trialsInFlight: 0, trialSuccesses: 0, epoch, lastFailureKind: kind };
}

/**
 * The whole state machine: every transition of a circuit, in one place. Pure: the breaker
 * below only stores what this returns.
 */
export function transition(c: Circuit, event: CircuitEvent, rules: Rules): { circuit: Circuit; admission: Admission } {
  const RUN_CLOSED: Admission = { run: true, epoch: 0 };
  const REFUSE: Admission = { run: false };
  switch (event.type) {
    case 'admit':
      if (c.state === 'closed') return { circuit: c, admission: RUN_CLOSED };
      if (c.state === 'open') {
        if (event.nowMs < c.openUntilMs) return { circuit: c, admission: REFUSE };
        // the open period is over: this check is the first trial of a new half-open period
        const half: Circuit = { ...c, state: 'half_open', trialsInFlight: 1, trialSuccesses: 0, epoch: event.freshEpoch };
        return { circuit: half, admission: { run: true, epoch: half.epoch } };
      }
      if (c.trialsInFlight >= rules.halfOpenMaxTrials) return { circuit: c, admission: REFUSE };
      return { circuit: { ...c, trialsInFlight: c.trialsInFlight + 1 }, admission: { run: true, epoch: c.epoch } };
    case 'result': {
      // a check admitted in another period (before the circuit opened, or a trial of an
      // earlier half-open period) says nothing about this one
      if (event.epoch !== c.epoch) return { circuit: c, admission: REFUSE };
      if (c.state === 'closed') {
        if (event.verdict === 'success') return { circuit: CLOSED_CIRCUIT, admission: REFUSE };
        if (event.verdict === 'neutral') return { circuit: c, admission: REFUSE };
        const failures = c.failures + 1;
        if (failures >= rules.failureThreshold) return { circuit: opened(event.kind, event.nowMs, event.freshEpoch, rules), admission: REFUSE };
        return { circuit: { ...c, failures, lastFailureKind: event.kind }, admission: REFUSE };
      }
      if (c.state !== 'half_open') return { circuit: c, admission: REFUSE };
      if (event.verdict === 'failure') return { circuit: opened(event.kind, event.nowMs, event.freshEpoch, rules), admission: REFUSE };
      const trialsInFlight = c.trialsInFlight - 1;
      if (event.verdict === 'neutral') return { circuit: { ...c, trialsInFlight }, admission: REFUSE };
      const trialSuccesses = c.trialSuccesses + 1;
      if (trialSuccesses >= rules.closeAfterSuccesses) return { circuit: CLOSED_CIRCUIT, admission: REFUSE };
      return { circuit: { ...c, trialsInFlight, trialSuccesses }, admission: REFUSE };
    }
    case 'rejected':
      if (c.state !== 'half_open' || event.epoch !== c.epoch) return { circuit: c, admission: REFUSE };
      return { circuit: { ...c, trialsInFlight: c.trialsInFlight - 1 }, admission: REFUSE };
  }
}

function positiveInt(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`circuitBreaker.${field}: expected a positive integer, got ${value}`);
  return value;
}

function validated(config: Partial<CircuitBreakerConfig>): CircuitBreakerConfig {
  const merged: CircuitBreakerConfig = { ...DEFAULT_CIRCUIT_BREAKER, nowMs: () => performance.now(), ...config };
  positiveInt('failureThreshold', merged.failureThreshold);
  positiveInt('openMs', merged.openMs);
  positiveInt('halfOpenMaxTrials', merged.halfOpenMaxTrials);
  positiveInt('closeAfterSuccesses', merged.closeAfterSuccesses);
  positiveInt('maxTrackedHosts', merged.maxTrackedHosts);
  return Object.freeze(merged);
}

export function createCircuitBreaker(config: Partial<CircuitBreakerConfig> = {}): CircuitBreaker {
  const cfg = validated(config);
  const circuits = new Map<string, Circuit>();
  // Specs are frozen and run again and again; reading the key out of the URL costs ≈1 µs, a
  // WeakMap hit ≈30 ns, and entries go away with their spec.
  const keyBySpec = new WeakMap<CheckSpec, string>();
  let nextEpoch = 1;

  function keyOf(spec: CheckSpec): string {
    let key = keyBySpec.get(spec);
    if (key === undefined) {
      key = circuitKeyOf(spec);
      keyBySpec.set(spec, key);
    }
    return key;
  }

  /**
   * The breaker judges reachability: an endpoint that answered (up, degraded, or a verdict
   * such as a 500 or a body mismatch) cost the probe one quick exchange and is reachable.
   * Transport failures (DNS, connect, reset, timeout, TLS handshake…) count, and unclassified ones.
   */
  function verdictOf(result: CheckResult): Verdict {
    if (result.errorKind === null) return 'success';
    if (result.errorKind === 'circuit_open') return 'neutral';
    const family = ERROR_FAMILY[result.errorKind];
    if (family === 'verdict') return 'success';
    if (family === 'internal') return cfg.countInternalErrors ? 'failure' : 'neutral';
    return 'failure'; // transport, and the unclassified `other`
  }

  /** Runs one event through `transition` and stores the outcome. */
  function apply(key: string, event: CircuitEvent): Admission {
    const before = circuits.get(key) ?? CLOSED_CIRCUIT;
    const { circuit, admission } = transition(before, event, cfg);
    if (circuit === before) return admission;
    if (circuit === CLOSED_CIRCUIT) {
      circuits.delete(key); // closed with no failures is the default: keep no entry
      return admission;
    }
    // Re-insert so the Map's insertion order approximates "least recently changed" for eviction.
    circuits.delete(key);
    circuits.set(key, circuit);
    if (circuits.size > cfg.maxTrackedHosts) circuits.delete(circuits.keys().next().value as string);
    return admission;
  }

  function refuse(spec: CheckSpec, key: string, nowMs: number): Promise<CheckResult> {
    const c = circuits.get(key) ?? CLOSED_CIRCUIT;
    const detail =
      c.state === 'open'
        ? `circuit open after ${cfg.failureThreshold} consecutive failures (last: ${c.lastFailureKind}); half-open in ${((c.openUntilMs - nowMs) / 1000).toFixed(1)} s`
        : `circuit half-open: ${c.trialsInFlight} trial checks already in flight`;
    return Promise.resolve(circuitOpenResult(spec, detail));
  }

  function wrap<S extends CheckSpec>(next: Executor<S>): Executor<S> {
    return (spec, clients, options) => {
      const key = keyOf(spec);
      const current = circuits.get(key);
      // the hot path: an untracked (healthy) endpoint needs no clock read and no event
      const nowMs = current === undefined ? 0 : cfg.nowMs();
      const admission = current === undefined ? { run: true as const, epoch: 0 } : apply(key, { type: 'admit', nowMs, freshEpoch: nextEpoch });
      if (!admission.run) return refuse(spec, key, nowMs);
      if (admission.epoch === nextEpoch) nextEpoch++;
      const { epoch } = admission;
      return next(spec, clients, options).then(
        (result) => {
          const verdict = verdictOf(result);
          if (verdict === 'success' && !circuits.has(key)) return result; // healthy stays untracked
          apply(key, { type: 'result', verdict, kind: result.errorKind ?? result.status, epoch, nowMs: cfg.nowMs(), freshEpoch: nextEpoch++ });
          return result;
        },
        (err: unknown) => {
          apply(key, { type: 'rejected', epoch });
          throw err;
        },
      );
    };
  }

  function stateOfCircuit(c: Circuit | undefined, nowMs: number): CircuitState {
    if (c === undefined || c.state === 'closed') return 'closed';
    if (c.state === 'half_open' || nowMs >= c.openUntilMs) return 'half_open';
    return 'open';
  }

  return {
    wrap,
    stateOf: (spec) => stateOfCircuit(circuits.get(keyOf(spec)), cfg.nowMs()),
    snapshot() {
      const counts = { closed: 0, open: 0, half_open: 0 };
      const nowMs = cfg.nowMs();
      for (const c of circuits.values()) counts[stateOfCircuit(c, nowMs)]++;
      return counts;
    },
  };
}

/** The result of a refused check: no I/O happened, so every phase is null. */
function circuitOpenResult(spec: CheckSpec, detail: string): CheckResult {
  return {
    kind: spec.kind,
    target: targetOf(spec),
    startedAt: Date.now(),
    status: 'error',
    httpVersion: null,
    statusCode: null,
    responseBytes: null,
    timings: { ...NO_TIMINGS },
    errorKind: 'circuit_open',
    errorFamily: ERROR_FAMILY.circuit_open,
    errorPhase: null,
    detail,
    connectionReused: false,
    tls: null,
  };
}
