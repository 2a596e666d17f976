import type { ErrorPhase } from '../domain/error-kind.js';
import { CheckFailure } from './errors/check-failure.js';
import type { CheckContext } from './net/connection-types.js';
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
  const onSignal = (): void => ctx.abort(new CheckFailure('internal', ctx.phase, 'check aborted by the probe (shutdown)'));
  if (signal.aborted) return onSignal();
  signal.addEventListener('abort', onSignal, { once: true });
  ctx.budgetSignal = { signal, onSignal };
}

export function disarmBudget(ctx: CheckContext, clock: DeadlineClock): void {
  clock.disarm(ctx);
  const watched = ctx.budgetSignal;
  if (watched !== null) {
    ctx.budgetSignal = null;
    watched.signal.removeEventListener('abort', watched.onSignal);
  }
}
