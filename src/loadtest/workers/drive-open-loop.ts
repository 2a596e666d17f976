import { setMaxListeners } from 'node:events';
import type { HttpCheckSpec } from '../../domain/check-spec.js';
import type { RateSchedule } from '../options/knob-parsers.js';
import { OpenLoopStats, ShardStats } from '../stats/shard-stats.js';
import { HARD_STOP_GRACE_MS, groupSignals, type DriveHandle, type StartCheck } from './drive-workers.js';

/**
 * The open loop (RATE): checks start on a fixed schedule whatever the completions, as wrk2,
 * k6's arrival-rate executors and autocannon -R do. Slot k of the schedule is due at
 * `slotOffsetMs(rate, k)` after the start; a shard runs the slots k ≡ index (mod count). A
 * slot that comes due while the shard's share of CONCURRENCY is in flight is counted as
 * dropped — never started late, never queued. Each completed check is recorded twice: from
 * its intended start (coordinated omission corrected) and from its actual start.
 */
export interface OpenLoopInput {
  readonly rate: RateSchedule;
  /** this shard's slots: k = index, index + count, index + 2·count, … */
  readonly slice: { readonly index: number; readonly count: number };
  /** this shard's share of CONCURRENCY: checks in flight at most */
  readonly maxInFlight: number;
  readonly specFor: (slot: number) => HttpCheckSpec;
  /** performance.now() ms of the schedule's time zero */
  readonly startMs: number;
  readonly durationMs: number;
  readonly timeoutMs: number;
  readonly startCheck: StartCheck;
  readonly stopSignal: AbortSignal;
}

/** A slot turn starts at most this long a batch of due slots before it yields to I/O. */
const SLICE_MS = 20;

/** ms after the start at which slot k is due: k / rate, or the inverse of the ramp's count. */
export function slotOffsetMs(rate: RateSchedule, k: number): number {
  const { fromPerSec: r0, toPerSec: r1 } = rate;
  if (r0 === r1 || rate.overSecs === null) return (k * 1000) / r0;
  // Slots started by t seconds: N(t) = r0·t + a·t²/2 with a = (r1 − r0) / T. Solve N(t) = k.
  const a = (r1 - r0) / rate.overSecs;
  return ((-r0 + Math.sqrt(r0 * r0 + 2 * a * k)) / a) * 1000;
}

/** Slots (all shards) due in [0, tMs): N(t) rounded up. */
export function slotsDueBefore(rate: RateSchedule, tMs: number): number {
  const t = tMs / 1000;
  const a = rate.overSecs === null ? 0 : (rate.toPerSec - rate.fromPerSec) / rate.overSecs;
  return Math.ceil(rate.fromPerSec * t + (a * t * t) / 2);
}

/** The open-loop statistics' windows: 1 s, longer for runs over 600 s (at most ~600 windows). */
function openLoopWindowMs(durationMs: number): number {
  return 1000 * Math.max(1, Math.ceil(durationMs / 600_000));
}

export function driveOpenLoop(input: OpenLoopInput): DriveHandle {
  const deadlineMs = input.startMs + input.durationMs;
  const stats = new ShardStats(input.startMs, deadlineMs);
  const windowMs = openLoopWindowMs(input.durationMs);
  const open = new OpenLoopStats(windowMs, Math.max(1, Math.ceil(input.durationMs / windowMs)));
  stats.openLoop = open;
  const halt = new AbortController();
  const onStop = (): void => halt.abort('stopped');
  input.stopSignal.addEventListener('abort', onStop, { once: true });
  const hardStop = setTimeout(() => halt.abort('hard stop'), deadlineMs + input.timeoutMs + HARD_STOP_GRACE_MS - performance.now());
  const signals = groupSignals(halt.signal, Math.max(1, input.maxInFlight));
  // Round robin keeps about WORKERS_PER_SIGNAL checks on each, but drops make it uneven: no
  // listener-count warning for a group that briefly holds a few more.
  for (const signal of signals) setMaxListeners(0, signal);
  let inFlight = 0;
  let scheduling = true;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve)).finally(() => {
    clearTimeout(hardStop);
    input.stopSignal.removeEventListener('abort', onStop);
  });
  const settleIfDone = (): void => {
    if (inFlight === 0 && (!scheduling || halt.signal.aborted)) finish();
  };
  halt.signal.addEventListener('abort', settleIfDone, { once: true });

  const launch = (slot: number, offsetMs: number, nowMs: number, j: number): void => {
    const intendedMs = input.startMs + offsetMs;
    inFlight++;
    open.start(offsetMs, nowMs - intendedMs);
    // round robin: the checks in flight (recent slots) spread evenly over the groups
    const signal = signals[j % signals.length] ?? halt.signal;
    input.startCheck(input.specFor(slot), signal, (result) => {
      inFlight--;
      const endMs = performance.now();
      if (halt.signal.aborted) stats.cancelled++;
      else {
        stats.record(result, endMs - nowMs, endMs);
        open.complete(offsetMs, endMs - intendedMs);
      }
      settleIfDone();
    });
  };

  let j = 0;
  const offsetOf = (n: number): number => slotOffsetMs(input.rate, input.slice.index + n * input.slice.count);
  const turn = (): void => {
    let nowMs = performance.now();
    const sliceEndMs = nowMs + SLICE_MS;
    let offset = offsetOf(j);
    let next = input.startMs + offset;
    while (!halt.signal.aborted && next <= nowMs && offset < input.durationMs && nowMs < sliceEndMs) {
      const slot = input.slice.index + j * input.slice.count;
      if (inFlight >= input.maxInFlight) open.drop(offset);
      else launch(slot, offset, nowMs, j);
      j++;
      offset = offsetOf(j);
      next = input.startMs + offset;
      nowMs = performance.now();
    }
    if (halt.signal.aborted || offset >= input.durationMs) {
      // The hard stop came before the generator reached every slot due before the deadline:
      // those were never started, so they count as dropped (not silently left out). A stop
      // by the caller (SIGINT) ends the run instead: its unreached slots are not counted.
      if (!input.stopSignal.aborted) {
        for (; offset < input.durationMs; j++, offset = offsetOf(j)) open.drop(offset);
      }
      scheduling = false;
      return settleIfDone();
    }
    if (next <= nowMs) setImmediate(turn);
    else setTimeout(turn, Math.max(0, Math.min(next, deadlineMs) - nowMs));
  };
  setTimeout(turn, Math.max(0, input.startMs - performance.now()));
  return { stats, inFlight: () => inFlight, done };
}
