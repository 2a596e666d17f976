import { cpus } from 'node:os';
import type { Histogram } from 'hdr-histogram-js';
import { faultLabel } from '../options/knob-parsers.js';
import type { LoadTestOptions } from '../options/load-test-options.js';
import { PHASES, type Phase } from '../../domain/check-result.js';
import { maxMs, mergeEncoded, newWindowHistogram, percentileMs } from '../stats/histogram.js';
import { slotsDueBefore } from '../workers/drive-open-loop.js';
import { HARD_STOP_GRACE_MS } from '../workers/drive-workers.js';
import type { DetailCount, OpenLoopSummary, ShardSummary } from '../stats/shard-stats.js';
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
    latencyMs: latencyPercentiles(latency),
    phasesMs: mergePhases(summaries),
    openLoop: mergeOpenLoop(facts, latency),
    peakRssBytes: sum((s) => s.peakRssBytes) + facts.coordinatorRssBytes,
    eventLoopDelayP99Ms: loopDelayMs,
    interrupted: facts.interrupted,
    warnings: [],
    machine: { cpus: cpus().length, node: process.version, platform: process.platform, arch: process.arch },
  };
  latency.destroy();
  report.warnings = warningsFor(report, options);
  return report;
}

function configOf(options: LoadTestOptions): LoadTestReport['config'] {
  return {
    concurrency: options.concurrency,
    durationSecs: options.durationSecs,
    timeoutMs: options.timeoutMs,
    mockPorts: options.mockPorts,
    ...(options.mockUrls === null ? {} : { mockUrls: [...options.mockUrls] }),
    rampSecs: options.rampSecs,
    http2: options.http2,
    tls: options.tls,
    reportSecs: options.reportSecs,
    procs: options.procs,
    mockDelayMs: { ...options.mockDelayMs },
    mockFaults: options.mockFaults.length === 0 ? 'none' : options.mockFaults.map((f) => `${faultLabel(f.fault)}:${f.probability}`).join(','),
    rate: options.rate === null ? null : { ...options.rate },
  };
}

function latencyPercentiles(h: Histogram): LoadTestReport['latencyMs'] {
  return { p50: percentileMs(h, 50), p90: percentileMs(h, 90), p95: percentileMs(h, 95), p99: percentileMs(h, 99), p999: percentileMs(h, 99.9), max: maxMs(h) };
}

function mergePhases(summaries: readonly ShardSummary[]): LoadTestReport['phasesMs'] {
  const entries = PHASES.map((phase: Phase) => {
    const h = mergeEncoded(summaries.map((s) => s.phasesUs[phase]));
    const stats = { count: h.totalCount, p50: percentileMs(h, 50), p90: percentileMs(h, 90), p99: percentileMs(h, 99), max: maxMs(h) };
    h.destroy();
    return [phase, stats] as const;
  });
  return Object.fromEntries(entries) as LoadTestReport['phasesMs'];
}

/** Dropped slots a window may have and still count as under the knee. */
const KNEE_MAX_DROPPED_SHARE = 0.01;

function mergeOpenLoop(facts: RunFacts, fromStart: Histogram): LoadTestReport['openLoop'] {
  const rate = facts.options.rate;
  const parts = facts.summaries.map((s) => s.openLoop).filter((o): o is OpenLoopSummary => o !== null);
  if (rate === null || parts.length === 0) return null;
  const sum = (pick: (o: OpenLoopSummary) => number): number => parts.reduce((acc, o) => acc + pick(o), 0);
  const fromIntended = mergeEncoded(parts.map((o) => o.fromIntendedUs));
  const lag = mergeEncoded(parts.map((o) => o.scheduleLagUs));
  const durationMs = facts.options.durationSecs * 1000;
  const windowMs = (parts[0] as OpenLoopSummary).windowMs;
  const windowCount = Math.max(...parts.map((o) => o.windows.length));
  const windows: NonNullable<LoadTestReport['openLoop']>['windows'] = [];
  for (let i = 0; i < windowCount; i++) {
    const here = parts.map((o) => o.windows[i]).filter((w) => w !== undefined);
    const h = mergeEncoded(here.map((w) => w.fromIntendedUs), newWindowHistogram);
    const toMs = Math.min(durationMs, (i + 1) * windowMs);
    windows.push({
      fromSecs: (i * windowMs) / 1000,
      ratePerSec: ((slotsDueBefore(rate, toMs) - slotsDueBefore(rate, i * windowMs)) * 1000) / Math.max(1, toMs - i * windowMs),
      scheduled: here.reduce((a, w) => a + w.scheduled, 0),
      dropped: here.reduce((a, w) => a + w.dropped, 0),
      completed: h.totalCount,
      p99FromIntendedMs: percentileMs(h, 99),
    });
    h.destroy();
  }
  const result: NonNullable<LoadTestReport['openLoop']> = {
    scheduled: sum((o) => o.scheduled),
    started: sum((o) => o.started),
    dropped: sum((o) => o.dropped),
    askedRatePerSec: (slotsDueBefore(rate, durationMs) * 1000) / durationMs,
    achievedRatePerSec: (sum((o) => o.started) * 1000) / durationMs,
    latencyFromIntendedMs: latencyPercentiles(fromIntended),
    latencyFromStartMs: latencyPercentiles(fromStart),
    scheduleLagMs: { p50: percentileMs(lag, 50), p99: percentileMs(lag, 99), max: maxMs(lag) },
    windows,
    knee: { boundP99Ms: facts.options.kneeP99Ms, ratePerSec: kneeOf(windows, facts.options.kneeP99Ms) },
  };
  fromIntended.destroy();
  lag.destroy();
  return result;
}

