/**
 * Delivers alerts through one ChannelSender: retries retryable failures with exponential
 * backoff and jitter (honouring a provider's Retry-After), gives up after `maxAttempts`, counts,
 * and keeps a bounded in-memory delivery log (newest first, paged by id) that the API shows.
 * Nothing recorded here contains a URL or a secret: reasons come from the senders, which
 * redact them (http-post.ts, email.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AlertDeliveryStats } from '../daemon/daemon-handle.js';
import { alertKeyOf, type AlertEvent } from './alert-event.js';
import type { ChannelKind, ChannelSender, SendOutcome } from './channels/channel-sender.js';

const MAX_BACKOFF_MS = 60_000;
/** Delivery log entries kept per channel (the oldest go first). */
const DELIVERY_LOG_SIZE = 500;

export interface RetryPolicy {
  /** attempts in total, the first one included */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  /** [0, 1); tests pass their own */
  readonly random?: () => number;
}

/**
 * The wait before attempt n+1 after n failed ones: initial·2^(n−1), capped, plus up to 50 %
 * jitter so channels that failed together (a provider outage) do not retry in lockstep. The
 * jitter only lengthens the wait, so a receiver gets at least the exponential spacing. A
 * provider's Retry-After wins when it asks for longer.
 */
export function retryDelayMs(failures: number, policy: RetryPolicy, retryAfterMs: number | undefined): number {
  const base = Math.min(MAX_BACKOFF_MS, policy.initialBackoffMs * 2 ** (failures - 1));
  const jittered = Math.min(MAX_BACKOFF_MS, Math.round(base * (1 + 0.5 * (policy.random ?? Math.random)())));
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_BACKOFF_MS));
}

export interface DeliveryRecord {
  readonly id: number;
  readonly channel: string;
  readonly event: AlertEvent['type'];
  /** the alert's key (alertKeyOf): one incident's deliveries share it */
  readonly key: string;
  readonly targetId: string | null;
  readonly queuedAt: number;
  finishedAt: number | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
}

export interface ChannelDelivery {
  readonly name: string;
  readonly kind: ChannelKind;
  /** with retries; resolves true when delivered, false when abandoned; never rejects */
  deliver(event: AlertEvent): Promise<boolean>;
  /** one attempt, no retry (the test endpoint): the record as it ended */
  sendOnce(event: AlertEvent): Promise<DeliveryRecord>;
  stats(): AlertDeliveryStats;
  /** newest first; `beforeId` continues a page */
  deliveries(limit: number, beforeId: number | null): { items: DeliveryRecord[]; nextBeforeId: number | null };
  /** aborts pending retries and requests (they count as failed) */
  abort(): void;
}

export function createChannelDelivery(sender: ChannelSender, policy: RetryPolicy, nowMs: () => number = Date.now): ChannelDelivery {
  const shutdown = new AbortController();
  const log: DeliveryRecord[] = [];
  let nextId = 1;
  let deliveredTotal = 0;
  let failedTotal = 0;
  let retriesTotal = 0;
  let lastError: string | null = null;

  function record(event: AlertEvent): DeliveryRecord {
    const r: DeliveryRecord = { id: nextId++, channel: sender.name, event: event.type, key: alertKeyOf(event), targetId: 'target' in event ? event.target.id : null, queuedAt: nowMs(), finishedAt: null, status: 'pending', attempts: 0, lastError: null };
    log.push(r);
    if (log.length > DELIVERY_LOG_SIZE) log.shift();
    return r;
  }

  async function attempt(r: DeliveryRecord, event: AlertEvent): Promise<SendOutcome> {
    r.attempts++;
    const outcome = shutdown.signal.aborted ? ({ ok: false, retryable: false, reason: 'aborted' } as const) : await sender.send(event, shutdown.signal);
    if (!outcome.ok) r.lastError = lastError = outcome.reason;
    return outcome;
  }

  function finish(r: DeliveryRecord, ok: boolean): boolean {
    r.status = ok ? 'delivered' : 'failed';
    r.finishedAt = nowMs();
    if (ok) {
      deliveredTotal++;
      lastError = null; // the stats describe the channel now: a later success clears it
    } else failedTotal++;
    return ok;
  }

  async function deliver(event: AlertEvent): Promise<boolean> {
    const r = record(event);
    for (let n = 1; ; n++) {
      const outcome = await attempt(r, event);
      if (outcome.ok) return finish(r, true);
      if (!outcome.retryable || n >= policy.maxAttempts || shutdown.signal.aborted) break;
      retriesTotal++;
      const slept = await sleep(retryDelayMs(n, policy, outcome.retryAfterMs), true, { signal: shutdown.signal }).catch(() => false);
      if (!slept) break;
    }
    return finish(r, false);
  }

  return {
    name: sender.name,
    kind: sender.kind,
    deliver,
    async sendOnce(event) {
      const r = record(event);
      finish(r, (await attempt(r, event)).ok);
      return { ...r };
    },
    stats: () => ({ webhook: sender.name, kind: sender.kind, deliveredTotal, failedTotal, retriesTotal, lastError }),
    deliveries(limit, beforeId) {
      const older = beforeId === null ? log : log.filter((r) => r.id < beforeId);
      const items = older.slice(-limit).reverse().map((r) => ({ ...r }));
      const last = items[items.length - 1];
      const hasMore = last !== undefined && log.some((r) => r.id < last.id);
      return { items, nextBeforeId: hasMore ? last.id : null };
    },
    abort() {
      shutdown.abort();
      sender.close();
    },
  };
}
