import { setMaxListeners } from 'node:events';
import type { HttpCheckSpec } from '../../domain/check-spec.js';
import type { CheckResult } from '../../domain/check-result.js';
import type { CheckDone } from '../../check/index.js';
import { ShardStats } from '../stats/shard-stats.js';

/**
 * Starts one check and tells `done` its result (possibly before it returns); in production
 * this is `startCheck` bound to the shard's clients.
 */
export type StartCheck = (spec: HttpCheckSpec, signal: AbortSignal, done: CheckDone) => void;

export interface DriveInput {
  /** virtual workers in this shard */
  readonly workerCount: number;
  /** start offset (ms after startMs) of local worker j: i x RAMP / CONCURRENCY of its global index */
  readonly startOffsetMs: (localIndex: number) => number;
  /** the spec local worker j runs (its listener: j mod MOCK_PORTS) */
  readonly specFor: (localIndex: number) => HttpCheckSpec;
  /** performance.now() ms at which worker 0 starts; the deadline counts from here */
  readonly startMs: number;
  readonly durationMs: number;
  readonly rampMs: number;
  /** the per-check budget: the run ends at most this (+ a grace) after the deadline */
  readonly timeoutMs: number;
  readonly startCheck: StartCheck;
  /** aborted = stop now: no new checks, in-flight checks cancelled and not counted (SIGINT) */
  readonly stopSignal: AbortSignal;
}

export interface DriveHandle {
  readonly stats: ShardStats;
  inFlight(): number;
  /** resolves once every started worker has finished its last check */
  readonly done: Promise<void>;
}

/**
 * The ramp starts every due worker in time-bounded slices: starting a check costs real CPU
 * (connect, stream setup), and one long slice would starve the I/O of checks already in
 * flight. While behind schedule a slice may use about half of the time since the previous one
 * (10-250 ms), so the ramp gets a fair share of a busy loop: an overloaded generator falls
 * behind the ramp (reported) instead of stalling its own event loop for seconds.
 */
const MIN_SLICE_MS = 10;
const MAX_SLICE_MS = 250;
const LAUNCH_SHARE = 0.5;
const RAMP_TICK_MS = 5;
/**
 * Checks still running this long after the deadline + timeout are cancelled so a run always
 * ends on time: only an event loop overloaded for seconds can get here.
 */
export const HARD_STOP_GRACE_MS = 2_000;
/**
 * Workers per abort signal. Every check adds and removes one abort listener; EventTarget
 * removal scans its listener list, so one signal shared by 50,000 in-flight checks would cost
 * O(workers) per check. Small groups, all aborted together on stop, keep that constant.
 */
const WORKERS_PER_SIGNAL = 64;

export function groupSignals(halt: AbortSignal, workerCount: number): AbortSignal[] {
  const controllers = Array.from({ length: Math.ceil(workerCount / WORKERS_PER_SIGNAL) }, () => new AbortController());
  const signals = controllers.map((c) => {
    setMaxListeners(WORKERS_PER_SIGNAL + 1, c.signal);
    return c.signal;
  });
  halt.addEventListener('abort', () => controllers.forEach((c) => c.abort(halt.reason)), { once: true });
  return signals;
}

/**
 * Closed loop, no think time: each worker runs a check, records it, and starts the next one
 * until the deadline. A check started before the deadline finishes (bounded by its timeout).
 */
export function driveWorkers(input: DriveInput): DriveHandle {
  const deadlineMs = input.startMs + input.durationMs;
  const stats = new ShardStats(input.startMs + input.rampMs, deadlineMs);
  // halt = the caller's stop (SIGINT) or the hard stop after deadline + timeout + grace
  const halt = new AbortController();
  const onStop = (): void => halt.abort('stopped');
  input.stopSignal.addEventListener('abort', onStop, { once: true });
  const hardStop = setTimeout(() => halt.abort('hard stop'), deadlineMs + input.timeoutMs + HARD_STOP_GRACE_MS - performance.now());
  const signals = groupSignals(halt.signal, input.workerCount);
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve)).finally(() => {
    clearTimeout(hardStop);
    input.stopSignal.removeEventListener('abort', onStop);
  });
  const loop = new ClosedLoop(input.startCheck, stats, halt.signal, deadlineMs, () => finish());
  halt.signal.addEventListener('abort', () => loop.settleIfDone(), { once: true });

  const launch = (localIndex: number, lateMs: number): void => {
    stats.workersStarted++;
    if (lateMs > stats.maxStartLagMs) stats.maxStartLagMs = lateMs;
    const signal = signals[Math.floor(localIndex / WORKERS_PER_SIGNAL)] ?? halt.signal;
    loop.running++;
    new ClosedLoopWorker(loop, input.specFor(localIndex), signal).run();
  };
  startRamp(input, deadlineMs, halt.signal, launch, (firstUnstartedLateMs) => {
    loop.isLaunching = false;
    if (firstUnstartedLateMs > stats.maxStartLagMs) stats.maxStartLagMs = firstUnstartedLateMs;
    loop.settleIfDone();
  });
  return { stats, inFlight: () => loop.inFlight, done };
}

