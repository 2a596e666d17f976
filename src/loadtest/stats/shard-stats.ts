import { isSuccess, PHASES, timingKey, type CheckResult, type Phase, type TimingKey } from '../../domain/check-result.js';
import type { ErrorKind } from '../../domain/error-kind.js';
import { encodeRecorder, newLatencyRecorder, newWindowRecorder, type LatencyRecorder } from './histogram.js';

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
  /** closed loop: start to end of each check; open loop: from its actual start */
  readonly latencyUs: string;
  /** every phase (dns … total) of the checks in which it occurred */
  readonly phasesUs: Readonly<Record<Phase, string>>;
  /** open loop only (RATE): the schedule and the latencies measured from it */
  readonly openLoop: OpenLoopSummary | null;
  readonly peakRssBytes: number;
  readonly eventLoopDelayP99Ms: number;
}

/** One window of an open-loop run (windowMs long, from the run's start). */
interface OpenLoopWindow {
  /** checks whose intended start fell in this window */
  readonly scheduled: number;
  /** of those, not started because CONCURRENCY checks were in flight */
  readonly dropped: number;
  /** latency from the intended start of the checks scheduled here that completed */
  readonly fromIntendedUs: string;
}

export interface OpenLoopSummary {
  readonly scheduled: number;
  readonly started: number;
  readonly dropped: number;
  /** latency from the intended start (coordinated omission corrected) */
  readonly fromIntendedUs: string;
  /** how late each started check started against its slot */
  readonly scheduleLagUs: string;
  readonly windowMs: number;
  readonly windows: readonly OpenLoopWindow[];
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
  private readonly latency: LatencyRecorder = newLatencyRecorder();
  /** one histogram per phase, in PHASES order, with the phase's field in the result's timings */
  private readonly phaseKeys: readonly TimingKey[] = PHASES.map(timingKey);
  private readonly phaseRecorders: readonly LatencyRecorder[] = PHASES.map(() => newLatencyRecorder());
  /** set by the open-loop driver; null in the closed loop */
  openLoop: OpenLoopStats | null = null;

  constructor(
    /** performance.now() ms: [steadyFromMs, steadyToMs] is the steady window after the ramp */
    private readonly steadyFromMs: number,
    private readonly steadyToMs: number,
  ) {}

  record(result: CheckResult, latencyMs: number, endMs: number): void {
    this.checks++;
    if (endMs >= this.steadyFromMs && endMs <= this.steadyToMs) this.steadyChecks++;
    this.latency.recordMs(latencyMs);
    // Once per completed check: the keys are made once (a `${phase}Ms` string built per
    // phase per check was a string allocation and a property lookup by an uninterned name).
    const timings = result.timings;
    const keys = this.phaseKeys;
    for (let i = 0; i < keys.length; i++) {
      const ms = timings[keys[i] as TimingKey];
      if (ms !== null) (this.phaseRecorders[i] as LatencyRecorder).recordMs(ms);
    }
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
      latencyUs: encodeRecorder(this.latency),
      phasesUs: Object.fromEntries(PHASES.map((p, i) => [p, encodeRecorder(this.phaseRecorders[i] as LatencyRecorder)])) as Record<Phase, string>,
      openLoop: this.openLoop?.summarize() ?? null,
      ...process,
    };
    return summary;
  }
}

/**
 * The open-loop side of a shard's stats: what was scheduled, dropped and started, latency from
 * each check's intended start, and per-window counts for the knee search.
 */
export class OpenLoopStats {
  scheduled = 0;
  started = 0;
  dropped = 0;
  private readonly fromIntended: LatencyRecorder = newLatencyRecorder();
  private readonly scheduleLag: LatencyRecorder = newLatencyRecorder();
  private readonly windows: Array<{ scheduled: number; dropped: number; fromIntended: LatencyRecorder }>;

  constructor(
    readonly windowMs: number,
    windowCount: number,
  ) {
    this.windows = Array.from({ length: windowCount }, () => ({ scheduled: 0, dropped: 0, fromIntended: newWindowRecorder() }));
  }

  /**
   * The window of a slot due `offsetMs` after the schedule's time zero. The offset comes from
   * the schedule itself, not from subtracting clock readings: slot 75 of 50..150/2s is due at
   * exactly 1000 ms and belongs to the second window, which `start + 1000 − start` can miss.
   */
  private windowAt(offsetMs: number): { scheduled: number; dropped: number; fromIntended: LatencyRecorder } {
    const index = Math.min(this.windows.length - 1, Math.max(0, Math.floor(offsetMs / this.windowMs)));
    return this.windows[index] as { scheduled: number; dropped: number; fromIntended: LatencyRecorder };
  }

  /** A slot came due and CONCURRENCY checks were in flight: counted, never started late. */
  drop(offsetMs: number): void {
    this.scheduled++;
    this.dropped++;
    const w = this.windowAt(offsetMs);
    w.scheduled++;
    w.dropped++;
  }

  /** A slot due `offsetMs` after time zero started `lagMs` after it was due. */
  start(offsetMs: number, lagMs: number): void {
    this.scheduled++;
    this.started++;
    this.windowAt(offsetMs).scheduled++;
    this.scheduleLag.recordMs(lagMs);
  }

  /** A slot due `offsetMs` after time zero completed `fromIntendedMs` after it was due. */
  complete(offsetMs: number, fromIntendedMs: number): void {
    this.fromIntended.recordMs(fromIntendedMs);
    this.windowAt(offsetMs).fromIntended.recordMs(fromIntendedMs);
  }

  summarize(): OpenLoopSummary {
    return {
      scheduled: this.scheduled,
      started: this.started,
      dropped: this.dropped,
      fromIntendedUs: encodeRecorder(this.fromIntended),
      scheduleLagUs: encodeRecorder(this.scheduleLag),
      windowMs: this.windowMs,
      windows: this.windows.map((w) => ({ scheduled: w.scheduled, dropped: w.dropped, fromIntendedUs: encodeRecorder(w.fromIntended) })),
    };
  }
}
