import { targetOf, type CheckSpec } from '../domain/check-spec.js';
import { NO_TIMINGS, type CheckResult } from '../domain/check-result.js';
import type { Executor } from '../check/index.js';
import { ERROR_FAMILY } from '../domain/error-kind.js';
import { canonicalHost, hostOfSpec } from './circuit-key.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerConfig {
  /** consecutive failed checks (down, or error other than circuit_open) that open the circuit */
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
  /** hosts tracked at most (only hosts with failures or an open circuit are tracked) */
  readonly maxTrackedHosts: number;
  /** monotonic clock in ms (default performance.now); tests inject a fake one */
  readonly nowMs: () => number;
}

export const DEFAULT_CIRCUIT_BREAKER: Omit<CircuitBreakerConfig, 'nowMs'> = Object.freeze({
  failureThreshold: 5,
  openMs: 60_000,
  halfOpenMaxTrials: 3,
  closeAfterSuccesses: 2,
  countInternalErrors: false,
  maxTrackedHosts: 100_000,
});

export interface CircuitSnapshot {
  /** tracked hosts that are closed but have recent consecutive failures */
  readonly closed: number;
  readonly open: number;
  readonly half_open: number;
}

export interface CircuitBreaker {
  /** Decorates an executor: same signature, refuses checks of hosts whose circuit is open. */
  wrap<S extends CheckSpec>(next: Executor<S>): Executor<S>;
  stateOf(host: string): CircuitState;
  snapshot(): CircuitSnapshot;
}

const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;

/** Per-host state. Hosts that are closed with no failures have no entry at all. */
class HostCircuit {
  state = CLOSED;
  consecutiveFailures = 0;
  lastFailureKind = '';
  /** when an open circuit turns half-open (clock ms) */
  halfOpenAtMs = 0;
  /** identifies the current half-open period, so late results of older trials are ignored */
  epoch = 0;
  trialsInFlight = 0;
  trialSuccesses = 0;
}

