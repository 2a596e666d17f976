// Real runs: mock servers on 127.0.0.1:0 in a worker thread, the production executor, a
// few hundred workers for about a second each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLoadTest, type LoadTestReport } from '../../src/loadtest/index.js';
import { parseInvocation } from '../../src/loadtest/options/load-test-options.js';

async function run(env: Record<string, string>): Promise<LoadTestReport> {
  const options = parseInvocation([], { CONCURRENCY: '100', DURATION_SECS: '1', RAMP_SECS: '0.2', MOCK_PORTS: '4', REPORT_SECS: '0', ...env }).options;
  return runLoadTest(options);
}

function assertConsistent(r: LoadTestReport): void {
  const errors = Object.values(r.errorsByKind).reduce((s, n) => s + n, 0);
  assert.ok(r.totals.checks > 0, 'some checks ran');
  assert.equal(r.totals.checks, r.totals.success + errors, 'total = success + errors by kind');
  assert.equal(r.totals.errors, errors);
  const l = r.latencyMs;
  const ordered = [l.p50, l.p90, l.p95, l.p99, l.p999, l.max];
  assert.ok(ordered.every((v) => v !== null));
  assert.deepEqual([...(ordered as number[])].sort((a, b) => a - b), ordered, 'percentiles ordered');
  assert.equal(r.interrupted, false);
  // a generator starved by a busy machine may fall behind the ramp (reported, not hidden)
  assert.ok(r.workersStarted > 0 && r.workersStarted <= r.config.concurrency);
  assert.equal(r.warnings.some((w) => w.includes('fell behind the ramp')), r.workersStarted < r.config.concurrency && r.rampLagMs > 1000);
  assert.ok(r.peakRssBytes > 0);
}

test('HTTP/1: fresh connection per check, every check succeeds, connect and ttfb measured', async () => {
  const r = await run({});
  assertConsistent(r);
  assert.equal(r.procs, 1);
  assert.equal(r.totals.success, r.totals.checks);
  assert.ok((r.phasesMs.connect.p50 ?? -1) >= 0 && r.phasesMs.ttfb.p50 !== null);
  assert.ok(r.elapsedSecs >= 1 && r.elapsedSecs < 1 + 5 + 3, `elapsed ${r.elapsedSecs}`);
});

test('HTTP2=1: h2c prior knowledge over pooled sessions', async () => {
  const r = await run({ HTTP2: '1', CONCURRENCY: '300' });
  assertConsistent(r);
  assert.equal(r.totals.success, r.totals.checks);
  assert.equal(r.config.http2, true);
});

test('TLS=1: HTTPS/1.1 against the certificate made at start, trusted via its CA', async () => {
  const r = await run({ TLS: '1', CONCURRENCY: '50' });
  assertConsistent(r);
  assert.equal(r.totals.success, r.totals.checks);
});

test('TLS=1 HTTP2=1: h2 negotiated by ALPN', async () => {
  const r = await run({ TLS: '1', HTTP2: '1', CONCURRENCY: '100' });
  assertConsistent(r);
  assert.equal(r.totals.success, r.totals.checks);
});

test('injected faults show up as the right error kinds', async () => {
  const r = await run({ MOCK_FAULTS: '500:0.15,reset:0.15,close:0.15', CONCURRENCY: '50' });
  assertConsistent(r);
  assert.deepEqual(Object.keys(r.errorsByKind).sort(), ['connection_reset', 'no_response', 'unexpected_status']);
  assert.ok(r.totals.success > 0);
});

test('a slow mock past TIMEOUT_MS counts as timeout, and the run still ends on time', async () => {
  const r = await run({ MOCK_FAULTS: 'slow:0.5', TIMEOUT_MS: '200', CONCURRENCY: '20' });
  assertConsistent(r);
  assert.deepEqual(Object.keys(r.errorsByKind), ['timeout']);
  assert.ok((r.latencyMs.max ?? 0) >= 200, 'timed-out checks took the full timeout');
  assert.ok(r.elapsedSecs < 1 + 0.2 + 3, `elapsed ${r.elapsedSecs}`);
});

test('PROCS=2: the sharded path runs two child processes and merges their counts', async () => {
  const r = await run({ PROCS: '2', CONCURRENCY: '60' });
  assertConsistent(r);
  assert.equal(r.procs, 2);
  assert.equal(r.totals.success, r.totals.checks);
  assert.match(r.procsReason, /as requested/);
});
