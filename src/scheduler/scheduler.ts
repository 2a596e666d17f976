/**
 * One min-heap for the whole fleet and one timer armed for the earliest due entry.
 *
 * Firing is phase-aligned: the next due time is always the previous *due* time plus the
 * interval, never "finished + interval", so a slow check cannot make a target drift.
 * Every due check that does not run is counted with a reason:
 * - skipped_in_flight: the target's previous check still runs (the in-flight guard)
 * - dropped_global_cap: `maxInFlight` checks already run and the check could not start in
 *   time: a due check that finds the cap full waits in a bounded FIFO (at most `maxInFlight`
 *   waiting) and starts when a running check finishes, but only within `maxWaitMs` of its
 *   due time (and half its interval); one that cannot is dropped and counted. So a short
 *   stall — a GC pause, a burst of slow answers — costs lag (every start records it), not
 *   checks, while sustained overload still shows as drops within `maxWaitMs`.
 * - missed_late: the scheduler itself woke more than one interval late (a blocked event
 *   loop); the check runs once for the latest slot and the slots in between are counted
 *
 * One timer callback takes at most `maxDuePerTurn` due entries, then re-arms at 0 ms: after
 * a stalled loop, the checks that finished during the stall are harvested (the I/O phase
 * runs between timer callbacks) before more start, so a backlog of due checks is not
 * dropped at the global cap only because completions were still unread.
 */
import type { Clock, TimerId } from './clock.js';
import { MinHeap, type HeapEntry } from './min-heap.js';
import { firstDueAt, phaseOf } from './phase.js';

export type SchedulerDropReason = 'skipped_in_flight' | 'dropped_global_cap' | 'missed_late';

export interface ScheduledJob {
  readonly targetId: string;
  readonly dueAt: number;
  readonly startedAt: number;
}

/** Runs one check; must settle (the scheduler only tracks completion, never results). */
export type JobRunner = (job: ScheduledJob) => Promise<void>;

export interface SchedulerOptions {
  readonly clock: Clock;
  readonly run: JobRunner;
  /** global cap on checks in flight (default 1024) */
  readonly maxInFlight?: number;
  /** due entries taken per timer callback before yielding to I/O (default 64) */
  readonly maxDuePerTurn?: number;
  /** how long after its due time a check may still start from the wait queue (default 1,000 ms; 0 = fail fast) */
  readonly maxWaitMs?: number;
}

export interface SchedulerCounters {
  targets: number;
  inFlight: number;
  maxInFlight: number;
  startedTotal: number;
  completedTotal: number;
  /** due checks waiting for a place under the cap now */
  waiting: number;
  /** checks that started from the wait queue (late by their wait, which their lag shows) */
  waitedTotal: number;
  drops: Record<SchedulerDropReason, number>;
}

interface Slot {
  readonly id: string;
  intervalMs: number;
  phaseMs: number;
  generation: number;
  inFlight: boolean;
}

interface DueEntry extends HeapEntry {
  readonly slot: Slot;
  readonly generation: number;
}

const DEFAULT_MAX_IN_FLIGHT = 1024;
const DEFAULT_MAX_DUE_PER_TURN = 64;
/** how long a due check may wait for a place under the cap (the daemon's; /metrics help says it) */
export const DEFAULT_MAX_WAIT_MS = 1_000;

interface Waiting {
  readonly slot: Slot;
  readonly generation: number;
  readonly dueAt: number;
}

export class Scheduler {
  private readonly clock: Clock;
  private readonly run: JobRunner;
  private readonly maxInFlight: number;
  private readonly maxDuePerTurn: number;
  private readonly maxWaitMs: number;
  /** due checks that found the cap full, oldest first (`waitHead` is the next to start) */
  private waiting: Array<Waiting | undefined> = [];
  private waitHead = 0;
  private waitedTotal = 0;
  private readonly slots = new Map<string, Slot>();
  private readonly heap = new MinHeap<DueEntry>();
  private seq = 0;
  private timer: TimerId | null = null;
  private armedFor = Infinity;
  private running = false;
  private inFlight = 0;
  private startedTotal = 0;
  private completedTotal = 0;
  private readonly drops: Record<SchedulerDropReason, number> = { skipped_in_flight: 0, dropped_global_cap: 0, missed_late: 0 };
  private idleWaiters: Array<() => void> = [];

  constructor(options: SchedulerOptions) {
    this.clock = options.clock;
    this.run = options.run;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new RangeError('maxInFlight: expected an integer >= 1');
    this.maxDuePerTurn = options.maxDuePerTurn ?? DEFAULT_MAX_DUE_PER_TURN;
    if (!Number.isInteger(this.maxDuePerTurn) || this.maxDuePerTurn < 1) throw new RangeError('maxDuePerTurn: expected an integer >= 1');
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    if (!(this.maxWaitMs >= 0 && Number.isFinite(this.maxWaitMs))) throw new RangeError('maxWaitMs: expected a number >= 0');
  }

  /** Adds or re-times a target. A changed interval takes a new phase; the in-flight flag is kept. */
  upsert(id: string, intervalMs: number): void {
    const existing = this.slots.get(id);
    if (existing !== undefined && existing.intervalMs === intervalMs) return;
    const slot: Slot = existing ?? { id, intervalMs, phaseMs: 0, generation: 0, inFlight: false };
    slot.intervalMs = intervalMs;
    slot.phaseMs = phaseOf(id, intervalMs);
    slot.generation++;
    this.slots.set(id, slot);
    this.enqueue(slot, firstDueAt(this.clock.now(), intervalMs, slot.phaseMs));
  }

