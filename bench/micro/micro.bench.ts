/**
 * Hot-path building blocks that run once per check (or per result): each answers "did this
 * change make the per-check overhead grow?".
 */
import { do_not_optimize } from 'mitata';
import type { Clients, Executor } from '../../src/check/index.js';
import { classifyError } from '../../src/check/errors/classify.js';
import { defineHttpCheck } from '../../src/domain/check-spec.js';
import type { CheckResult } from '../../src/domain/check-result.js';
import { newLatencyHistogram, newLatencyRecorder } from '../../src/loadtest/stats/histogram.js';
import { ResultBatcher } from '../../src/pipeline/result-batcher.js';
import { createCircuitBreaker } from '../../src/resilience/circuit-breaker.js';
import type { ResultSink, StoredResult } from '../../src/storage/store.js';
import { httpResult } from '../../test/storage/store.fixtures.js';
import type { BenchDefinition } from '../harness/bench-types.js';
import { measureLatency } from '../harness/mitata-row.js';

const circuitBreaker: BenchDefinition = {
  name: 'micro/circuit-breaker',
  question: 'What does the circuit breaker add per check: allow + record on a healthy host, on a failing host, and refusing on an open one?',
  async run(ctx) {
    const bench = 'micro/circuit-breaker';
    const up = httpResult(1).result;
    const down: CheckResult = { ...up, status: 'down', errorKind: 'unexpected_status', errorFamily: 'verdict' };
    const clients = {} as Clients; // the inner executor below never reads it
    const healthy = defineHttpCheck({ url: 'https://healthy.example.test/' });
    const failing = defineHttpCheck({ url: 'https://failing.example.test/' });
    const refused = defineHttpCheck({ url: 'https://down.example.test/' });
    const next: Executor = (spec) => Promise.resolve(spec === healthy ? up : down);
    // failing: a threshold it never reaches, so every call is allow + record-failure
    const counting = createCircuitBreaker({ failureThreshold: 1_000_000_000 }).wrap(next);
    const breaker = createCircuitBreaker({ failureThreshold: 1, openMs: 3_600_000 }).wrap(next);
    await breaker(refused, clients, {}); // opens the circuit of down.example.test
    return [
      await measureLatency(ctx, { bench, variant: 'baseline-no-breaker' }, () => next(healthy, clients, {}), 'ns'),
      await measureLatency(ctx, { bench, variant: 'closed-allow-record-success' }, () => breaker(healthy, clients, {}), 'ns'),
      await measureLatency(ctx, { bench, variant: 'closed-allow-record-failure' }, () => counting(failing, clients, {}), 'ns'),
      await measureLatency(ctx, { bench, variant: 'open-refuse' }, () => breaker(refused, clients, {}), 'ns'),
    ];
  },
};

function codeError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

const classify: BenchDefinition = {
  name: 'micro/classify',
  question: 'What does classifying one caught error cost: a code-table hit, a cause chain, an AggregateError, and the message-text fallback?',
  async run(ctx) {
    const bench = 'micro/classify';
    const refused = codeError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED');
    const cases: ReadonlyArray<readonly [string, unknown, 'connect' | 'tls' | 'ttfb']> = [
      ['code-econnrefused', refused, 'connect'],
      ['code-cert-expired', codeError('certificate has expired', 'CERT_HAS_EXPIRED'), 'tls'],
      ['cause-chain', new Error('fetch failed', { cause: refused }), 'connect'],
      ['aggregate', new AggregateError([codeError('connect ECONNREFUSED ::1:1', 'ECONNREFUSED'), refused], 'connect ECONNREFUSED'), 'connect'],
      ['message-fallback', new Error('socket hang up'), 'ttfb'],
    ];
    const rows = [];
    for (const [variant, err, phase] of cases) {
      rows.push(await measureLatency(ctx, { bench, variant }, () => do_not_optimize(classifyError(err, phase)), 'ns'));
    }
    return rows;
  },
};

const histogram: BenchDefinition = {
  name: 'micro/histogram',
  question: 'What does recording one latency cost: the load test\'s recorder, and hdr-histogram-js\'s own recordValue?',
  async run(ctx) {
    const recorder = newLatencyRecorder();
    const h = newLatencyHistogram();
    let i = 0;
    let j = 0;
    try {
      // vary the value so each call touches a different bucket, as real latencies do
      return [
        await measureLatency(ctx, { bench: 'micro/histogram', variant: 'recorder' }, () => recorder.recordMs(0.5 + (i++ % 4096) * 0.37), 'ns'),
        await measureLatency(ctx, { bench: 'micro/histogram', variant: 'hdr-record-value' }, () => h.recordValue(500 + (j++ % 4096) * 370), 'ns'),
      ];
    } finally {
      h.destroy();
    }
  },
};

/** The batcher's own cost: a sink that accepts every batch at once. */
class NullSink implements ResultSink {
  insertResults(): Promise<void> {
    return Promise.resolve();
  }
}

const batcher: BenchDefinition = {
  name: 'micro/result-batcher',
  question: 'What does the result batcher cost to take N results and flush them (100 / 1,000 / 10,000; sink cost excluded)?',
  async run(ctx) {
    const results: StoredResult[] = Array.from({ length: 10_000 }, (_, i) => httpResult(1_700_000_000_000 + i));
    const rows = [];
    for (const n of [100, 1_000, 10_000]) {
      const flushN = async (): Promise<void> => {
        const b = new ResultBatcher({ sink: new NullSink(), flushIntervalMs: 60_000 });
        for (let i = 0; i < n; i++) b.write(results[i] as StoredResult);
        await b.flush();
      };
      rows.push(await measureLatency(ctx, { bench: 'micro/result-batcher', variant: `write-flush-${n}` }, flushN, 'µs'));
    }
    return rows;
  },
};

export const MICRO_BENCHES: readonly BenchDefinition[] = [circuitBreaker, classify, histogram, batcher];
