/**
 * Pure helpers of the dispatcher: the backoff between attempts and the secret-free words
 * the logs use for a delivery (event, target, channel name — never a URL, secret or body).
 */
import type { AlertDelivery } from '../storage/store.js';

const MAX_BACKOFF_MS = 60_000;

/** What was still pending in the outbox when the dispatcher closed. */
export interface PendingReport {
  /** oldest first, at most 1000 */
  readonly pending: readonly AlertDelivery[];
  /** more than those were pending */
  readonly more: boolean;
  /** deliveries the store never took (it was unreachable to the end): lost */
  readonly unsaved: number;
  /** why the outbox could not be read at shutdown (null: it was) */
  readonly error: string | null;
}

/**
 * The wait after the n-th failed attempt: initialBackoff·2^(n−1), capped at 60 s, plus up to
 * 50 % random jitter (so channels that failed together — a provider outage — do not retry in
 * lockstep; the jitter only lengthens the wait, so a receiver still gets at least the
 * exponential spacing); a receiver's Retry-After wins when it asks for longer (capped too).
 */
export function nextAttemptDelayMs(failedAttempts: number, initialBackoffMs: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const exponential = Math.min(MAX_BACKOFF_MS, initialBackoffMs * 2 ** (failedAttempts - 1));
  const jittered = Math.min(MAX_BACKOFF_MS, Math.round(exponential * (1 + 0.5 * random())));
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_BACKOFF_MS));
}

/** `incident_opened web → ops (3 attempts, last error ECONNREFUSED)` */
export function describeDelivery(d: Pick<AlertDelivery, 'eventType' | 'targetId' | 'channel' | 'attempts' | 'lastError'>): string {
  const tries = `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`;
  return `${d.eventType} ${d.targetId ?? '(probe)'} → ${d.channel} (${tries}${d.lastError === null ? '' : `, last error ${d.lastError}`})`;
}

const LISTED = 20;

/** The shutdown line, or null when nothing was left. */
export function formatPendingReport(report: PendingReport): string | null {
  if (report.error !== null) return `shutdown: could not read the alert outbox (${report.error}); pending deliveries are resumed at the next start${report.unsaved > 0 ? `; ${report.unsaved} never written were lost` : ''}`;
  const n = report.pending.length;
  if (n === 0 && report.unsaved === 0) return null;
  if (n === 0) return `shutdown: ${report.unsaved} alert deliveries were never written to the store (it was unreachable) and are lost`;
  const count = `${n}${report.more ? '+' : ''} alert deliver${n === 1 && !report.more ? 'y' : 'ies'}`;
  const listed = report.pending.slice(0, LISTED).map(describeDelivery).join('; ');
  const rest = n > LISTED ? `; and ${n - LISTED}${report.more ? '+' : ''} more` : '';
  const lost = report.unsaved > 0 ? `; ${report.unsaved} never written to the store were lost` : '';
  return `shutdown: ${count} left pending in the outbox, sent after the next start: ${listed}${rest}${lost}`;
}