/** What the workers of one closed loop share. */
class ClosedLoop {
  inFlight = 0;
  /** workers started and not yet ended */
  running = 0;
  isLaunching = true;

  constructor(
    readonly startCheck: StartCheck,
    readonly stats: ShardStats,
    readonly halt: AbortSignal,
    readonly deadlineMs: number,
    private readonly finish: () => void,
  ) {}

  workerEnded(): void {
    this.running--;
    this.settleIfDone();
  }

  settleIfDone(): void {
    if (this.running === 0 && (!this.isLaunching || this.halt.aborted)) this.finish();
  }
}

/**
 * One virtual worker: a plain object that is its own check's `done`, so a check in flight
 * keeps nothing of the harness alive but this one long-lived object (an async loop kept a
 * generator, its registers and context, two promises and an await's reaction and closures
 * per worker, most of them made again for every check: docs/loadtest.md, "Memory").
 */
class ClosedLoopWorker {
  private startedMs = 0;
  /** inside startCheck: a result told now is taken up by run()'s loop, not by recursion */
  private isStarting = false;
  private told: CheckResult | null = null;

  constructor(
    private readonly loop: ClosedLoop,
    private readonly spec: HttpCheckSpec,
    private readonly signal: AbortSignal,
  ) {}

  /** Starts checks until one is in flight (its result comes later) or the worker ends. */
  run(): void {
    const loop = this.loop;
    for (;;) {
      // One clock read for the deadline and the start: performance.now() is ~50 ns, and this
      // runs once per check.
      const startedMs = performance.now();
      if (loop.halt.aborted || startedMs >= loop.deadlineMs) return loop.workerEnded();
      this.startedMs = startedMs;
      loop.inFlight++;
      this.isStarting = true;
      loop.startCheck(this.spec, this.signal, this);
      this.isStarting = false;
      const result = this.told;
      if (result === null) return;
      this.told = null;
      if (!this.record(result)) return;
    }
  }

  /** @internal (CheckDone) */
  checkDone(result: CheckResult): void {
    if (this.isStarting) {
      this.told = result;
      return;
    }
    if (this.record(result)) this.run();
  }

  /** Records a finished check; false when the worker ends here (halted: cancelled, not counted). */
  private record(result: CheckResult): boolean {
    const loop = this.loop;
    loop.inFlight--;
    const endMs = performance.now();
    if (loop.halt.aborted) {
      loop.stats.cancelled++;
      loop.workerEnded();
      return false;
    }
    loop.stats.record(result, endMs - this.startedMs, endMs);
    return true;
  }
}

/** Starts workers on their ramp schedule, in time-bounded slices; calls `ended` once. */
function startRamp(
  input: DriveInput,
  deadlineMs: number,
  halt: AbortSignal,
  launch: (localIndex: number, lateMs: number) => void,
  ended: (firstUnstartedLateMs: number) => void,
): void {
  let next = 0;
  let lastSliceEndMs = performance.now();
  const dueAt = (j: number): number => input.startMs + input.startOffsetMs(j);
  const startDue = (): void => {
    let nowMs = performance.now();
    const sliceMs = Math.min(MAX_SLICE_MS, Math.max(MIN_SLICE_MS, (nowMs - lastSliceEndMs) * LAUNCH_SHARE));
    const sliceEndMs = nowMs + sliceMs;
    while (next < input.workerCount && !halt.aborted && dueAt(next) <= nowMs && nowMs < sliceEndMs && nowMs < deadlineMs) {
      launch(next, nowMs - dueAt(next));
      next++;
      nowMs = performance.now();
    }
    lastSliceEndMs = nowMs;
    if (next >= input.workerCount || halt.aborted || nowMs >= deadlineMs) {
      // a worker that never started was at least this late (0 when all started)
      return ended(next < input.workerCount && !halt.aborted ? Math.max(0, Math.min(nowMs, deadlineMs) - dueAt(next)) : 0);
    }
    if (dueAt(next) <= nowMs) setImmediate(startDue);
    else setTimeout(startDue, Math.min(RAMP_TICK_MS, dueAt(next) - nowMs));
  };
  setTimeout(startDue, Math.max(0, input.startMs - performance.now()));
}
