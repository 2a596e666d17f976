import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defineHttpCheck, defineTcpCheck, targetOf, type CheckSpec } from '../domain/check-spec.js';
import type { CheckResult, CheckStatus } from '../domain/check-result.js';
import { ERROR_FAMILY, type ErrorKind } from '../domain/error-kind.js';
import { buildClients } from '../check/clients.js';
import { CLOSED_CIRCUIT, createCircuitBreaker, transition, type Circuit, type CircuitBreakerConfig, type CircuitEvent } from './circuit-breaker.js';

const clients = buildClients();
after(() => clients.close());

const SPEC = defineHttpCheck({ url: 'https://api.example.com/health' });

/** A real CheckResult as an executor would build it for the given outcome. */
function resultOf(spec: CheckSpec, status: CheckStatus, errorKind: ErrorKind | null = null): CheckResult {
  return {
    kind: spec.kind,
    target: targetOf(spec),
    startedAt: Date.now(),
    status,
    httpVersion: status === 'up' || status === 'degraded' ? '1.1' : null,
    statusCode: status === 'up' || status === 'degraded' ? 200 : null,
    responseBytes: null,
    timings: { dnsMs: 1.5, connectMs: 0.4, tlsMs: null, ttfbMs: status === 'up' ? 2 : null, receiveMs: null, totalMs: 5 },
    errorKind,
    errorFamily: errorKind === null ? null : ERROR_FAMILY[errorKind],
    errorPhase: errorKind === null ? null : 'connect',
    detail: null,
    connectionReused: false,
    tls: null,
  };
}

const UP = (spec: CheckSpec) => resultOf(spec, 'up');
const DEGRADED = (spec: CheckSpec) => resultOf(spec, 'degraded', 'slow_response');
const REFUSED = (spec: CheckSpec) => resultOf(spec, 'down', 'connection_refused');
const FD_EXHAUSTED = (spec: CheckSpec) => resultOf(spec, 'error', 'fd_exhausted');
const NESTED_OPEN = (spec: CheckSpec) => resultOf(spec, 'error', 'circuit_open');

type Outcome = (spec: CheckSpec) => CheckResult;

/** A breaker around an executor whose outcome the test sets; counts the calls that got through. */
function harness(config: Partial<CircuitBreakerConfig> = {}) {
  let clockMs = 0;
  let outcome: Outcome = UP;
  let calls = 0;
  const breaker = createCircuitBreaker({ nowMs: () => clockMs, ...config });
  const check = breaker.wrap(async (spec: CheckSpec) => {
    calls++;
    return outcome(spec);
  });
  return {
    breaker,
    run: (spec: CheckSpec = SPEC) => check(spec, clients, {}),
    set outcome(o: Outcome) {
      outcome = o;
    },
    advance(ms: number) {
      clockMs += ms;
    },
    get calls() {
      return calls;
    },
  };
}

/** An executor whose results the test releases one by one (trials in flight). */
function deferredHarness(config: Partial<CircuitBreakerConfig> = {}) {
  let clockMs = 0;
  const pending: ((o: Outcome) => void)[] = [];
  const breaker = createCircuitBreaker({ nowMs: () => clockMs, ...config });
  const check = breaker.wrap((spec: CheckSpec) => new Promise<CheckResult>((resolve) => pending.push((o) => resolve(o(spec)))));
  return {
    breaker,
    run: (spec: CheckSpec = SPEC) => check(spec, clients, {}),
    release: (o: Outcome) => pending.shift()!(o),
    get pendingCount() {
      return pending.length;
    },
    advance(ms: number) {
      clockMs += ms;
    },
  };
}

async function failTimes(h: ReturnType<typeof harness>, n: number): Promise<void> {
  h.outcome = REFUSED;
  for (let i = 0; i < n; i++) assert.equal((await h.run()).errorKind, 'connection_refused');
}

function assertCircuitOpenResult(result: CheckResult, spec: CheckSpec, detail: RegExp): void {
  assert.equal(result.status, 'error');
  assert.equal(result.errorKind, 'circuit_open');
  assert.equal(result.errorFamily, 'transport');
  assert.equal(result.errorPhase, null);
  assert.equal(result.kind, spec.kind);
  assert.equal(result.statusCode, null);
  assert.equal(result.httpVersion, null);
  assert.equal(result.tls, null);
  assert.deepEqual(result.timings, { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, receiveMs: null, totalMs: 0 });
  assert.match(result.detail ?? '', detail);
}

