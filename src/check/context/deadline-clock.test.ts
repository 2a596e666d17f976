import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { armBudget, disarmBudget } from './budget.js';
import { Deadline, DeadlineClock, isOverdue } from './deadline-clock.js';
import { CheckContext } from './check-context.js';
import { PhaseTimer } from './phase-timer.js';
import { countLoopTurns } from '../../../test/helpers/loop-turns.js';
import type { CheckFailure } from '../errors/check-failure.js';

/** How late a budget may fire on a busy 2-core machine (the executor's own tests allow the same). */
const LATE_SLACK_MS = 40;

interface Armed {
  readonly ctx: CheckContext;
  /** resolves with the failure and the time it came, once the budget expires */
  readonly expired: Promise<{ failure: CheckFailure; atMs: number }>;
}

function armed(clock: DeadlineClock, timeoutMs: number, phase: CheckContext['phase'] = 'ttfb'): Armed {
  const timer = new PhaseTimer();
  const ctx = new CheckContext(timer, timeoutMs);
  ctx.phase = phase;
  const expired = new Promise<{ failure: CheckFailure; atMs: number }>((resolve) => {
    ctx.onAbort((failure) => resolve({ failure, atMs: performance.now() }));
  });
  armBudget(ctx, clock, timeoutMs, undefined);
  return { ctx, expired };
}

function assertOnTime(check: Armed, atMs: number): void {
  assert.ok(atMs >= check.ctx.deadlineMs - 1, `expired ${(check.ctx.deadlineMs - atMs).toFixed(2)} ms before its deadline`);
  assert.ok(atMs < check.ctx.deadlineMs + LATE_SLACK_MS, `expired ${(atMs - check.ctx.deadlineMs).toFixed(2)} ms after its deadline`);
}

