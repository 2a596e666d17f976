import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckResult } from '../../src/domain/check-result.js';
import { parseInvocation } from '../../src/loadtest/options/load-test-options.js';
import { buildReport, kneeOf } from '../../src/loadtest/report/build-report.js';
import { compareWithBaseline, formatComparison } from '../../src/loadtest/report/baseline.js';
import { formatSummary } from '../../src/loadtest/report/format-summary.js';
import { parseBaseline, parseReport, type LoadTestReport } from '../../src/loadtest/report/report-schema.js';
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
  // every phase, counted over the checks in which it occurred (the failures connected nowhere)
  assert.deepEqual(Object.fromEntries(Object.entries(r.phasesMs).map(([p, s]) => [p, s.count])), { dns: 0, connect: 200, tls: 0, ttfb: 200, receive: 200, total: 203 });
  assert.deepEqual(r.phasesMs.dns, { count: 0, p50: null, p90: null, p99: null, max: null });
  assert.deepEqual(r.phasesMs.receive, { count: 200, p50: 0.1, p90: 0.1, p99: 0.1, max: 0.1 });
  assert.equal(r.openLoop, null);
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
  assert.match(text, /^connect ms +p50 0\.50 · p90 0\.50 · p99 0\.50 · max 0\.50 {2}\(200 checks\)$/m);
  assert.match(text, /^ttfb ms +p50 1\.00 · p90 1\.00 · p99 1\.00 · max 1\.00 {2}\(200 checks\)$/m);
  assert.match(text, /^receive ms +p50 0\.10 /m);
  assert.match(text, /^total ms +p50 2\.00 · p90 2\.00 · p99 2\.00 · max 2\.00 {2}\(203 checks\)$/m);
  // phases that never occurred are left out, not printed as n/a
  assert.doesNotMatch(text, /^(dns|tls) ms/m);
  assert.match(text, /closed loop \(4 workers\)/);
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

/** A version-1 report as JSON=path wrote it before every phase and the open loop were added. */
function versionOneReport(): Record<string, unknown> {
  const v2 = JSON.parse(JSON.stringify(twoShardReport())) as Record<string, unknown> & { config: Record<string, unknown> };
  const { openLoop: _open, ...rest } = v2;
  const { rate: _rate, ...config } = v2.config;
  return { ...rest, version: 1, config, phasesMs: { connect: { p50: 0.5, p99: 0.5 }, ttfb: { p50: 1, p99: 1 } } };
}

test('BASELINE reads reports of version 1 and 2; any other version is refused, naming the field', () => {
  const now = twoShardReport();
  assert.equal(now.version, 2);
  const v1 = parseBaseline(versionOneReport());
  assert.ok(v1.ok, v1.ok ? '' : v1.problem);
  assert.equal(v1.report.version, 1);
  const cmp = compareWithBaseline(now, v1.report, { maxRpsDropPct: 10, maxP99RisePct: 25 });
  assert.deepEqual(cmp.regressions, []);
  assert.match(formatComparison(cmp, v1.report, 'old.json'), /report version 1/);
  const v2 = parseBaseline(JSON.parse(JSON.stringify(now)));
  assert.ok(v2.ok);
  // a version-1 file must have the version-1 shape, and a current report the current one
  const broken = parseBaseline({ ...versionOneReport(), phasesMs: { ttfb: { p50: 1, p99: 1 } } });
  assert.deepEqual(broken.ok ? null : broken.problem.split(':')[0], 'phasesMs.connect');
  const v2WithoutPhases = parseBaseline({ ...now, phasesMs: { connect: { p50: 0.5, p99: 0.5 }, ttfb: { p50: 1, p99: 1 } } });
  assert.deepEqual(v2WithoutPhases.ok ? null : v2WithoutPhases.problem.split(':')[0], 'phasesMs.dns');
  const future = parseBaseline({ ...now, version: 3 });
  assert.deepEqual(future.ok ? null : future.problem, 'version: expected 1 or 2, got 3');
  assert.equal(parseReport(versionOneReport()).ok, false, 'a version-1 file is not a current report');
});

test('the knee is the highest rate before the first window over the bound or dropping more than 1 %', () => {
  const w = (ratePerSec: number, p99: number | null, dropped = 0, scheduled = 1000) => ({ fromSecs: 0, ratePerSec, scheduled, dropped, completed: scheduled - dropped, p99FromIntendedMs: p99 });
  assert.equal(kneeOf([w(1000, 5), w(2000, 20), w(3000, 150), w(4000, 40)], 100), 2000, 'a later window under the bound does not lift the knee');
  assert.equal(kneeOf([w(3000, 5), w(1000, 5), w(2000, 5)], 100), 3000, 'windows are taken by rate, not by time');
  assert.equal(kneeOf([w(1000, 5), w(2000, 5, 11)], 100), 1000, '1.1 % dropped is over');
  assert.equal(kneeOf([w(1000, 5), w(2000, 5, 10)], 100), 2000, '1 % dropped is still under');
  assert.equal(kneeOf([w(1000, 100)], 100), null, 'p99 equal to the bound is not under it');
  assert.equal(kneeOf([w(1000, null, 1000)], 100), null, 'nothing completed');
});