describe('circuit breaker', () => {
  it('passes results through unchanged while closed', async () => {
    const h = harness();
    const result = await h.run();
    assert.equal(result.status, 'up');
    assert.equal(h.calls, 1);
    assert.equal(h.breaker.stateOf(SPEC), 'closed');
  });

  it('opens after exactly 5 consecutive failures and then refuses without calling the executor', async () => {
    const h = harness();
    await failTimes(h, 4);
    assert.equal(h.breaker.stateOf(SPEC), 'closed');
    await failTimes(h, 1);
    assert.equal(h.breaker.stateOf(SPEC), 'open');
    h.advance(1000);
    const refused = await h.run();
    assert.equal(h.calls, 5);
    assertCircuitOpenResult(refused, SPEC, /5 consecutive failures \(last: connection_refused\); half-open in 59\.0 s/);
    assert.equal(refused.target, SPEC.url);
  });

  it('a success resets the count; degraded counts as success', async () => {
    const h = harness();
    await failTimes(h, 4);
    h.outcome = UP;
    await h.run();
    await failTimes(h, 4);
    h.outcome = DEGRADED;
    assert.equal((await h.run()).status, 'degraded');
    await failTimes(h, 4);
    assert.equal(h.breaker.stateOf(SPEC), 'closed');
    await failTimes(h, 1);
    assert.equal(h.breaker.stateOf(SPEC), 'open');
  });

  it('judges reachability: an answer that fails a verdict (a 500) is a success, not a failure', async () => {
    const h = harness();
    await failTimes(h, 4);
    h.outcome = (spec) => resultOf(spec, 'down', 'unexpected_status');
    for (let i = 0; i < 10; i++) assert.equal((await h.run()).errorKind, 'unexpected_status');
    await failTimes(h, 4);
    assert.equal(h.breaker.stateOf(SPEC), 'closed', 'the 500s reset the count');
  });

  it('does not count circuit_open results, nor internal errors unless asked to', async () => {
    const h = harness();
    h.outcome = NESTED_OPEN;
    for (let i = 0; i < 10; i++) await h.run();
    h.outcome = FD_EXHAUSTED;
    for (let i = 0; i < 10; i++) await h.run();
    assert.equal(h.breaker.stateOf(SPEC), 'closed');
    assert.equal(h.calls, 20);

    const counting = harness({ countInternalErrors: true });
    counting.outcome = FD_EXHAUSTED;
    for (let i = 0; i < 5; i++) await counting.run();
    assert.equal(counting.breaker.stateOf(SPEC), 'open');
  });

  it('goes half-open after 60 s, admits 3 trials at once, and 2 successes close it', async () => {
    const h = deferredHarness();
    for (let i = 0; i < 5; i++) {
      const p = h.run();
      h.release(REFUSED);
      await p;
    }
    h.advance(59_999);
    assert.equal(h.breaker.stateOf(SPEC), 'open');
    assertCircuitOpenResult(await h.run(), SPEC, /half-open in 0\.0 s/);
    h.advance(1);
    assert.equal(h.breaker.stateOf(SPEC), 'half_open');
    const trials = [h.run(), h.run(), h.run()];
    assert.equal(h.pendingCount, 3);
    assertCircuitOpenResult(await h.run(), SPEC, /half-open: 3 trial checks already in flight/);
    assert.equal(h.pendingCount, 3);
    h.release(UP);
    assert.equal((await trials[0])!.status, 'up');
    assert.equal(h.breaker.stateOf(SPEC), 'half_open');
    h.release(DEGRADED);
    await trials[1];
    assert.equal(h.breaker.stateOf(SPEC), 'closed');
    h.release(REFUSED); // a trial finishing after the circuit closed does not count
    await trials[2];
    assert.deepEqual(h.breaker.snapshot(), { closed: 0, open: 0, half_open: 0 });
  });

  it('a finished trial frees its slot for the next one', async () => {
    const h = deferredHarness({ failureThreshold: 1, closeAfterSuccesses: 3, halfOpenMaxTrials: 1 });
    const first = h.run();
    h.release(REFUSED);
    await first;
    h.advance(60_000);
    for (let i = 0; i < 3; i++) {
      const trial = h.run();
      assert.equal((await h.run()).errorKind, 'circuit_open');
      h.release(UP);
      await trial;
    }
    assert.equal(h.breaker.stateOf(SPEC), 'closed');
  });

  it('a failed trial re-opens the circuit for another full period', async () => {
    const h = deferredHarness();
    for (let i = 0; i < 5; i++) {
      const p = h.run();
      h.release(REFUSED);
      await p;
    }
    h.advance(60_000);
    const t1 = h.run();
    const t2 = h.run();
    h.release(REFUSED);
    await t1;
    assert.equal(h.breaker.stateOf(SPEC), 'open');
    h.release(UP); // late success of the old half-open period: ignored
    await t2;
    assert.equal(h.breaker.stateOf(SPEC), 'open');
    h.advance(59_999);
    assert.equal((await h.run()).errorKind, 'circuit_open');
    h.advance(1);
    assert.equal(h.breaker.stateOf(SPEC), 'half_open');
  });

  it('ignores a trial of an earlier half-open period that finishes in a later one', async () => {
    const h = deferredHarness();
    for (let i = 0; i < 5; i++) {
      const p = h.run();
      h.release(REFUSED);
      await p;
    }
    h.advance(60_000);
    const old1 = h.run();
    const old2 = h.run();
    h.release(REFUSED); // old1 fails: open again
    await old1;
    h.advance(60_000);
    const current = h.run(); // a trial of the second half-open period
    h.release(UP); // old2 finishes now: it belongs to the first period
    await old2;
    h.release(UP);
    await current;
    assert.equal(h.breaker.stateOf(SPEC), 'half_open', 'only one success of this period so far');
  });

  it('keys circuits by what fails together: scheme, canonical host and port', async () => {
    const h = harness({ failureThreshold: 2 });
    h.outcome = REFUSED;
    const dead = defineTcpCheck({ kind: 'tcp', host: '127.0.0.1', port: 18009 });
    await h.run(dead);
    await h.run(dead);
    assert.equal(h.breaker.stateOf(dead), 'open');
    // the same host on another port, and http on the dead port's host, are their own circuits
    const live = defineHttpCheck({ url: 'http://127.0.0.1:18001/t1' });
    h.outcome = UP;
    assert.equal((await h.run(live)).status, 'up');
    assert.equal(h.breaker.stateOf(live), 'closed');
    assert.equal(h.breaker.stateOf(defineTcpCheck({ kind: 'tcp', host: '127.0.0.1', port: 18001 })), 'closed');
    // spellings of one endpoint share its circuit
    h.outcome = REFUSED;
    await h.run(defineHttpCheck({ url: 'http://API.Example.COM.:8080/a' }));
    await h.run(defineHttpCheck({ url: 'http://user:pw@api.example.com:8080/b?c=1' }));
    assert.equal(h.breaker.stateOf(defineHttpCheck({ url: 'http://api.example.com:8080/' })), 'open');
    assert.equal(h.breaker.stateOf(defineHttpCheck({ url: 'https://api.example.com:8080/' })), 'closed', 'another scheme');
    assert.equal(h.breaker.stateOf(defineHttpCheck({ url: 'http://api.example.com/' })), 'closed', 'another port (80)');
    const refused = defineHttpCheck({ url: 'http://api.example.com:8080/other' });
    assertCircuitOpenResult(await h.run(refused), refused, /circuit open/);
    await h.run(defineHttpCheck({ url: 'http://[::1]:8080/x' }));
    await h.run(defineHttpCheck({ url: 'http://[0:0::1]:8080/y' }));
    assert.equal(h.breaker.stateOf(defineHttpCheck({ url: 'http://[::1]:8080/' })), 'open');
  });

  it('forgets hosts that recover, and bounds how many it tracks', async () => {
    const h = harness({ maxTrackedHosts: 3 });
    await failTimes(h, 2);
    assert.deepEqual(h.breaker.snapshot(), { closed: 1, open: 0, half_open: 0 });
    h.outcome = UP;
    await h.run();
    assert.deepEqual(h.breaker.snapshot(), { closed: 0, open: 0, half_open: 0 });
    h.outcome = REFUSED;
    for (let i = 0; i < 10; i++) await h.run(defineHttpCheck({ url: `https://host-${i}.example.com/` }));
    assert.deepEqual(h.breaker.snapshot(), { closed: 3, open: 0, half_open: 0 });
  });

  it('counts circuits per state for metrics', async () => {
    const h = harness({ failureThreshold: 1, openMs: 1000 });
    h.outcome = REFUSED;
    await h.run(defineHttpCheck({ url: 'https://a.example.com/' }));
    h.advance(500);
    await h.run(defineHttpCheck({ url: 'https://b.example.com/' }));
    h.advance(500);
    assert.deepEqual(h.breaker.snapshot(), { closed: 0, open: 1, half_open: 1 });
  });

  it('releases a trial slot when the wrapped executor rejects', async () => {
    let clockMs = 0;
    let fail: Error | null = null;
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenMaxTrials: 1, nowMs: () => clockMs });
    const check = breaker.wrap(async (spec: CheckSpec) => {
      if (fail !== null) throw fail;
      return REFUSED(spec);
    });
    await check(SPEC, clients, {});
    clockMs = 60_000;
    fail = new Error('executor bug');
    await assert.rejects(check(SPEC, clients, {}), /executor bug/);
    fail = null;
    assert.equal((await check(SPEC, clients, {})).errorKind, 'connection_refused'); // admitted as a trial
    assert.equal(breaker.stateOf(SPEC), 'open');
  });

  it('rejects invalid thresholds naming the field', () => {
    assert.throws(() => createCircuitBreaker({ failureThreshold: 0 }), /circuitBreaker\.failureThreshold: expected a positive integer, got 0/);
    assert.throws(() => createCircuitBreaker({ openMs: 1.5 }), /circuitBreaker\.openMs/);
  });
});