describe('DeadlineClock (check budgets and other deadlines)', () => {
  it('expires each check of a lane at its own deadline, in order, with the phase it was in', async () => {
    const clock = new DeadlineClock();
    const first = armed(clock, 60, 'connect');
    await sleep(15);
    const second = armed(clock, 60, 'receive');
    assert.equal(clock.armed, 2);
    const a = await first.expired;
    assert.equal(a.failure.kind, 'connect_timeout');
    assert.equal(a.failure.phase, 'connect');
    assertOnTime(first, a.atMs);
    // When the first expiry came before the second deadline, the second must still be armed.
    // (A loop stalled past both deadlines rightly expires both in one pass: nothing to assert.)
    if (a.atMs < second.ctx.deadlineMs - 1) assert.equal(second.ctx.aborted, null, 'the later check must not expire with the first');
    const b = await second.expired;
    assert.equal(b.failure.kind, 'body_timeout');
    assertOnTime(second, b.atMs);
    assert.equal(clock.armed, 0);
  });

  it('a check disarmed before its deadline never expires, and the ones around it still do', async () => {
    const clock = new DeadlineClock();
    const first = armed(clock, 40);
    const middle = armed(clock, 40);
    await sleep(5);
    const last = armed(clock, 40);
    disarmBudget(middle.ctx, clock);
    disarmBudget(middle.ctx, clock); // twice is harmless
    assert.equal(clock.armed, 2);
    assertOnTime(first, (await first.expired).atMs);
    assertOnTime(last, (await last.expired).atMs);
    assert.equal(middle.ctx.aborted, null);
    assert.equal(clock.armed, 0);
  });

  it('lanes with different timeouts run independently: the shorter one expires first', async () => {
    const clock = new DeadlineClock();
    const long = armed(clock, 80);
    const short = armed(clock, 20);
    const s = await short.expired;
    assertOnTime(short, s.atMs);
    assert.equal(long.ctx.aborted, null);
    assertOnTime(long, (await long.expired).atMs);
  });

  it('disarming every check leaves no timer behind: nothing expires later', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const clock = new DeadlineClock();
    const checks = Array.from({ length: 5 }, () => armed(clock, 20));
    assert.equal(timers(), before + 1, 'one timer for the lane, not one per check');
    for (const c of checks) disarmBudget(c.ctx, clock);
    assert.equal(clock.armed, 0);
    assert.equal(timers(), before, 'an empty lane keeps no timer (the process may exit)');
    await sleep(50);
    for (const c of checks) assert.equal(c.ctx.aborted, null);
  });

  it('a check armed by an expiring check\'s abort handler gets its own full budget', async () => {
    const clock = new DeadlineClock();
    const timer = new PhaseTimer();
    const opener = new CheckContext(timer, 20);
    let next: Armed | null = null;
    opener.onAbort(() => {
      next = armed(clock, 20);
    });
    armBudget(opener, clock, 20, undefined);
    await sleep(35);
    assert.notEqual(opener.aborted, null);
    const started = next as Armed | null;
    assert.ok(started !== null, 'the abort handler ran');
    assert.equal(started.ctx.aborted, null, 'armed during the expiry, it must not expire with it');
    assertOnTime(started, (await started.expired).atMs);
  });

  it('arming an armed entry moves it: it expires once, at the new deadline', async () => {
    class Counted extends Deadline {
      expiredAt: number[] = [];
      expire(): void {
        this.expiredAt.push(performance.now());
      }
    }
    const clock = new DeadlineClock();
    const entry = new Counted();
    const t0 = performance.now();
    clock.arm(entry, 15, t0);
    clock.arm(entry, 45, t0);
    assert.equal(clock.armed, 1);
    await sleep(80);
    assert.equal(entry.expiredAt.length, 1);
    assert.ok((entry.expiredAt[0] as number) >= t0 + 44, 'not at the first deadline');
    assert.equal(clock.armed, 0);
  });

  it('a burst of due entries expires in slices of maxExpiriesPerTurn, one slice per turn of the loop, in arming order', async () => {
    class Numbered extends Deadline {
      constructor(
        readonly n: number,
        private readonly log: Array<readonly [number, number]>,
        private readonly turnNow: () => number,
      ) {
        super();
      }
      expire(): void {
        this.log.push([this.n, this.turnNow()]);
      }
    }
    const turns = countLoopTurns();
    try {
      const clock = new DeadlineClock(4);
      const log: Array<readonly [number, number]> = [];
      const t0 = performance.now();
      for (let n = 0; n < 10; n++) clock.arm(new Numbered(n, log, () => turns.turn), 5, t0);
      await sleep(40);
      assert.deepEqual(log.map(([n]) => n), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'every entry expired once, in order');
      const perTurn = new Map<number, number>();
      for (const [, at] of log) perTurn.set(at, (perTurn.get(at) ?? 0) + 1);
      assert.deepEqual([...perTurn.values()], [4, 4, 2], 'four per turn, the rest in the next turns');
      assert.equal(clock.armed, 0);
    } finally {
      turns.stop();
    }
  });

  it('isOverdue: an armed entry past its deadline (waiting for its slice) is overdue; one in time or disarmed is not', () => {
    class Idle extends Deadline {
      expire(): void {}
    }
    const clock = new DeadlineClock();
    const entry = new Idle();
    clock.arm(entry, 100, 1_000);
    assert.equal(isOverdue(entry, 1_050), false);
    assert.equal(isOverdue(entry, 1_100), false, 'at its deadline it is still in time');
    assert.equal(isOverdue(entry, 1_101), true);
    clock.disarm(entry);
    assert.equal(isOverdue(entry, 1_101), false, 'a disarmed entry is never overdue');
  });

  it('refuses a slice size below 1', () => {
    assert.throws(() => new DeadlineClock(0), /maxExpiriesPerTurn/);
  });

  it('an abort signal aborts the check as internal, and disarming removes its listener', async () => {
    const clock = new DeadlineClock();
    const controller = new AbortController();
    const timer = new PhaseTimer();
    const ctx = new CheckContext(timer, 10_000);
    armBudget(ctx, clock, 10_000, controller.signal);
    controller.abort();
    assert.equal(ctx.aborted?.kind, 'internal');
    disarmBudget(ctx, clock);
    assert.equal(clock.armed, 0);
    assert.equal(ctx.budgetSignal, null);
  });

  it('many checks on one signal: a disarmed check is left alone, every other is aborted once', () => {
    const clock = new DeadlineClock();
    const controller = new AbortController();
    const contexts = Array.from({ length: 5 }, () => {
      const timer = new PhaseTimer();
      const ctx = new CheckContext(timer, 10_000);
      armBudget(ctx, clock, 10_000, controller.signal);
      return ctx;
    });
    // Disarm the newest, a middle one and the oldest: the list stays linked around them.
    for (const i of [4, 2, 0]) disarmBudget(contexts[i] as CheckContext, clock);
    controller.abort();
    assert.deepEqual(contexts.map((ctx) => ctx.aborted?.kind ?? null), [null, 'internal', null, 'internal', null]);
    // A check armed after the abort is aborted at once.
    const timer = new PhaseTimer();
    const late = new CheckContext(timer, 10_000);
    armBudget(late, clock, 10_000, controller.signal);
    assert.equal(late.aborted?.kind, 'internal');
  });
});
