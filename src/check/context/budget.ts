import type { ErrorPhase } from '../../domain/error-kind.js';
import { CheckFailure } from '../errors/check-failure.js';
import type { CheckContext } from './check-context.js';
import type { DeadlineClock } from './deadline-clock.js';

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

// The checks watching one abort signal are an intrusive list through their contexts, its
// head kept on the signal itself (no module-level registry): one 'abort' listener per signal
// instead of one per check, and arming or disarming is a few pointer writes. Node's
// EventTarget costs several µs per addEventListener/removeEventListener (it scans the
// listener list and builds a listener record each time): 13 % of the load generator's CPU
// with 20,000 pooled h2c checks in flight (docs/performance.md).
const kWatchers = Symbol('vigil.budget.watchers');
type WatchedSignal = AbortSignal & { [kWatchers]?: CheckContext | null };

function abortWatchers(this: WatchedSignal): void {
  let ctx = this[kWatchers] ?? null;
  this[kWatchers] = null;
  while (ctx !== null) {
    const next = ctx.signalNext;
    ctx.signalPrev = null;
    ctx.signalNext = null;
    ctx.budgetSignal = null;
    abortByProbe(ctx);
    ctx = next;
  }
}

function abortByProbe(ctx: CheckContext): void {
  ctx.abort(new CheckFailure('internal', ctx.phase, 'check aborted by the probe (shutdown)'));
}

/**
 * Arms the budget of a check on the shared clock (our own timers: they fire on time, unlike
 * library timers with coarse resolution) and the optional abort signal; `disarmBudget`
 * undoes both. When it runs out, the check is aborted with the failure its phase means.
 * No closures or timer objects per check on the hot path.
 */
export function armBudget(ctx: CheckContext, clock: DeadlineClock, timeoutMs: number, signal: AbortSignal | undefined): void {
  ctx.budgetMs = timeoutMs;
  clock.arm(ctx, timeoutMs, ctx.timer.startMs);
  if (signal === undefined) return;
  if (signal.aborted) return abortByProbe(ctx);
  const watched = signal as WatchedSignal;
  const head = watched[kWatchers];
  if (head === undefined) signal.addEventListener('abort', abortWatchers, { once: true });
  ctx.signalPrev = null;
  ctx.signalNext = head ?? null;
  if (head !== undefined && head !== null) head.signalPrev = ctx;
  watched[kWatchers] = ctx;
  ctx.budgetSignal = signal;
}

export function disarmBudget(ctx: CheckContext, clock: DeadlineClock): void {
  clock.disarm(ctx);
  const signal = ctx.budgetSignal as WatchedSignal | null;
  if (signal === null) return;
  ctx.budgetSignal = null;
  const { signalPrev: prev, signalNext: next } = ctx;
  if (prev === null) signal[kWatchers] = next;
  else prev.signalNext = next;
  if (next !== null) next.signalPrev = prev;
  ctx.signalPrev = null;
  ctx.signalNext = null;
}
