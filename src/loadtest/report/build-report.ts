import { cpus } from 'node:os';
import type { Histogram } from 'hdr-histogram-js';
import { faultLabel } from '../options/knob-parsers.js';
import type { LoadTestOptions } from '../options/load-test-options.js';
import { maxMs, mergeEncoded, percentileMs } from '../stats/histogram.js';
import { HARD_STOP_GRACE_MS } from '../workers/drive-workers.js';
import type { DetailCount, ShardSummary } from '../stats/shard-stats.js';
import { REPORT_VERSION, type LoadTestReport } from './report-schema.js';

export interface RunFacts {
  readonly options: LoadTestOptions;
  readonly summaries: readonly ShardSummary[];
  readonly procs: number;
  readonly procsReason: string;
  readonly startedAtEpochMs: number;
  readonly elapsedMs: number;
  readonly interrupted: boolean;
  /** RSS peak of the coordinating process when it is not itself a shard (sharded runs) */
  readonly coordinatorRssBytes: number;
}

/** Event-loop delay above this means latencies include the harness's own queueing. */
const HIGH_LOOP_DELAY_MS = 50;
const TOP_ERRORS = 10;
const RAMP_LAG_WARN_MS = 1000;

/** Merges the shard summaries into the report: pure apart from reading os facts. */
export function buildReport(facts: RunFacts): LoadTestReport {
  const { options, summaries } = facts;
  const sum = (pick: (s: ShardSummary) => number): number => summaries.reduce((acc, s) => acc + pick(s), 0);
  const checks = sum((s) => s.checks);
  const success = sum((s) => s.success);
  const latency = mergeEncoded(summaries.map((s) => s.latencyUs));
  const connect = mergeEncoded(summaries.map((s) => s.connectUs));
  const ttfb = mergeEncoded(summaries.map((s) => s.ttfbUs));
  const elapsedSecs = facts.elapsedMs / 1000;
  const steadySecs = Math.min(elapsedSecs, options.durationSecs) - options.rampSecs;
  const loopDelayMs = Math.max(0, ...summaries.map((s) => s.eventLoopDelayP99Ms));
  const report: LoadTestReport = {
    version: REPORT_VERSION,
    startedAt: new Date(facts.startedAtEpochMs).toISOString(),
    config: configOf(options),
    procs: facts.procs,
    procsReason: facts.procsReason,
    totals: { checks, success, errors: checks - success, successPct: checks === 0 ? null : (success / checks) * 100, cancelled: sum((s) => s.cancelled) },
    workersStarted: sum((s) => s.workersStarted),
    rampLagMs: Math.max(0, ...summaries.map((s) => s.maxStartLagMs)),
    errorsByKind: mergeErrorKinds(summaries),
    topErrors: mergeDetails(summaries),
    elapsedSecs,
    rps: elapsedSecs > 0 ? checks / elapsedSecs : 0,
    steadyRps: steadySecs > 0 && !facts.interrupted ? sum((s) => s.steadyChecks) / steadySecs : null,
    latencyMs: {
      p50: percentileMs(latency, 50),
      p90: percentileMs(latency, 90),
      p95: percentileMs(latency, 95),
      p99: percentileMs(latency, 99),
      p999: percentileMs(latency, 99.9),
      max: maxMs(latency),
    },
    phasesMs: { connect: p50p99(connect), ttfb: p50p99(ttfb) },
    peakRssBytes: sum((s) => s.peakRssBytes) + facts.coordinatorRssBytes,
    eventLoopDelayP99Ms: loopDelayMs,
    interrupted: facts.interrupted,
    warnings: [],
    machine: { cpus: cpus().length, node: process.version, platform: process.platform, arch: process.arch },
  };
  for (const h of [latency, connect, ttfb]) h.destroy();
  report.warnings = warningsFor(report, options);
  return report;
}

function configOf(options: LoadTestOptions): LoadTestReport['config'] {
  return {
    concurrency: options.concurrency,
    durationSecs: options.durationSecs,
    timeoutMs: options.timeoutMs,
    mockPorts: options.mockPorts,
    rampSecs: options.rampSecs,
    http2: options.http2,
    tls: options.tls,
    reportSecs: options.reportSecs,
    procs: options.procs,
    mockDelayMs: { ...options.mockDelayMs },
    mockFaults: options.mockFaults.length === 0 ? 'none' : options.mockFaults.map((f) => `${faultLabel(f.fault)}:${f.probability}`).join(','),
  };
}

function p50p99(h: Histogram): { p50: number | null; p99: number | null } {
  return { p50: percentileMs(h, 50), p99: percentileMs(h, 99) };
}

function mergeErrorKinds(summaries: readonly ShardSummary[]): Record<string, number> {
  const merged = new Map<string, number>();
  for (const s of summaries) for (const [kind, n] of Object.entries(s.errorsByKind)) merged.set(kind, (merged.get(kind) ?? 0) + (n ?? 0));
  return Object.fromEntries([...merged].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

function mergeDetails(summaries: readonly ShardSummary[]): DetailCount[] {
  const merged = new Map<string, DetailCount>();
  for (const s of summaries) {
    for (const d of s.topDetails) {
      const key = `${d.kind}\u0000${d.detail}`;
      merged.set(key, { kind: d.kind, detail: d.detail, count: (merged.get(key)?.count ?? 0) + d.count });
    }
  }
  return [...merged.values()].sort((a, b) => b.count - a.count).slice(0, TOP_ERRORS);
}

function warningsFor(report: LoadTestReport, options: LoadTestOptions): string[] {
  const warnings: string[] = [];
  if (report.interrupted) warnings.push(`interrupted: ${report.totals.cancelled} in-flight checks were cancelled and are not counted`);
  else if (report.totals.cancelled > 0) {
    warnings.push(
      `${report.totals.cancelled} checks were still running ${HARD_STOP_GRACE_MS / 1000} s past deadline + TIMEOUT_MS (the load generator was overloaded): cancelled so the run ends on time, not counted`,
    );
  }
  if (report.eventLoopDelayP99Ms > HIGH_LOOP_DELAY_MS) {
    warnings.push(
      `the load generator's event-loop delay p99 is ${report.eventLoopDelayP99Ms.toFixed(0)} ms: latencies include the harness's own queueing (lower CONCURRENCY or add PROCS)`,
    );
  }
  const { p50, p999, max } = report.latencyMs;
  if (p50 !== null && p999 !== null && max !== null && (p999 > 10 * p50 || max >= options.timeoutMs)) {
    warnings.push(
      'heavy tail: in a closed loop a stalled check also stops its worker from sending (coordinated omission), so the real tail under a fixed arrival rate is worse than shown',
    );
  }
  // Workers due in the last moments before the deadline may miss it by a tick: not a warning.
  if (!report.interrupted && report.workersStarted < options.concurrency && report.rampLagMs > RAMP_LAG_WARN_MS) {
    warnings.push(
      `only ${report.workersStarted} of ${options.concurrency} workers started before the deadline: the load generator fell behind the ramp, so the run drove less concurrency than asked`,
    );
  } else if (report.rampLagMs > RAMP_LAG_WARN_MS) {
    warnings.push(`workers started up to ${(report.rampLagMs / 1000).toFixed(1)} s behind their ramp slot: the load generator could not start checks as fast as RAMP_SECS asks`);
  }
  const fdExhausted = report.errorsByKind['fd_exhausted'] ?? 0;
  if (fdExhausted > 0) warnings.push(`${fdExhausted} checks hit the file-descriptor limit (fd_exhausted): raise ulimit -n or PROCS`);
  return warnings;
}
