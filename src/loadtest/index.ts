import type { LoadTestOptions } from './options/load-test-options.js';
import { buildReport } from './report/build-report.js';
import type { LoadTestReport } from './report/report-schema.js';
import { planProcs, readFdBudget, type FdBudget } from './shards/procs-plan.js';
import { runSharded } from './shards/run-sharded.js';
import type { ShardSummary } from './stats/shard-stats.js';
import { prepareShard, type ShardProgress } from './workers/shard-runner.js';

export interface ProgressSnapshot {
  readonly elapsedMs: number;
  readonly checks: number;
  readonly intervalRps: number;
  readonly inFlight: number;
  readonly errors: number;
}

export interface RunHooks {
  /** aborting stops the run early; the report still comes back, marked interrupted */
  readonly stopSignal?: AbortSignal;
  /** called once the process plan is known, before anything starts */
  readonly onPlan?: (plan: { procs: number; reason: string }) => void;
  /** called every REPORT_SECS while load runs */
  readonly onProgress?: (snapshot: ProgressSnapshot) => void;
  /** fd budget override (tests); read from the OS otherwise */
  readonly fdBudget?: FdBudget;
}

/** The run cannot happen as configured (fd budget, PROCS); said before anything starts. */
export class RunPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunPlanError';
  }
}

/**
 * Runs a load test and returns its report: plans the process count from the fd budget, runs
 * in-process or sharded over child processes (each with its own mocks), merges the results.
 */
export async function runLoadTest(options: LoadTestOptions, hooks: RunHooks = {}): Promise<LoadTestReport> {
  const plan = planProcs(options, hooks.fdBudget ?? readFdBudget());
  if (!plan.ok) throw new RunPlanError(plan.problem);
  hooks.onPlan?.({ procs: plan.procs, reason: plan.reason });
  const stopSignal = hooks.stopSignal ?? new AbortController().signal;
  let poll: (() => ShardProgress) | null = null;
  let ticker: NodeJS.Timeout | undefined;
  const onStarted = (startMs: number, p: () => ShardProgress): void => {
    poll = p;
    ticker = startProgressTicker(options, startMs, () => poll, hooks.onProgress);
  };
  try {
    let summaries: readonly ShardSummary[];
    let startEpochMs: number;
    let startMs: number;
    let endMs: number;
    if (plan.procs === 1) {
      const shard = await prepareShard(options, { index: 0, count: 1 });
      try {
        startEpochMs = Date.now();
        startMs = performance.now();
        const summary = await shard.run(startMs, stopSignal, (p) => onStarted(startMs, p));
        endMs = performance.now();
        summaries = [summary];
      } finally {
        await shard.close();
      }
    } else {
      const run = await runSharded(options, plan.procs, stopSignal, (p, at) => onStarted(at, p));
      endMs = performance.now();
      ({ summaries, startEpochMs, startMs } = run);
    }
    const elapsedMs = endMs - startMs;
    return buildReport({
      options,
      summaries,
      procs: plan.procs,
      procsReason: plan.reason,
      startedAtEpochMs: startEpochMs,
      elapsedMs: Math.max(0, elapsedMs),
      interrupted: stopSignal.aborted,
      coordinatorRssBytes: plan.procs === 1 ? 0 : process.resourceUsage().maxRSS * 1024,
    });
  } finally {
    clearInterval(ticker);
  }
}

function startProgressTicker(
  options: LoadTestOptions,
  startMs: number,
  poll: () => (() => ShardProgress) | null,
  onProgress: RunHooks['onProgress'],
): NodeJS.Timeout | undefined {
  if (onProgress === undefined || options.reportSecs === 0) return undefined;
  let lastChecks = 0;
  let lastMs = performance.now();
  return setInterval(() => {
    const read = poll();
    if (read === null) return;
    const p = read();
    const nowMs = performance.now();
    const intervalRps = ((p.checks - lastChecks) * 1000) / Math.max(1, nowMs - lastMs);
    lastChecks = p.checks;
    lastMs = nowMs;
    onProgress({ elapsedMs: nowMs - startMs, checks: p.checks, intervalRps, inFlight: p.inFlight, errors: p.errors });
  }, options.reportSecs * 1000);
}

export type { LoadTestOptions } from './options/load-test-options.js';
export type { LoadTestReport } from './report/report-schema.js';
export { formatSummary } from './report/format-summary.js';
