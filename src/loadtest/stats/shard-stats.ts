import type { Histogram } from 'hdr-histogram-js';
import type { CheckResult } from '../../domain/check-result.js';
import { isSuccess } from '../../domain/check-result.js';
import type { ErrorKind } from '../../domain/error-kind.js';
import { encodeHistogram, newLatencyHistogram, recordMs } from './histogram.js';

/** One raw error detail and how often it occurred. */
export interface DetailCount {
  readonly kind: ErrorKind;
  readonly detail: string;
  readonly count: number;
}

/**
 * What one shard hands back: counts and encoded histograms. Plain and JSON-safe so it
 * crosses the child-process IPC channel; memory does not grow with run length.
 */
export interface ShardSummary {
  readonly checks: number;
  readonly success: number;
  readonly errorsByKind: Readonly<Partial<Record<ErrorKind, number>>>;
  readonly topDetails: readonly DetailCount[];
  /** errors whose detail text did not fit the bounded detail table */
  readonly detailsOverflow: number;
  /** checks completed between the end of the ramp and the deadline */
  readonly steadyChecks: number;
  /** checks still running when the run was interrupted: cancelled, not counted */
  readonly cancelled: number;
  /** workers that started before the deadline (all of them unless the ramp fell behind) */
  readonly workersStarted: number;
  /** how late (ms) the latest-starting worker started against its ramp slot */
  readonly maxStartLagMs: number;
  readonly latencyUs: string;
  readonly connectUs: string;
  readonly ttfbUs: string;
  readonly peakRssBytes: number;
  readonly eventLoopDelayP99Ms: number;
}

/** Distinct (kind, detail) pairs kept; details carry ports and addresses, so cap them. */
const MAX_DETAILS = 64;
const MAX_DETAIL_CHARS = 200;

/** Records results as they arrive. One per shard; never shared across processes. */
export class ShardStats {
  checks = 0;
  success = 0;
  errors = 0;
  steadyChecks = 0;
  cancelled = 0;
  workersStarted = 0;
  maxStartLagMs = 0;
  private readonly errorsByKind = new Map<ErrorKind, number>();
  private readonly details = new Map<string, { kind: ErrorKind; detail: string; count: number }>();
  private detailsOverflow = 0;
  private readonly latency: Histogram = newLatencyHistogram();
  private readonly connect: Histogram = newLatencyHistogram();
  private readonly ttfb: Histogram = newLatencyHistogram();

  constructor(
    /** performance.now() ms: [steadyFromMs, steadyToMs] is the steady window after the ramp */
    private readonly steadyFromMs: number,
    private readonly steadyToMs: number,
  ) {}

  record(result: CheckResult, latencyMs: number, endMs: number): void {
    this.checks++;
    if (endMs >= this.steadyFromMs && endMs <= this.steadyToMs) this.steadyChecks++;
    recordMs(this.latency, latencyMs);
    const { connectMs, ttfbMs } = result.timings;
    if (connectMs !== null) recordMs(this.connect, connectMs);
    if (ttfbMs !== null) recordMs(this.ttfb, ttfbMs);
    if (isSuccess(result)) {
      this.success++;
      return;
    }
    this.errors++;
    const kind: ErrorKind = result.errorKind ?? 'other';
    this.errorsByKind.set(kind, (this.errorsByKind.get(kind) ?? 0) + 1);
    this.recordDetail(kind, result.detail ?? `${result.status}${result.statusCode === null ? '' : ` ${result.statusCode}`}`);
  }

  private recordDetail(kind: ErrorKind, rawDetail: string): void {
    const detail = rawDetail.length > MAX_DETAIL_CHARS ? `${rawDetail.slice(0, MAX_DETAIL_CHARS)}…` : rawDetail;
    const key = `${kind}\u0000${detail}`;
    const entry = this.details.get(key);
    if (entry !== undefined) entry.count++;
    else if (this.details.size < MAX_DETAILS) this.details.set(key, { kind, detail, count: 1 });
    else this.detailsOverflow++;
  }

  summarize(process: { peakRssBytes: number; eventLoopDelayP99Ms: number }): ShardSummary {
    const summary: ShardSummary = {
      checks: this.checks,
      success: this.success,
      errorsByKind: Object.fromEntries(this.errorsByKind),
      topDetails: [...this.details.values()].sort((a, b) => b.count - a.count).map((d) => ({ ...d })),
      detailsOverflow: this.detailsOverflow,
      steadyChecks: this.steadyChecks,
      cancelled: this.cancelled,
      workersStarted: this.workersStarted,
      maxStartLagMs: this.maxStartLagMs,
      latencyUs: encodeHistogram(this.latency),
      connectUs: encodeHistogram(this.connect),
      ttfbUs: encodeHistogram(this.ttfb),
      ...process,
    };
    return summary;
  }
}