  /** Unschedules a target; a check already running finishes normally. */
  remove(id: string): void {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    slot.generation++;
    this.slots.delete(id);
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  phaseOf(id: string): number | undefined {
    return this.slots.get(id)?.phaseMs;
  }

  /**
   * Starts firing. Due times are (re)computed from now: targets added before start (which
   * may take seconds for a large fleet) are not "late" for slots that passed before the
   * scheduler ran.
   */
  start(): void {
    this.running = true;
    this.heap.clear();
    const now = this.clock.now();
    for (const slot of this.slots.values()) {
      slot.generation++;
      this.heap.push({ dueAt: firstDueAt(now, slot.intervalMs, slot.phaseMs), seq: this.seq++, slot, generation: slot.generation });
    }
    this.arm();
  }

  /** Stops firing; checks in flight keep running (await `idle()`); checks still waiting are dropped and counted. */
  stop(): void {
    this.running = false;
    for (let i = this.waitHead; i < this.waiting.length; i++) {
      const w = this.waiting[i] as Waiting;
      w.slot.inFlight = false;
      if (w.generation === w.slot.generation) this.drops.dropped_global_cap++;
    }
    this.waiting = [];
    this.waitHead = 0;
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
  }

  /** Resolves when no scheduled check is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  counters(): SchedulerCounters {
    return {
      targets: this.slots.size,
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      startedTotal: this.startedTotal,
      completedTotal: this.completedTotal,
      waiting: this.waiting.length - this.waitHead,
      waitedTotal: this.waitedTotal,
      drops: { ...this.drops },
    };
  }

  private enqueue(slot: Slot, dueAt: number): void {
    this.heap.push({ dueAt, seq: this.seq++, slot, generation: slot.generation });
    if (this.running && dueAt < this.armedFor) this.arm();
  }

  private arm(): void {
    const head = this.peekLive();
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
    if (!this.running || head === undefined) return;
    this.armedFor = head.dueAt;
    this.timer = this.clock.setTimer(() => this.onTimer(), head.dueAt - this.clock.now());
  }

  /** Drops stale entries (removed or re-timed targets) from the top of the heap. */
  private peekLive(): DueEntry | undefined {
    for (;;) {
      const head = this.heap.peek();
      if (head === undefined || head.generation === head.slot.generation) return head;
      this.heap.pop();
    }
  }

  private onTimer(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = this.clock.now();
    let taken = 0;
    for (let head = this.peekLive(); head !== undefined && head.dueAt <= now && taken < this.maxDuePerTurn; head = this.peekLive()) {
      taken++;
      this.heap.pop();
      const { slot } = head;
      // More than one interval late: run once for the latest slot, count the skipped ones.
      const lateSlots = Math.floor((now - head.dueAt) / slot.intervalMs);
      const dueAt = head.dueAt + lateSlots * slot.intervalMs;
      this.drops.missed_late += lateSlots;
      this.heap.push({ dueAt: dueAt + slot.intervalMs, seq: this.seq++, slot, generation: slot.generation });
      this.fire(slot, dueAt);
    }
    this.arm();
  }

  private fire(slot: Slot, dueAt: number): void {
    if (slot.inFlight) {
      this.drops.skipped_in_flight++;
      return;
    }
    if (this.inFlight >= this.maxInFlight) {
      if (this.maxWaitMs === 0 || this.waiting.length - this.waitHead >= this.maxInFlight) {
        this.drops.dropped_global_cap++;
        return;
      }
      // the slot counts as in flight while it waits: its next due time is not fired beside it
      slot.inFlight = true;
      this.waiting.push({ slot, generation: slot.generation, dueAt });
      return;
    }
    this.launch(slot, dueAt);
  }

  /** A place under the cap came free: the oldest waiting check still in time starts; those past their wait are dropped. */
  private startWaiting(): void {
    const now = this.clock.now();
    while (this.waitHead < this.waiting.length && this.inFlight < this.maxInFlight) {
      const w = this.waiting[this.waitHead] as Waiting;
      this.waiting[this.waitHead] = undefined;
      this.waitHead++;
      w.slot.inFlight = false;
      if (w.generation !== w.slot.generation) continue; // removed or re-timed meanwhile: nothing was due
      if (now - w.dueAt > Math.min(this.maxWaitMs, w.slot.intervalMs / 2)) {
        this.drops.dropped_global_cap++;
        continue;
      }
      this.waitedTotal++;
      this.launch(w.slot, w.dueAt);
    }
    // Under sustained overload the queue may never run empty: drop the taken head once it is
    // as long as the most that can wait (amortized O(1)), so the array stays ≤ 2 × maxInFlight.
    if (this.waitHead === this.waiting.length) {
      this.waiting = [];
      this.waitHead = 0;
    } else if (this.waitHead >= this.maxInFlight) {
      this.waiting = this.waiting.slice(this.waitHead);
      this.waitHead = 0;
    }
  }

  private launch(slot: Slot, dueAt: number): void {
    slot.inFlight = true;
    this.inFlight++;
    this.startedTotal++;
    const job: ScheduledJob = { targetId: slot.id, dueAt, startedAt: this.clock.now() };
    let pending: Promise<void>;
    try {
      pending = this.run(job);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending
      .catch(() => undefined)
      .finally(() => {
        slot.inFlight = false;
        this.inFlight--;
        this.completedTotal++;
        if (this.waitHead < this.waiting.length) this.startWaiting();
        if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
  }
}
