// The closed-loop driver on its own: ramp schedule, deadline, hard stop. The check function is
// a timer here (the driver is what is under test; real checks run in run-modes.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckResult } from '../../src/domain/check-result.js';
import { defineHttpCheck } from '../../src/domain/check-spec.js';
import { tellDone } from '../../src/check/check-done.js';
import { driveWorkers, HARD_STOP_GRACE_MS, type StartCheck } from '../../src/loadtest/workers/drive-workers.js';

const spec = defineHttpCheck({ url: 'http://127.0.0.1:9/ok' });
const up = (): CheckResult => ({
  kind: 'http', target: spec.url, startedAt: Date.now(), status: 'up', httpVersion: '1.1', statusCode: 200, responseBytes: 2,
  timings: { dnsMs: null, connectMs: 0.1, tlsMs: null, ttfbMs: 0.1, receiveMs: 0, totalMs: 1 },
  errorKind: null, errorFamily: null, errorPhase: null, detail: null, connectionReused: false, tls: null,
});

test('workers start on the ramp, no check starts after the deadline, every started check is recorded', async () => {
  const starts: number[] = [];
  const firstStartByWorker = new Map<string, number>();
  const specs = Array.from({ length: 10 }, (_, j) => defineHttpCheck({ url: `http://127.0.0.1:${j + 1}/ok` }));
  const startMs = performance.now() + 20;
  const startCheck: StartCheck = (_s, _signal, done) => void setTimeout(() => tellDone(done, up()), 5);
  const handle = driveWorkers({
    workerCount: 10,
    startOffsetMs: (j) => j * 30,
    specFor: (j) => specs[j] ?? spec,
    startMs,
    durationMs: 400,
    rampMs: 300,
    timeoutMs: 1000,
    startCheck: (s, signal, done) => {
      const at = performance.now() - startMs;
      starts.push(at);
      if (!firstStartByWorker.has(s.url)) firstStartByWorker.set(s.url, at);
      startCheck(s, signal, done);
    },
    stopSignal: new AbortController().signal,
  });
  await handle.done;
  assert.equal(handle.stats.workersStarted, 10);
  assert.ok(Math.min(...starts) >= 0, 'nothing before worker 0 is due');
  assert.ok(Math.max(...starts) < 400, 'no check starts after the deadline');
  assert.equal(handle.stats.checks, starts.length, 'every started check is recorded');
  assert.equal(handle.stats.cancelled, 0);
  specs.forEach((s, j) => assert.ok((firstStartByWorker.get(s.url) ?? -1) >= j * 30, `worker ${j} starts at ${j * 30} ms or later`));
});

test('a check that never ends is cancelled at deadline + timeout + grace, and the run ends', async () => {
  const startMs = performance.now();
  const hang: StartCheck = (_s, signal, done) => signal.addEventListener('abort', () => tellDone(done, up()), { once: true });
  const handle = driveWorkers({
    workerCount: 3, startOffsetMs: () => 0, specFor: () => spec, startMs, durationMs: 50, rampMs: 0, timeoutMs: 100,
    startCheck: hang, stopSignal: new AbortController().signal,
  });
  await handle.done;
  const tookMs = performance.now() - startMs;
  assert.equal(handle.stats.cancelled, 3);
  assert.equal(handle.stats.checks, 0);
  assert.ok(tookMs >= 50 + 100 + HARD_STOP_GRACE_MS - 5 && tookMs < 50 + 100 + HARD_STOP_GRACE_MS + 1000, `took ${tookMs} ms`);
});

test('stopping (SIGINT) ends the run at once and cancels what was in flight', async () => {
  const stop = new AbortController();
  const hang: StartCheck = (_s, signal, done) => signal.addEventListener('abort', () => tellDone(done, up()), { once: true });
  const handle = driveWorkers({
    workerCount: 4, startOffsetMs: () => 0, specFor: () => spec, startMs: performance.now(), durationMs: 60_000, rampMs: 0, timeoutMs: 5000,
    startCheck: hang, stopSignal: stop.signal,
  });
  setTimeout(() => stop.abort(), 50);
  const startedMs = performance.now();
  await handle.done;
  assert.ok(performance.now() - startedMs < 1000);
  assert.equal(handle.stats.cancelled, 4);
});

test('a check told done before startCheck returns is counted once, and the worker goes on without recursing', async () => {
  // 2 workers whose checks all complete synchronously for 60 ms: each must start the next
  // from its own loop, not from inside the last (thousands deep, that overflows the stack).
  let started = 0;
  let depth = 0;
  let maxDepth = 0;
  const handle = driveWorkers({
    workerCount: 2, startOffsetMs: () => 0, specFor: () => spec, startMs: performance.now(), durationMs: 60, rampMs: 0, timeoutMs: 100,
    startCheck: (_s, _signal, done) => {
      started++;
      maxDepth = Math.max(maxDepth, ++depth);
      tellDone(done, up());
      depth--;
    },
    stopSignal: new AbortController().signal,
  });
  await handle.done;
  assert.ok(started > 100, `${started} checks started`);
  assert.equal(maxDepth, 1, 'no check starts inside another');
  assert.equal(handle.stats.checks, started, 'every started check is recorded once');
  assert.equal(handle.inFlight(), 0);
  assert.equal(handle.stats.cancelled, 0);
});
