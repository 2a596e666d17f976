import type { Clock, TimerId } from '../../src/scheduler/clock.js';

interface FakeTimer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * A manual clock for tests: time moves only through `advance`/`advanceTo`, which fire due
 * timers in order and let promise callbacks settle between them.
 */
export class FakeClock implements Clock {
  private nowMs: number;
  private nextId = 1;
  private timers: FakeTimer[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimer(callback: () => void, delayMs: number): TimerId {
    const timer = { id: this.nextId++, at: this.nowMs + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimer(id: TimerId): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time without firing timers, as if the event loop had been blocked. */
  jump(ms: number): void {
    this.nowMs += ms;
  }

  /** Moves time forward, firing every timer due on the way at its own time. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.nowMs + ms);
  }

  async advanceTo(targetMs: number): Promise<void> {
    for (;;) {
      await settle();
      const next = this.timers.reduce<FakeTimer | undefined>((a, t) => (a === undefined || t.at < a.at || (t.at === a.at && t.id < a.id) ? t : a), undefined);
      if (next === undefined || next.at > targetMs) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.nowMs = Math.max(this.nowMs, next.at);
      next.callback();
    }
    this.nowMs = Math.max(this.nowMs, targetMs);
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
