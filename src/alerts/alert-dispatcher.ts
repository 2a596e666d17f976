/**
 * Sends alerts durably. `send(event)` writes one outbox row per channel to the store
 * (storage: "The alert outbox") before anything goes out; a pump claims due rows, makes one
 * attempt each through the channel's sender and records the outcome: delivered, retry at a
 * later time (attempts and next attempt persisted), or given up after `maxAttempts` (logged
 * and counted). A restart resumes what is pending; shutdown says what was left.
 *
 * At least once: an attempt that reached the receiver but was not recorded before a crash is
 * sent again, with the same delivery id (`X-Vigil-Delivery`, `deliveryId` in the body).
 * While the probe is degraded, per-target incident alerts are held back (counted) — one
 * probe_degraded alert goes out instead.
 */
import { randomUUID } from 'node:crypto';
import type { AlertDeliveryStats } from '../daemon/daemon-handle.js';
import { redactText } from '../domain/redact.js';
import type { Logger } from '../daemon/logger.js';
import type { AlertDelivery, NewAlertDelivery, Store } from '../storage/store.js';
import type { AlertEvent } from './alert-event.js';
import type { ChannelSender, SendOutcome } from './channels/channel-sender.js';
import { describeDelivery, nextAttemptDelayMs, type PendingReport } from './delivery-report.js';

/** A channel with its retry policy. */
interface DispatchChannel {
  readonly sender: ChannelSender;
  /** attempts in total, the first one included */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  /** no attempt runs longer (the claim's lease covers it) */
  readonly timeoutMs: number;
}

type OutboxStore = Pick<Store, 'enqueueAlertDeliveries' | 'claimAlertDeliveries' | 'finishAlertAttempt' | 'listAlertDeliveries'>;

export interface AlertDispatcherOptions {
  readonly store: OutboxStore;
  readonly channels: readonly DispatchChannel[];
  readonly log: Logger;
  /** this node's id: its claims carry it */
  readonly owner: string;
  readonly nowMs?: () => number;
  /** pending rows are also looked for this often (another node's expired claims); default 5 s */
  readonly pollMs?: number;
  /** which channels get an event (names); default every channel */
  readonly route?: (event: AlertEvent) => readonly string[];
}

export interface AlertDispatcher {
  /** starts sending, first what a previous run left pending */
  start(): void;
  /** fire-and-forget: never blocks the caller, never throws */
  send(event: AlertEvent): void;
  setProbeDegraded(degraded: boolean): void;
  /** held-back incident alerts since the probe became degraded */
  suppressedSinceDegraded(): number;
  stats(): AlertDeliveryStats[];
  /** waits for attempts in flight up to deadlineMs, aborts the rest (they stay pending); says what is pending */
  close(deadlineMs: number): Promise<PendingReport>;
}

const CLAIM_BATCH = 100;
const LEASE_MARGIN_MS = 10_000;

interface ChannelCounters {
  deliveredTotal: number;
  failedTotal: number;
  retriesTotal: number;
  lastError: string | null;
}

