import { z } from 'zod';

/**
 * The machine-readable report (JSON=path), version 1. docs/loadtest.md documents every field;
 * BASELINE files are validated against this schema before a run starts.
 */
export const REPORT_VERSION = 1;

const ms = z.number().nonnegative();
const nullableMs = ms.nullable();

const loadTestReportSchema = z.object({
  version: z.literal(REPORT_VERSION),
  /** ISO-8601, when the first worker was due */
  startedAt: z.string(),
  config: z.object({
    concurrency: z.number().int().positive(),
    durationSecs: z.number().positive(),
    timeoutMs: z.number().int().positive(),
    mockPorts: z.number().int().positive(),
    rampSecs: z.number().nonnegative(),
    http2: z.boolean(),
    tls: z.boolean(),
    reportSecs: z.number().nonnegative(),
    procs: z.union([z.literal('auto'), z.number().int().positive()]),
    mockDelayMs: z.object({ minMs: z.number().int().nonnegative(), maxMs: z.number().int().nonnegative() }),
    mockFaults: z.string(),
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
  latencyMs: z.object({ p50: nullableMs, p90: nullableMs, p95: nullableMs, p99: nullableMs, p999: nullableMs, max: nullableMs }),
  phasesMs: z.object({
    connect: z.object({ p50: nullableMs, p99: nullableMs }),
    ttfb: z.object({ p50: nullableMs, p99: nullableMs }),
  }),
  /** sum of the per-process peaks (an upper bound of the simultaneous total) */
  peakRssBytes: z.number().int().nonnegative(),
  /** worst per-process event-loop delay p99 of the load generator */
  eventLoopDelayP99Ms: ms,
  interrupted: z.boolean(),
  warnings: z.array(z.string()),
  machine: z.object({ cpus: z.number().int().positive(), node: z.string(), platform: z.string(), arch: z.string() }),
});

export type LoadTestReport = z.infer<typeof loadTestReportSchema>;

/** Validates parsed JSON as a report; returns the problem as one line, or the report. */
export function parseReport(value: unknown): { ok: true; report: LoadTestReport } | { ok: false; problem: string } {
  const result = loadTestReportSchema.safeParse(value);
  if (result.success) return { ok: true, report: result.data };
  const issue = result.error.issues[0];
  return { ok: false, problem: issue === undefined ? 'not a report' : `${issue.path.join('.') || '(root)'}: ${issue.message}` };
}
