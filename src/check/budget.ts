import type { ErrorPhase } from '../domain/error-kind.js';
import { CheckFailure } from './errors/check-failure.js';
import type { CheckContext } from './net/connection-types.js';

/** What running out of the overall budget means in each phase. */
export function budgetFailure(phase: ErrorPhase, timeoutMs: number): CheckFailure {
  switch (phase) {
    case 'dns':
      return new CheckFailure('dns_failed', 'dns', `DNS lookup did not finish within the ${timeoutMs} ms budget`);
    case 'connect':
      return new CheckFailure('connect_timeout', 'connect', `TCP connect did not finish within the ${timeoutMs} ms budget`);
    case 'receive':
      return new CheckFailure('body_timeout', 'receive', `response body did not finish within the ${timeoutMs} ms budget`);
    case 'tls':
      return new CheckFailure('timeout', 'tls', `TLS handshake did not finish within the ${timeoutMs} ms budget`);
    default:
      return new CheckFailure('timeout', phase, `no response headers within the ${timeoutMs} ms budget`);
  }
}

/**
 * A check whose deadline is this close is expired when its lane's timer fires: Node fires
 * timers on loop time in whole ms, so a timer can run a fraction of a ms before the exact
 * deadline, and waiting another full timer turn would overrun it instead.
 */
const EXPIRY_SLACK_MS = 0.5;

/** The checks with one timeout value, in arrival order (so in deadline order), and their one timer. */
export interface BudgetLane {
  readonly timeoutMs: number;
  head: CheckContext | null;
  tail: CheckContext | null;
  timer: NodeJS.Timeout | null;
}

/**
 * The budget timers of every check that shares a Clients. Checks with the same timeoutMs
 * expire in the order they started, so each timeout value has one FIFO lane — an intrusive
 * doubly linked list through the CheckContexts — and one Node timer armed for the lane's
 * oldest check. A check joins and leaves its lane in O(1) without allocating; the timer is
 * re-armed only when it fires (at the oldest deadline, usually to find that check long
 * done and the next one not yet due) and is cleared when its lane empties, so an idle
 * process can exit. This replaces one Node timer per check (a Timeout object, an argument
 * array, a list insert with a clock read, and the matching unlink), which the pooled h2c
 * path paid on every check.
 */
export class BudgetClock {
  private readonly lanes = new Map<number, BudgetLane>();

  arm(ctx: CheckContext, timeoutMs: number): void {
    let lane = this.lanes.get(timeoutMs);
    if (lane === undefined) {
      lane = { timeoutMs, head: null, tail: null, timer: null };
      this.lanes.set(timeoutMs, lane);
    }
    ctx.budgetLane = lane;
    ctx.budgetPrev = lane.tail;
    ctx.budgetNext = null;
    if (lane.tail === null) lane.head = ctx;
    else lane.tail.budgetNext = ctx;
    lane.tail = ctx;
    lane.timer ??= setTimeout(onLaneDue, timeoutMs, this, lane);
  }

  disarm(ctx: CheckContext): void {
    const lane = ctx.budgetLane;
    if (lane === null) return;
    unlink(lane, ctx);
    if (lane.head === null) this.retire(lane);
  }

  /** Checks armed and not yet disarmed or expired (tests, diagnostics). */
  get armed(): number {
    let n = 0;
    for (const lane of this.lanes.values()) for (let c = lane.head; c !== null; c = c.budgetNext) n++;
    return n;
  }

  /** @internal the lane's timer fired: expire what is due, re-arm for the oldest left */
  due(lane: BudgetLane): void {
    lane.timer = null;
    let nowMs = performance.now();
    for (let ctx = lane.head; ctx !== null; ctx = lane.head) {
      if (ctx.deadlineMs - nowMs > EXPIRY_SLACK_MS) {
        // An abort above may have started a check in this lane, arming a later timer.
        if (lane.timer !== null) clearTimeout(lane.timer);
        lane.timer = setTimeout(onLaneDue, Math.ceil(ctx.deadlineMs - nowMs), this, lane);
        return;
      }
      unlink(lane, ctx);
      ctx.abort(budgetFailure(ctx.phase, lane.timeoutMs));
      nowMs = performance.now();
    }
    this.retire(lane);
  }

  private retire(lane: BudgetLane): void {
    if (lane.timer !== null) clearTimeout(lane.timer);
    lane.timer = null;
    // Only if it is still empty: an abort above may have started a check in this lane.
    if (lane.head === null && this.lanes.get(lane.timeoutMs) === lane) this.lanes.delete(lane.timeoutMs);
  }
}

function onLaneDue(clock: BudgetClock, lane: BudgetLane): void {
  clock.due(lane);
}

function unlink(lane: BudgetLane, ctx: CheckContext): void {
  const prev = ctx.budgetPrev;
  const next = ctx.budgetNext;
  if (prev === null) lane.head = next;
  else prev.budgetNext = next;
  if (next === null) lane.tail = prev;
  else next.budgetPrev = prev;
  ctx.budgetLane = null;
  ctx.budgetPrev = null;
  ctx.budgetNext = null;
}

/**
 * Arms the budget of a check on the shared clock (our own timers: they fire on time, unlike
 * library timers with coarse resolution) and the optional abort signal; `disarmBudget`
 * undoes both. No closures or timer objects per check on the hot path.
 */
export function armBudget(ctx: CheckContext, clock: BudgetClock, timeoutMs: number, signal: AbortSignal | undefined): void {
  clock.arm(ctx, timeoutMs);
  if (signal === undefined) return;
  const onSignal = (): void => ctx.abort(new CheckFailure('internal', ctx.phase, 'check aborted by the probe (shutdown)'));
  if (signal.aborted) return onSignal();
  signal.addEventListener('abort', onSignal, { once: true });
  ctx.budgetSignal = { signal, onSignal };
}

export function disarmBudget(ctx: CheckContext, clock: BudgetClock): void {
  clock.disarm(ctx);
  const watched = ctx.budgetSignal;
  if (watched !== null) {
    ctx.budgetSignal = null;
    watched.signal.removeEventListener('abort', watched.onSignal);
  }
}
