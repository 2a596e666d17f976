import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckResult } from '../../src/domain/check-result.js';
import { parseInvocation } from '../../src/loadtest/options/load-test-options.js';
import { buildReport } from '../../src/loadtest/report/build-report.js';
import { compareWithBaseline, formatComparison } from '../../src/loadtest/report/baseline.js';
import { formatSummary } from '../../src/loadtest/report/format-summary.js';
import { parseReport, type LoadTestReport } from '../../src/loadtest/report/report-schema.js';
import { ShardStats } from '../../src/loadtest/stats/shard-stats.js';

const options = parseInvocation([], { CONCURRENCY: '4', DURATION_SECS: '2', RAMP_SECS: '1' }).options;

function result(partial: Partial<CheckResult>): CheckResult {
  return {
    kind: 'http', target: 'http://127.0.0.1:1/ok', startedAt: 0, status: 'up', httpVersion: '1.1', statusCode: 200, responseBytes: 2,
    timings: { dnsMs: null, connectMs: 0.5, tlsMs: null, ttfbMs: 1, receiveMs: 0.1, totalMs: 2 },
    errorKind: null, errorFamily: null, errorPhase: null, detail: null, connectionReused: false, tls: null,
    ...partial,
  };
}

const failed = (errorKind: CheckResult['errorKind'], detail: string): CheckResult =>
  result({ status: 'down', errorKind, detail, statusCode: null, timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, receiveMs: null, totalMs: 1 } });

/** Two shards' worth of results, merged the way a sharded run merges them. */
function twoShardReport(): LoadTestReport {
  const a = new ShardStats(1000, 2000);
  const b = new ShardStats(1000, 2000);
  a.workersStarted = 2;
  a.maxStartLagMs = 3;
  b.workersStarted = 2;
  for (let i = 1; i <= 100; i++) a.record(result({}), i, 1500);
  for (let i = 1; i <= 100; i++) b.record(result({}), 100 + i, 500);
  b.record(failed('connection_reset', 'ECONNRESET: read ECONNRESET'), 3, 1500);
  b.record(failed('unexpected_status', 'status 500'), 3, 1500);
  b.record(failed('unexpected_status', 'status 500'), 3, 2500);
  const proc = { peakRssBytes: 1 << 20, eventLoopDelayP99Ms: 2 };
  return buildReport({
    options, summaries: [a.summarize(proc), b.summarize(proc)], procs: 2, procsReason: 'test',
    startedAtEpochMs: Date.UTC(2026, 0, 1), elapsedMs: 2000, interrupted: false, coordinatorRssBytes: 0,
  });
}

test('shards merge: counts add up and percentiles come from the merged histogram', () => {
  const r = twoShardReport();
  assert.equal(r.totals.checks, 203);
  assert.equal(r.totals.success, 200);
  assert.equal(r.totals.errors, 3);
  assert.equal(r.totals.checks, r.totals.success + Object.values(r.errorsByKind).reduce((s, n) => s + n, 0));
  assert.deepEqual(r.errorsByKind, { unexpected_status: 2, connection_reset: 1 });
  assert.deepEqual(r.topErrors[0], { kind: 'unexpected_status', detail: 'status 500', count: 2 });
  const l = r.latencyMs;
  assert.ok(Math.abs((l.p50 ?? 0) - 100) <= 1, `p50 ${l.p50}`);
  assert.ok(Math.abs((l.max ?? 0) - 200) <= 0.2, `max ${l.max}`);
  const ordered = [l.p50, l.p90, l.p95, l.p99, l.p999, l.max] as number[];
  assert.deepEqual([...ordered].sort((x, y) => x - y), ordered);
  assert.equal(r.phasesMs.connect.p50, 0.5);
  // steady window [1000, 2000]: 100 from shard a, 2 errors from shard b
  assert.equal(r.steadyRps, 102);
  assert.equal(r.rps, 101.5);
  assert.equal(r.peakRssBytes, 2 << 20);
  assert.equal(r.workersStarted, 4);
  assert.equal(r.rampLagMs, 3);
  assert.deepEqual(r.warnings, []);
});

test('the report matches its schema and survives a JSON round trip', () => {
  const r = twoShardReport();
  const parsed = parseReport(JSON.parse(JSON.stringify(r)));
  assert.ok(parsed.ok);
  const broken = parseReport({ ...r, totals: { ...r.totals, checks: -1 } });
  assert.deepEqual(broken.ok ? null : broken.problem.split(':')[0], 'totals.checks');
});

test('the summary shows totals, error kinds, percentiles and phases', () => {
  const text = formatSummary(twoShardReport());
  assert.match(text, /^total checks {2}203$/m);
  assert.match(text, /^success {7}200 \(98\.52%\)$/m);
  assert.match(text, /^ {2}unexpected_status +2 +66\.7% of errors$/m);
  assert.match(text, /^latency ms +p50 [\d.]+ · p90 [\d.]+ · p95 [\d.]+ · p99 [\d.]+ · p99\.9 [\d.]+ · max [\d.]+$/m);
  assert.match(text, /^connect ms +p50 0\.50 · p99 0\.50$/m);
  assert.match(text, /^procs +2 \(PROCS=auto: test\)$/m);
});

test('BASELINE flags an rps drop or a p99 rise beyond the thresholds, and nothing else', () => {
  const now = twoShardReport();
  const thresholds = { maxRpsDropPct: 10, maxP99RisePct: 25 };
  const same = compareWithBaseline(now, now, thresholds);
  assert.deepEqual(same.regressions, []);
  assert.equal(same.rpsChangePct, 0);
  const faster = { ...now, rps: now.rps * 1.2 };
  assert.match(compareWithBaseline(now, faster, thresholds).regressions.join(), /rps fell 16\.7%/);
  const quicker = { ...now, latencyMs: { ...now.latencyMs, p99: (now.latencyMs.p99 ?? 0) / 2 } };
  assert.match(compareWithBaseline(now, quicker, thresholds).regressions.join(), /p99 rose 100\.0%/);
  const slower = { ...now, rps: now.rps * 2, latencyMs: { ...now.latencyMs, p99: 1 } };
  assert.deepEqual(compareWithBaseline(now, slower, { maxRpsDropPct: 60, maxP99RisePct: 1e6 }).regressions, []);
  assert.match(formatComparison(same, now, 'b.json'), /^verdict +no regression$/m);
});