describe('circuit state machine (transition), as a table', () => {
  const RULES = { failureThreshold: 3, openMs: 1_000, halfOpenMaxTrials: 2, closeAfterSuccesses: 2 };
  const closed = (failures: number): Circuit => ({ ...CLOSED_CIRCUIT, failures, lastFailureKind: failures > 0 ? 'timeout' : '' });
  const open: Circuit = { ...CLOSED_CIRCUIT, state: 'open', openUntilMs: 5_000, epoch: 7, lastFailureKind: 'timeout' };
  const half = (inFlight: number, successes: number): Circuit => ({ ...open, state: 'half_open', trialsInFlight: inFlight, trialSuccesses: successes, epoch: 8 });
  const admit = (nowMs: number): CircuitEvent => ({ type: 'admit', nowMs, freshEpoch: 8 });
  const result = (verdict: 'success' | 'failure' | 'neutral', epoch: number): CircuitEvent => ({ type: 'result', verdict, kind: 'connection_refused', epoch, nowMs: 6_000, freshEpoch: 9 });
  type Row = readonly [string, Circuit, CircuitEvent, Partial<Circuit>, boolean | null];
  // [what, from, event, expected fields of the next circuit, admitted? (null: not an admission)]
  const rows: readonly Row[] = [
    ['closed admits', closed(0), admit(0), { state: 'closed' }, true],
    ['closed: a failure counts', closed(1), result('failure', 0), { state: 'closed', failures: 2, lastFailureKind: 'connection_refused' }, null],
    ['closed: the threshold-th failure opens for openMs', closed(2), result('failure', 0), { state: 'open', openUntilMs: 7_000, epoch: 9, lastFailureKind: 'connection_refused' }, null],
    ['closed: a success resets the count', closed(2), result('success', 0), { state: 'closed', failures: 0 }, null],
    ['closed: neutral (circuit_open, internal) changes nothing', closed(2), result('neutral', 0), { state: 'closed', failures: 2 }, null],
    ['closed: a result of an older period is ignored', closed(2), result('failure', 5), { state: 'closed', failures: 2 }, null],
    ['open refuses before openUntil', open, admit(4_999), { state: 'open' }, false],
    ['open: at openUntil the check is the first trial', open, admit(5_000), { state: 'half_open', trialsInFlight: 1, trialSuccesses: 0, epoch: 8 }, true],
    ['open: a late result of the closed period is ignored', open, result('success', 0), { state: 'open', epoch: 7 }, null],
    ['half-open admits trials up to the limit', half(1, 0), admit(6_000), { state: 'half_open', trialsInFlight: 2 }, true],
    ['half-open refuses beyond the limit', half(2, 0), admit(6_000), { state: 'half_open', trialsInFlight: 2 }, false],
    ['half-open: a failed trial re-opens for a full openMs', half(2, 1), result('failure', 8), { state: 'open', openUntilMs: 7_000, epoch: 9 }, null],
    ['half-open: a success short of the count stays half-open', half(2, 0), result('success', 8), { state: 'half_open', trialsInFlight: 1, trialSuccesses: 1 }, null],
    ['half-open: the closing success closes (no entry kept)', half(1, 1), result('success', 8), { ...CLOSED_CIRCUIT }, null],
    ['half-open: a neutral trial frees its slot only', half(2, 1), result('neutral', 8), { state: 'half_open', trialsInFlight: 1, trialSuccesses: 1 }, null],
    ['half-open: a trial of an earlier period is ignored', half(2, 1), result('failure', 4), { state: 'half_open', trialsInFlight: 2 }, null],
    ['half-open: a rejected trial frees its slot', half(2, 0), { type: 'rejected', epoch: 8 }, { state: 'half_open', trialsInFlight: 1 }, null],
  ];
  for (const [what, from, event, expected, admitted] of rows) {
    it(what, () => {
      const { circuit, admission } = transition(from, event, RULES);
      for (const [field, value] of Object.entries(expected)) assert.equal(circuit[field as keyof Circuit], value, `${field}`);
      if (admitted !== null) assert.equal(admission.run, admitted);
    });
  }
});
