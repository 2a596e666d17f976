import { setMaxListeners } from 'node:events';
import type { HttpCheckSpec } from '../../domain/check-spec.js';
import type { CheckResult } from '../../domain/check-result.js';
import { ShardStats } from '../stats/shard-stats.js';

/** Runs one check; in production this is `executeCheck` bound to the shard's clients. */
export type RunCheck = (spec: HttpCheckSpec, signal: AbortSignal) => Promise<CheckResult>;

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
  readonly runCheck: RunCheck;
  /** aborted = stop now: no new checks, in-flight checks cancelled and not counted */
  readonly stopSignal: AbortSignal;
}

export interface DriveHandle {
  readonly stats: ShardStats;
  inFlight(): number;
  /** resolves once every started worker has finished its last check */
  readonly done: Promise<void>;
}

/**
 * Every turn starts all workers that are due (the ramp must not fall behind because a turn of a
 * busy loop is long), in slices of this size so a RAMP_SECS=0 start still lets I/O in.
 */
const MAX_STARTS_PER_TURN = 2_000;
const RAMP_TICK_MS = 5;
/**
 * Workers per abort signal. Every check adds and removes one abort listener; EventTarget
 * removal scans its listener list, so one signal shared by 50,000 in-flight checks would cost
 * O(workers) per check. Small groups, all aborted together on stop, keep that constant.
 */
const WORKERS_PER_SIGNAL = 64;

function groupSignals(stopSignal: AbortSignal, workerCount: number): AbortSignal[] {
  const controllers = Array.from({ length: Math.ceil(workerCount / WORKERS_PER_SIGNAL) }, () => new AbortController());
  const signals = controllers.map((c) => {
    setMaxListeners(WORKERS_PER_SIGNAL + 1, c.signal);
    return c.signal;
  });
  const abortAll = (): void => controllers.forEach((c) => c.abort(stopSignal.reason));
  if (stopSignal.aborted) abortAll();
  else stopSignal.addEventListener('abort', abortAll, { once: true });
  return signals;
}

/**
 * Closed loop, no think time: each worker runs a check, records it, and starts the next one
 * until the deadline. A check started before the deadline finishes (bounded by its timeout).
 */
export function driveWorkers(input: DriveInput): DriveHandle {
  const deadlineMs = input.startMs + input.durationMs;
  const stats = new ShardStats(input.startMs + input.rampMs, deadlineMs);
  const { stopSignal } = input;
  const signals = groupSignals(stopSignal, input.workerCount);
  let inFlight = 0;
  let running = 0;
  let next = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const settleIfDone = (): void => {
    if (running === 0 && (next >= input.workerCount || stopSignal.aborted)) finish();
  };

  const worker = async (localIndex: number): Promise<void> => {
    const spec = input.specFor(localIndex);
    const signal = signals[Math.floor(localIndex / WORKERS_PER_SIGNAL)] ?? stopSignal;
    while (!stopSignal.aborted && performance.now() < deadlineMs) {
      const startedMs = performance.now();
      inFlight++;
      const result = await input.runCheck(spec, signal);
      inFlight--;
      const endMs = performance.now();
      if (stopSignal.aborted) {
        stats.cancelled++;
        break;
      }
      stats.record(result, endMs - startedMs, endMs);
    }
  };

  const launch = (localIndex: number): void => {
    running++;
    stats.workersStarted++;
    void worker(localIndex).finally(() => {
      running--;
      settleIfDone();
    });
  };

  const startDue = (): void => {
    const nowMs = performance.now();
    let started = 0;
    while (next < input.workerCount && !stopSignal.aborted && started < MAX_STARTS_PER_TURN && input.startMs + input.startOffsetMs(next) <= nowMs) {
      launch(next++);
      started++;
    }
    if (next >= input.workerCount || stopSignal.aborted || nowMs >= deadlineMs) {
      next = input.workerCount;
      return settleIfDone();
    }
    if (started === MAX_STARTS_PER_TURN) setImmediate(startDue);
    else setTimeout(startDue, Math.max(0, Math.min(RAMP_TICK_MS, input.startMs + input.startOffsetMs(next) - nowMs)));
  };
  stopSignal.addEventListener('abort', settleIfDone, { once: true });
  setTimeout(startDue, Math.max(0, input.startMs - performance.now()));
  return { stats, inFlight: () => inFlight, done };
}
