import type { TlsInfo } from '../../domain/check-result.js';
import type { ErrorPhase } from '../../domain/error-kind.js';
import type { CheckFailure } from '../errors/check-failure.js';
import { budgetFailure } from './budget.js';
import { Deadline } from './deadline-clock.js';
import type { PhaseTimer } from './phase-timer.js';

/** An abort handler: a function, or an object whose `checkAborted` method is called. */
export type AbortHandler = ((failure: CheckFailure) => void) | { checkAborted(failure: CheckFailure): void };

/**
 * Per-check state shared by the connection and protocol layers: the phase timer, the
 * absolute deadline (performance.now() ms) and the current phase. The orchestrator owns the
 * single budget timer; when it fires it calls `abort`, which runs the handler the current
 * layer registered (destroying its socket or stream) exactly once.
 */
export class CheckContext extends Deadline {
  phase: ErrorPhase = 'dns';
  /** status code of the current hop's final response, once its headers arrived */
  statusCode: number | null = null;
  /** the negotiated TLS session and peer certificate of the current hop, once the handshake ended */
  tls: TlsInfo | null = null;
  /** the current hop ran on a connection (or HTTP/2 session) opened before this check */
  connectionReused = false;
  private abortHandler: AbortHandler | null = null;
  /** the overall budget in ms from timer.startMs: the check is aborted when it expires on the clients' clock (armBudget) */
  budgetMs: number;
  /** the abort signal the check watches (budget.ts), and its neighbours among that signal's watchers */
  budgetSignal: AbortSignal | null = null;
  signalPrev: CheckContext | null = null;
  signalNext: CheckContext | null = null;
  aborted: CheckFailure | null = null;

  /**
   * `budgetMs`: the check's whole budget, from `timer.startMs`. Kept as that whole number of
   * ms rather than an absolute deadline, which would be one more boxed double per check in
   * flight.
   */
  constructor(
    readonly timer: PhaseTimer,
    budgetMs: number,
  ) {
    super();
    this.budgetMs = budgetMs;
  }

  /** performance.now() ms at which the budget runs out */
  get deadlineMs(): number {
    return this.timer.startMs + this.budgetMs;
  }

  /** The budget ran out: abort with what running out means in the current phase. */
  expire(): void {
    this.abort(budgetFailure(this.phase, this.budgetMs));
  }

  remainingMs(nowMs: number = performance.now()): number {
    return this.deadlineMs - nowMs;
  }

  /**
   * What runs (once) if the check is aborted; null clears it. A long-lived per-check object
   * (the pooled h2 exchange) passes itself instead of a closure: one object less per check
   * in flight.
   */
  onAbort(handler: AbortHandler | null): void {
    this.abortHandler = handler;
  }

  abort(failure: CheckFailure): void {
    if (this.aborted !== null) return;
    this.aborted = failure;
    const handler = this.abortHandler;
    this.abortHandler = null;
    if (handler === null) return;
    if (typeof handler === 'function') handler(failure);
    else handler.checkAborted(failure);
  }
}