type Verdict = 'success' | 'failure' | 'neutral';

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
  const hosts = new Map<string, HostCircuit>();
  // Specs are frozen and run again and again; reading the host out of the URL costs ≈1 µs here,
  // a WeakMap hit ≈30 ns, and entries go away with their spec.
  const hostBySpec = new WeakMap<CheckSpec, string>();
  let nextEpoch = 1;

  function hostKey(spec: CheckSpec): string {
    let host = hostBySpec.get(spec);
    if (host === undefined) {
      host = hostOfSpec(spec);
      hostBySpec.set(spec, host);
    }
    return host;
  }

  function verdictOf(result: CheckResult): Verdict {
    if (result.status === 'up' || result.status === 'degraded') return 'success';
    if (result.errorKind === 'circuit_open') return 'neutral';
    if (!cfg.countInternalErrors && result.errorKind !== null && ERROR_FAMILY[result.errorKind] === 'internal') return 'neutral';
    return 'failure';
  }

  function open(host: string, circuit: HostCircuit, kind: string): void {
    circuit.state = OPEN;
    circuit.halfOpenAtMs = cfg.nowMs() + cfg.openMs;
    circuit.lastFailureKind = kind;
    circuit.epoch = 0;
    circuit.trialsInFlight = 0;
    circuit.trialSuccesses = 0;
    // Re-insert so the Map's insertion order approximates "least recently changed" for eviction.
    hosts.delete(host);
    hosts.set(host, circuit);
  }

  function recordFailure(host: string, kind: string): void {
    let circuit = hosts.get(host);
    if (circuit === undefined) {
      circuit = new HostCircuit();
      hosts.set(host, circuit);
      if (hosts.size > cfg.maxTrackedHosts) hosts.delete(hosts.keys().next().value as string);
    }
    if (circuit.state !== CLOSED) return; // results of checks admitted before the circuit opened
    circuit.consecutiveFailures++;
    circuit.lastFailureKind = kind;
    if (circuit.consecutiveFailures >= cfg.failureThreshold) open(host, circuit, kind);
  }

  /** Result of a check admitted while closed. */
  function onClosedResult(host: string, result: CheckResult): void {
    const verdict = verdictOf(result);
    if (verdict === 'failure') return recordFailure(host, result.errorKind ?? result.status);
    if (verdict === 'success') {
      const circuit = hosts.get(host);
      // Closed with zero failures is the default: forget the host rather than keep an entry.
      if (circuit !== undefined && circuit.state === CLOSED) hosts.delete(host);
    }
  }

  /** Result of a half-open trial admitted in period `epoch`. */
  function onTrialResult(host: string, epoch: number, result: CheckResult): void {
    const circuit = hosts.get(host);
    if (circuit === undefined || circuit.state !== HALF_OPEN || circuit.epoch !== epoch) return;
    circuit.trialsInFlight--;
    const verdict = verdictOf(result);
    if (verdict === 'failure') return open(host, circuit, result.errorKind ?? result.status);
    if (verdict === 'success' && ++circuit.trialSuccesses >= cfg.closeAfterSuccesses) hosts.delete(host);
  }

  /** Releases a trial slot when `next` rejected (it should not; executeCheck never does). */
  function onTrialRejected(host: string, epoch: number): void {
    const circuit = hosts.get(host);
    if (circuit !== undefined && circuit.state === HALF_OPEN && circuit.epoch === epoch) circuit.trialsInFlight--;
  }

  function refuse(spec: CheckSpec, circuit: HostCircuit, nowMs: number): Promise<CheckResult> {
    const detail =
      circuit.state === OPEN
        ? `circuit open after ${cfg.failureThreshold} consecutive failures (last: ${circuit.lastFailureKind}); half-open in ${((circuit.halfOpenAtMs - nowMs) / 1000).toFixed(1)} s`
        : `circuit half-open: ${circuit.trialsInFlight} trial checks already in flight`;
    return Promise.resolve(circuitOpenResult(spec, detail));
  }

  function wrap<S extends CheckSpec>(next: Executor<S>): Executor<S> {
    return (spec, clients, options) => {
      const host = hostKey(spec);
      const circuit = hosts.get(host);
      if (circuit === undefined || circuit.state === CLOSED) {
        return next(spec, clients, options).then((result) => {
          onClosedResult(host, result);
          return result;
        });
      }
      const nowMs = cfg.nowMs();
      if (circuit.state === OPEN) {
        if (nowMs < circuit.halfOpenAtMs) return refuse(spec, circuit, nowMs);
        circuit.state = HALF_OPEN;
        circuit.epoch = nextEpoch++;
        circuit.trialsInFlight = 0;
        circuit.trialSuccesses = 0;
      }
      if (circuit.trialsInFlight >= cfg.halfOpenMaxTrials) return refuse(spec, circuit, nowMs);
      circuit.trialsInFlight++;
      const epoch = circuit.epoch;
      return next(spec, clients, options).then(
        (result) => {
          onTrialResult(host, epoch, result);
          return result;
        },
        (err: unknown) => {
          onTrialRejected(host, epoch);
          throw err;
        },
      );
    };
  }

  function stateOfCircuit(circuit: HostCircuit | undefined, nowMs: number): CircuitState {
    if (circuit === undefined || circuit.state === CLOSED) return 'closed';
    if (circuit.state === HALF_OPEN || nowMs >= circuit.halfOpenAtMs) return 'half_open';
    return 'open';
  }

  return {
    wrap,
    stateOf: (host) => stateOfCircuit(hosts.get(canonicalHost(host)), cfg.nowMs()),
    snapshot() {
      const counts = { closed: 0, open: 0, half_open: 0 };
      const nowMs = cfg.nowMs();
      for (const circuit of hosts.values()) counts[stateOfCircuit(circuit, nowMs)]++;
      return counts;
    },
  };
}

/** The result of a refused check: no I/O happened, so every phase is null. */
export function circuitOpenResult(spec: CheckSpec, detail: string): CheckResult {
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