export function createAlertDispatcher(options: AlertDispatcherOptions): AlertDispatcher {
  const { store, log, owner } = options;
  const nowMs = options.nowMs ?? Date.now;
  const pollMs = options.pollMs ?? 5_000;
  const channels = new Map(options.channels.map((c) => [c.sender.name, c]));
  const counters = new Map<string, ChannelCounters>(options.channels.map((c) => [c.sender.name, { deliveredTotal: 0, failedTotal: 0, retriesTotal: 0, lastError: null }]));
  const leaseMs = Math.max(0, ...options.channels.map((c) => c.timeoutMs)) + LEASE_MARGIN_MS;
  const shutdown = new AbortController();
  const inFlight = new Set<Promise<void>>();
  /** rows the store refused to take (outage): written again before the next claim */
  const unsaved: NewAlertDelivery[] = [];
  let writes: Promise<void> = Promise.resolve();
  let state: 'created' | 'running' | 'closing' = 'created';
  let degraded = false;
  let suppressed = 0;
  let pumping: Promise<void> | null = null;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let timerAt = Infinity;

  function wakeAt(atMs: number): void {
    if (state !== 'running' || atMs >= timerAt) return;
    if (timer !== null) clearTimeout(timer);
    timerAt = atMs;
    timer = setTimeout(() => {
      timer = null;
      timerAt = Infinity;
      pump();
    }, Math.max(0, atMs - nowMs()));
    timer.unref();
  }

  function pump(): void {
    if (state !== 'running') return;
    if (pumping !== null) {
      again = true;
      return;
    }
    pumping = (async () => {
      do {
        again = false;
        try {
          if (unsaved.length > 0) await store.enqueueAlertDeliveries(unsaved.splice(0));
          const rows = await store.claimAlertDeliveries({ owner, nowMs: nowMs(), leaseMs, limit: CLAIM_BATCH });
          for (const row of rows) track(state === 'running' ? attempt(row) : finish(row, { kind: 'released', atMs: nowMs() }));
          if (rows.length === CLAIM_BATCH) again = true;
        } catch (err) {
          log.warn(`alerts: the outbox is not reachable (retrying in ${pollMs} ms): ${err instanceof Error ? err.message : String(err)}`);
        }
      } while (again && state === 'running');
    })().finally(() => {
      pumping = null;
      wakeAt(nowMs() + pollMs);
    });
  }

  function track(p: Promise<void>): void {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }

  async function finish(row: AlertDelivery, outcome: Parameters<OutboxStore['finishAlertAttempt']>[2]): Promise<void> {
    try {
      await store.finishAlertAttempt(row.id, owner, outcome);
    } catch (err) {
      // the claim runs out and the delivery is attempted again: at least once
      log.warn(`alerts: could not record the attempt of ${describeDelivery(row)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async function attempt(row: AlertDelivery): Promise<void> {
    const channel = channels.get(row.channel);
    let event: AlertEvent | null = null;
    try {
      event = JSON.parse(row.payload) as AlertEvent;
    } catch {
      event = null;
    }
    if (channel === undefined || event === null) {
      const error = channel === undefined ? 'channel not configured' : 'unreadable payload';
      log.warn(`alert delivery gave up: ${describeDelivery({ ...row, lastError: error })}`);
      return finish(row, { kind: 'failed', atMs: nowMs(), error });
    }
    const n = row.attempts + 1;
    let outcome: SendOutcome;
    try {
      outcome = await channel.sender.send(event, shutdown.signal, { id: row.id, attempt: n });
    } catch (err) {
      outcome = { ok: false, retryable: true, reason: `sender failed: ${err instanceof Error ? err.name : 'error'}` };
    }
    const count = counters.get(row.channel) as ChannelCounters;
    const atMs = nowMs();
    if (shutdown.signal.aborted && !outcome.ok) return finish(row, { kind: 'released', atMs });
    if (outcome.ok) {
      count.deliveredTotal++;
      count.lastError = null; // the stats describe the channel now: a later success clears it
      await finish(row, { kind: 'delivered', atMs });
    } else if (outcome.retryable && n < channel.maxAttempts) {
      count.retriesTotal++;
      count.lastError = outcome.reason;
      const nextAttemptAt = atMs + nextAttemptDelayMs(n, channel.initialBackoffMs, outcome.retryAfterMs);
      await finish(row, { kind: 'retry', atMs, nextAttemptAt, error: outcome.reason });
      wakeAt(nextAttemptAt);
      return;
    } else {
      count.failedTotal++;
      count.lastError = outcome.reason;
      log.warn(`alert delivery gave up: ${describeDelivery({ ...row, attempts: n, lastError: outcome.reason })}`);
      await finish(row, { kind: 'failed', atMs, error: outcome.reason });
    }
    pump(); // a later delivery of the same channel and target may be claimable now
  }

  function enqueue(event: AlertEvent): void {
    const names = options.route === undefined ? [...channels.keys()] : options.route(event).filter((name) => channels.has(name));
    if (names.length === 0) return;
    const createdAt = nowMs();
    const targetId = 'target' in event ? event.target.id : null;
    // what is stored is what may be shown: a detail quoting a URL with credentials is redacted
    const payload = JSON.stringify('detail' in event && event.detail !== null ? { ...event, detail: redactText(event.detail) } : event);
    const rows = names.map((channel): NewAlertDelivery => ({ id: randomUUID(), channel, eventType: event.type, targetId, payload, createdAt }));
    writes = writes
      .then(() => store.enqueueAlertDeliveries(rows))
      .then(
        () => pump(),
        (err: unknown) => {
          unsaved.push(...rows);
          log.warn(`alerts: ${rows.length} deliveries of ${event.type} not written to the outbox yet (kept in memory, retried): ${err instanceof Error ? err.message : String(err)}`);
        },
      );
  }

  return {
    start() {
      if (state !== 'created') return;
      state = 'running';
      pump();
    },
    send(event) {
      const isTargetAlert = event.type === 'incident_opened' || event.type === 'incident_resolved';
      if (degraded && isTargetAlert) {
        suppressed++;
        return;
      }
      enqueue(event);
    },
    setProbeDegraded(value) {
      if (value && !degraded) suppressed = 0;
      degraded = value;
    },
    suppressedSinceDegraded: () => suppressed,
    stats: () => options.channels.map((c) => ({ webhook: c.sender.name, ...(counters.get(c.sender.name) as ChannelCounters) })),
    async close(deadlineMs) {
      state = 'closing';
      if (timer !== null) clearTimeout(timer);
      await writes;
      let deadline: ReturnType<typeof setTimeout> | undefined;
      const settled = async () => {
        while (pumping !== null || inFlight.size > 0) await Promise.allSettled([pumping, ...inFlight]);
      };
      await Promise.race([settled(), new Promise<void>((resolve) => (deadline = setTimeout(resolve, Math.max(0, deadlineMs))))]);
      clearTimeout(deadline);
      shutdown.abort();
      await settled();
      for (const c of options.channels) c.sender.close();
      if (unsaved.length > 0) await store.enqueueAlertDeliveries(unsaved.splice(0)).catch(() => undefined);
      return pendingReport(store, unsaved);
    },
  };
}

async function pendingReport(store: OutboxStore, unsaved: readonly NewAlertDelivery[]): Promise<PendingReport> {
  try {
    const page = await store.listAlertDeliveries({ state: 'pending', limit: 1000 });
    return { pending: page.items, more: page.nextCursor !== null, unsaved: unsaved.length, error: null };
  } catch (err) {
    return { pending: [], more: false, unsaved: unsaved.length, error: err instanceof Error ? err.message : String(err) };
  }
}
