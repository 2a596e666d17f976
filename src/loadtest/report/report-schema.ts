import { z } from 'zod';

/**
 * The machine-readable report (JSON=path), version 2. docs/loadtest.md documents every field.
 * Version 2 added every phase (`phasesMs`), the open loop (`config.rate`, `openLoop`).
 * BASELINE files of version 1 or 2 are validated before a run starts and compared on what
 * both carry (rps, success, latency).
 */
export const REPORT_VERSION = 2;

const ms = z.number().nonnegative();
const nullableMs = ms.nullable();
const latencyPercentiles = z.object({ p50: nullableMs, p90: nullableMs, p95: nullableMs, p99: nullableMs, p999: nullableMs, max: nullableMs });
/** One phase over the checks in which it occurred (count 0 and nulls when it never did). */
const phaseStats = z.object({ count: z.number().int().nonnegative(), p50: nullableMs, p90: nullableMs, p99: nullableMs, max: nullableMs });
const rateSchedule = z.object({ fromPerSec: z.number().positive(), toPerSec: z.number().positive(), overSecs: z.number().positive().nullable() });

const openLoopSchema = z.object({
  /** checks whose slot came due before the deadline */
  scheduled: z.number().int().nonnegative(),
  started: z.number().int().nonnegative(),
  /** slots due while CONCURRENCY checks were in flight: not started (never started late) */
  dropped: z.number().int().nonnegative(),
  /** the rate asked for, averaged over the run (checks/s) */
  askedRatePerSec: z.number().nonnegative(),
  /** checks started per second of the run */
  achievedRatePerSec: z.number().nonnegative(),
  /** from each check's intended start (coordinated omission corrected, as wrk2) */
  latencyFromIntendedMs: latencyPercentiles,
  /** from each check's actual start (what a closed loop would show) */
  latencyFromStartMs: latencyPercentiles,
  /** how late checks started against their slot (the generator's own lag) */
  scheduleLagMs: z.object({ p50: nullableMs, p99: nullableMs, max: nullableMs }),
  windows: z.array(
    z.object({
      fromSecs: z.number().nonnegative(),
      /** the rate the schedule asked for in this window */
      ratePerSec: z.number().nonnegative(),
      scheduled: z.number().int().nonnegative(),
      dropped: z.number().int().nonnegative(),
      completed: z.number().int().nonnegative(),
      p99FromIntendedMs: nullableMs,
    }),
  ),
  /** the highest window rate with p99 (from intended) under the bound and ≤ 1 % dropped, every lower-rate window too; null when even the first was over */
  knee: z.object({ boundP99Ms: z.number().positive(), ratePerSec: z.number().nonnegative().nullable() }),
});

const reportV2Schema = z.object({
  version: z.literal(REPORT_VERSION),
  /** ISO-8601, when the first worker was due */
  startedAt: z.string(),
  config: z.object({
    concurrency: z.number().int().positive(),
    durationSecs: z.number().positive(),
    timeoutMs: z.number().int().positive(),
    mockPorts: z.number().int().positive(),
    /** MOCK_URLS: the run drove mocks another process served (absent: it started its own) */
    mockUrls: z.array(z.string()).optional(),
    rampSecs: z.number().nonnegative(),
    http2: z.boolean(),
    tls: z.boolean(),
    reportSecs: z.number().nonnegative(),
    procs: z.union([z.literal('auto'), z.number().int().positive()]),
    mockDelayMs: z.object({ minMs: z.number().int().nonnegative(), maxMs: z.number().int().nonnegative() }),
    mockFaults: z.string(),
    /** null = closed loop */
    rate: rateSchedule.nullable(),
  }),
  /** processes the workers ran in (1 = in-process) */
  procs: z.number().int().positive(),
  procsReason: z.string(),
  totals: z.object({
    checks: z.number().int().nonnegative(),
    success: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    successPct: z.number().min(0).max(100).nullable(),
    /** in flight when the run was interrupted; not in checks */
    cancelled: z.number().int().nonnegative(),
  }),
  /** workers that started before the deadline; fewer than concurrency when the ramp fell behind */
  workersStarted: z.number().int().nonnegative(),
  /** the most any worker started (or, unstarted, was already) behind its ramp slot, ms */
  rampLagMs: ms,
  errorsByKind: z.record(z.string(), z.number().int().positive()),
  topErrors: z.array(z.object({ kind: z.string(), detail: z.string(), count: z.number().int().positive() })),
  elapsedSecs: z.number().nonnegative(),
  rps: z.number().nonnegative(),
  /** checks completed between the end of the ramp and the deadline, per second */
  steadyRps: z.number().nonnegative().nullable(),
  /** closed loop: each check's start to end; open loop: the same (from the actual start) */
  latencyMs: latencyPercentiles,
  phasesMs: z.object({ dns: phaseStats, connect: phaseStats, tls: phaseStats, ttfb: phaseStats, receive: phaseStats, total: phaseStats }),
  openLoop: openLoopSchema.nullable(),
  /** sum of the per-process peaks (an upper bound of the simultaneous total) */
  peakRssBytes: z.number().int().nonnegative(),
  /** worst per-process event-loop delay p99 of the load generator */
  eventLoopDelayP99Ms: ms,
  interrupted: z.boolean(),
  warnings: z.array(z.string()),
  machine: z.object({ cpus: z.number().int().positive(), node: z.string(), platform: z.string(), arch: z.string() }),
});

export type LoadTestReport = z.infer<typeof reportV2Schema>;

/** Version 1 (before 2026-12-03): connect and ttfb p50/p99 only, no open loop. Still read as a BASELINE. */
const reportV1Schema = reportV2Schema.omit({ version: true, phasesMs: true, openLoop: true, config: true }).extend({
  version: z.literal(1),
  config: reportV2Schema.shape.config.omit({ rate: true }),
  phasesMs: z.object({ connect: z.object({ p50: nullableMs, p99: nullableMs }), ttfb: z.object({ p50: nullableMs, p99: nullableMs }) }),
});

/** What a BASELINE comparison reads: carried by every report version. */
export type BaselineReport = Pick<LoadTestReport, 'startedAt' | 'rps' | 'totals' | 'latencyMs'> & { readonly version: number };

function problemOf(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue === undefined ? 'not a report' : `${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

/** Validates parsed JSON as a current report; returns the problem as one line, or the report. */
export function parseReport(value: unknown): { ok: true; report: LoadTestReport } | { ok: false; problem: string } {
  const result = reportV2Schema.safeParse(value);
  return result.success ? { ok: true, report: result.data } : { ok: false, problem: problemOf(result.error) };
}

/** Validates a BASELINE file: a report of version 1 or 2. */
export function parseBaseline(value: unknown): { ok: true; report: BaselineReport } | { ok: false; problem: string } {
  const version = (value as { version?: unknown } | null)?.version;
  if (version === 1) {
    const v1 = reportV1Schema.safeParse(value);
    return v1.success ? { ok: true, report: v1.data } : { ok: false, problem: problemOf(v1.error) };
  }
  if (version !== REPORT_VERSION) return { ok: false, problem: `version: expected 1 or ${REPORT_VERSION}, got ${JSON.stringify(version)}` };
  return parseReport(value);
}