/**
 * The knee: walking the windows by rising rate, the highest rate reached before the first
 * window whose p99 from the intended start is at or over the bound, or which dropped more
 * than 1 % of its slots, or in which nothing completed. Null when the lowest already fails.
 */
export function kneeOf(windows: NonNullable<LoadTestReport['openLoop']>['windows'], boundP99Ms: number): number | null {
  let knee: number | null = null;
  for (const w of [...windows].sort((a, b) => a.ratePerSec - b.ratePerSec)) {
    if (w.scheduled === 0) continue;
    const ok = w.p99FromIntendedMs !== null && w.p99FromIntendedMs < boundP99Ms && w.dropped <= w.scheduled * KNEE_MAX_DROPPED_SHARE;
    if (!ok) break;
    knee = w.ratePerSec;
  }
  return knee;
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
  const open = report.openLoop;
  if (open !== null) warnings.push(...openLoopWarnings(open));
  else if (p50 !== null && p999 !== null && max !== null && (p999 > 10 * p50 || max >= options.timeoutMs)) {
    warnings.push(
      'heavy tail: in a closed loop a stalled check also stops its worker from sending (coordinated omission), so the real tail under a fixed arrival rate is worse than shown',
    );
  }
  // Workers due in the last moments before the deadline may miss it by a tick: not a warning.
  // (The open loop has no worker ramp.)
  if (open === null) warnings.push(...rampWarnings(report, options));
  const fdExhausted = report.errorsByKind['fd_exhausted'] ?? 0;
  if (fdExhausted > 0) warnings.push(`${fdExhausted} checks hit the file-descriptor limit (fd_exhausted): raise ulimit -n or PROCS`);
  return warnings;
}

function rampWarnings(report: LoadTestReport, options: LoadTestOptions): string[] {
  const warnings: string[] = [];
  if (!report.interrupted && report.workersStarted < options.concurrency && report.rampLagMs > RAMP_LAG_WARN_MS) {
    warnings.push(
      `only ${report.workersStarted} of ${options.concurrency} workers started before the deadline: the load generator fell behind the ramp, so the run drove less concurrency than asked`,
    );
  } else if (report.rampLagMs > RAMP_LAG_WARN_MS) {
    warnings.push(`workers started up to ${(report.rampLagMs / 1000).toFixed(1)} s behind their ramp slot: the load generator could not start checks as fast as RAMP_SECS asks`);
  }
  return warnings;
}

/** Schedule lag above this means the generator, not the target, set part of the latency. */
const SCHEDULE_LAG_WARN_MS = 10;

function openLoopWarnings(open: NonNullable<LoadTestReport['openLoop']>): string[] {
  const warnings: string[] = [];
  if (open.dropped > 0) {
    warnings.push(`${open.dropped} of ${open.scheduled} scheduled checks were dropped (CONCURRENCY checks already in flight): the target did not keep up with the rate, or raise CONCURRENCY`);
  }
  const lagP99 = open.scheduleLagMs.p99;
  if (lagP99 !== null && lagP99 > SCHEDULE_LAG_WARN_MS) {
    warnings.push(`checks started up to ${lagP99.toFixed(1)} ms (p99) after their slot: the load generator could not keep the schedule; latency from the intended start includes that lag`);
  }
  return warnings;
}
