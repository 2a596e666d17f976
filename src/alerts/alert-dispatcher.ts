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
 *
 * Routing: each channel's `route` (alert-route.ts) decides which events get a row for it.
 * Repeat-notify: a channel with `repeatEveryMs` gets an `incident_reminder` row every period
 * while an incident routed to it stays open. The schedule is derived from the store, not from
 * timers in this process: slot k of an incident is due at openedAt + k × repeatEvery, and a
 * reminder round (every node, every tick) takes the latest due slot not yet taken with
 * `takeAlertReminder` — a compare-and-set in the transaction that enqueues the delivery — so
 * exactly one node sends each reminder, a restart or a takeover resumes where the schedule
 * was, and the numbering goes on. A node whose probe is degraded takes none.
 */
import { randomUUID } from 'node:crypto';
import type { ChannelRoute } from '../config/channel-config.js';
import type { AlertDeliveryStats } from '../daemon/daemon-handle.js';
import { redactText } from '../domain/redact.js';
import type { Logger } from '../daemon/logger.js';
import { MAX_REMINDER_INCIDENTS } from '../storage/alert-outbox.js';
import type { AlertDelivery, IncidentPageAfter, NewAlertDelivery, OpenIncidentReminders, Store } from '../storage/store.js';
import type { AlertEvent, AlertTarget } from './alert-event.js';
import { isRouted } from './alert-route.js';
import type { ChannelKind, ChannelSender, SendOutcome } from './channels/channel-sender.js';
import { describeDelivery, nextAttemptDelayMs, type PendingReport } from './delivery-report.js';

/** A channel with its retry policy. */
export interface DispatchChannel {
  readonly sender: ChannelSender;
  /** attempts in total, the first one included */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  /** no attempt runs longer (the claim's lease covers it) */
  readonly timeoutMs: number;
  /** which events it gets; null or absent = every event */
  readonly route?: ChannelRoute | null;
  /** re-notify while an incident stays open; null or absent = never */
  readonly repeatEveryMs?: number | null;
}

/** What the API shows of a channel: name, kind, policy, routing and counters — never a URL or secret. */
export interface AlertChannelView extends AlertDeliveryStats {
  readonly maxAttempts: number;
  readonly route: ChannelRoute | null;
  readonly repeatEveryMs: number | null;
}

/**
 * The answer of `POST /api/v1/alerts/{name}/test`: one attempt now, no retry. It is written to the
 * delivery log already finished (event type `test`), never claimed, never in the channel's counters.
 */
export interface AlertTestOutcome {
  readonly channel: string;
  readonly kind: ChannelKind;
  readonly deliveryId: string;
  readonly delivered: boolean;
  /** for a failure: would the outbox have retried it */
  readonly retryable: boolean | null;
  readonly error: string | null;
  readonly durationMs: number;
}

/** the outbox, and the open incidents' reminder slots */
type OutboxStore = Pick<Store, 'enqueueAlertDeliveries' | 'claimAlertDeliveries' | 'finishAlertAttempt' | 'listAlertDeliveries' | 'recordAlertDelivery' | 'listOpenIncidentReminders' | 'takeAlertReminder'>;

export interface AlertDispatcherOptions {
  readonly store: OutboxStore;
  readonly channels: readonly DispatchChannel[];
  readonly log: Logger;
  /** this node's id: its claims carry it */
  readonly owner: string;
  readonly nowMs?: () => number;
  /** pending rows are also looked for this often (another node's expired claims); default 5 s */
  readonly pollMs?: number;
  /** [0, 1) for the retry jitter; tests pass their own */
  readonly random?: () => number;
  /** a target's name and tags for routing a reminder; undefined: not known here (no reminder) */
  readonly targetOf?: (id: string) => AlertTarget | undefined;
  /**
   * Whether a maintenance window covers the target at atMs: its reminders are held while one
   * does (nothing is sent inside a window); the latest slot due goes out when the window ends
   * with the incident still open. Default: never.
   */
  readonly inMaintenance?: (target: AlertTarget, atMs: number) => boolean;
  /** how often reminder slots are looked for; default: a tenth of the shortest repeatEvery, 250 ms to 5 s */
  readonly reminderTickMs?: number;
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
  channels(): AlertChannelView[];
  /**
   * One test alert to the named channel, one attempt now; undefined when there is no such
   * channel, 'busy' while a test of it is still running (a flood of tests must not become a
   * flood at the provider).
   */
  test(name: string): Promise<AlertTestOutcome | 'busy' | undefined>;
  /**
   * SIGHUP: the channels of a new config take over (docs/alerts.md, "Reload"). Senders are new
   * (a changed `${file:}` secret takes effect); counters carry over by name; reminders of open
   * incidents follow the new routing and `repeatEvery` from the next round; pending rows of a removed channel are given
   * up at their next due attempt (state failed, the reason says why). Old senders close once
   * the attempts in flight on them have finished.
   */
  replaceChannels(next: readonly DispatchChannel[]): Promise<ChannelChange>;
  /** waits for attempts in flight up to deadlineMs, aborts the rest (they stay pending); says what is pending */
  close(deadlineMs: number): Promise<PendingReport>;
}

/** What a reload changed, for its log line. */
export interface ChannelChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** kept names (their config may have changed: every sender is new) */
  readonly kept: readonly string[];
  /** pending deliveries of the removed channels, given up when due (null: the outbox could not be read) */
  readonly pendingOfRemoved: number | null;
}

/** The reason a pending delivery of a channel no longer in the config is given up with. */
export const REMOVED_CHANNEL_ERROR = 'channel removed from the config; not sent';

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
  // replaced as a whole on reload (replaceChannels); an attempt keeps the channel it started with
  let configured: readonly DispatchChannel[] = options.channels;
  let channels = new Map(configured.map((c) => [c.sender.name, c]));
  let counters = new Map<string, ChannelCounters>(configured.map((c) => [c.sender.name, { deliveredTotal: 0, failedTotal: 0, retriesTotal: 0, lastError: null }]));
  let leaseMs = leaseOf(configured);
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
  let reminderTimer: ReturnType<typeof setTimeout> | null = null;
  let reminding: Promise<void> | null = null;
  /** channels with a test attempt in flight, and those attempts */
  const testing = new Set<string>();
  const tests = new Set<Promise<SendOutcome>>();
  /** senders a reload replaced, closed once nothing in flight uses them */
  const retired = new Set<ChannelSender>();

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
      const error = channel === undefined ? REMOVED_CHANNEL_ERROR : 'unreadable payload';
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
    // a reload meanwhile may have dropped the channel's counters: this attempt still counts nowhere else
    const count = counters.get(row.channel) ?? { deliveredTotal: 0, failedTotal: 0, retriesTotal: 0, lastError: null };
    const atMs = nowMs();
    if (shutdown.signal.aborted && !outcome.ok) return finish(row, { kind: 'released', atMs });
    if (outcome.ok) {
      count.deliveredTotal++;
      count.lastError = null; // the stats describe the channel now: a later success clears it
      await finish(row, { kind: 'delivered', atMs });
    } else if (outcome.retryable && n < channel.maxAttempts) {
      count.retriesTotal++;
      count.lastError = outcome.reason;
      const nextAttemptAt = atMs + nextAttemptDelayMs(n, channel.initialBackoffMs, outcome.retryAfterMs, options.random);
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

  /** when the next reminder round runs: none while no channel repeats */
  function scheduleReminders(): void {
    if (reminderTimer !== null) clearTimeout(reminderTimer);
    reminderTimer = null;
    const tickMs = reminderTickOf(configured, options.reminderTickMs);
    if (state !== 'running' || tickMs === null) return;
    reminderTimer = setTimeout(() => {
      reminderTimer = null;
      reminding = remindRound().finally(() => {
        reminding = null;
        scheduleReminders();
      });
    }, tickMs);
    reminderTimer.unref();
  }

  /**
   * One reminder round: for every open incident and every repeating channel it is routed to,
   * the latest slot due (openedAt + k × repeatEvery, k ≥ 1) is taken when it is later than the
   * channel's last one — by this node or, when another node took it first, by none. Missed
   * slots (the whole fleet down for a while, or a maintenance window covering the target) are
   * not sent one by one: the latest stands for them.
   */
  async function remindRound(): Promise<void> {
    if (state !== 'running' || degraded) return;
    const repeating = configured.filter((c) => (c.repeatEveryMs ?? null) !== null);
    if (repeating.length === 0) return;
    try {
      // every open incident, a page at a time, oldest first (a wide outage opens thousands)
      let after: IncidentPageAfter | null = null;
      for (;;) {
        const page = await store.listOpenIncidentReminders(after);
        for (const open of page) {
          if (!(await remindOne(open, repeating))) return;
        }
        if (page.length < MAX_REMINDER_INCIDENTS) return;
        const { openedAt, id } = (page[page.length - 1] as OpenIncidentReminders).incident;
        after = { openedAt, id };
      }
    } catch (err) {
      log.warn(`alerts: reminder round failed (next one in ${reminderTickOf(configured, options.reminderTickMs) ?? 0} ms): ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The reminders one open incident is due on its repeating channels; false when the dispatcher stopped meanwhile. */
  async function remindOne({ incident, slots }: OpenIncidentReminders, repeating: readonly DispatchChannel[]): Promise<boolean> {
    const target = options.targetOf?.(incident.targetId);
    if (target === undefined) return true;
    // a held slot is not taken: it stays due, and the window's end sends the latest one
    if (options.inMaintenance?.(target, nowMs()) === true) return true;
    const openedAt = incident.openedAt;
    for (const channel of repeating) {
      if (state !== 'running' || degraded) return false;
      const everyMs = channel.repeatEveryMs as number;
      const at = nowMs();
      const k = Math.floor((at - openedAt) / everyMs);
      if (k < 1) continue;
      const dueAt = openedAt + k * everyMs;
      const name = channel.sender.name;
      const last = slots.find((slot) => slot.channel === name);
      if (last !== undefined && dueAt <= last.dueAt) continue;
      const repeat = (last?.repeat ?? 0) + 1;
      const reminder: AlertEvent & { type: 'incident_reminder' } = {
        type: 'incident_reminder', at, target, openedAt, errorKind: incident.lastErrorKind, detail: incident.lastDetail,
        openForMs: Math.max(0, at - openedAt), repeat, regions: incident.regions,
      };
      if (!isRouted(channel.route ?? null, reminder)) continue;
      const [delivery] = deliveriesOf(reminder, [name]);
      const took = await store.takeAlertReminder({ targetId: target.id, openedAt, previousDueAt: last?.dueAt ?? null, repeat, dueAt, delivery: delivery as NewAlertDelivery });
      if (took) pump();
    }
    return true;
  }

  function routed(event: AlertEvent): string[] {
    return configured.filter((c) => isRouted(c.route ?? null, event)).map((c) => c.sender.name);
  }

  function deliveriesOf(event: AlertEvent, names: readonly string[]): NewAlertDelivery[] {
    const createdAt = nowMs();
    const targetId = 'target' in event ? event.target.id : null;
    // what is stored is what may be shown: a detail quoting a URL with credentials is redacted
    const payload = JSON.stringify('detail' in event && event.detail !== null ? { ...event, detail: redactText(event.detail) } : event);
    return names.map((channel): NewAlertDelivery => ({ id: randomUUID(), channel, eventType: event.type, targetId, payload, createdAt }));
  }

  function enqueue(event: AlertEvent, names: readonly string[]): void {
    if (names.length === 0) return;
    const rows = deliveriesOf(event, names);
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

  /** The test's row in the delivery log; a store that cannot take it is logged, the answer still given. */
  async function recordTest(id: string, channel: string, event: AlertEvent, outcome: SendOutcome): Promise<void> {
    try {
      await store.recordAlertDelivery({ id, channel, eventType: event.type, targetId: null, payload: JSON.stringify(event), createdAt: event.at, state: outcome.ok ? 'delivered' : 'failed', lastError: outcome.ok ? null : outcome.reason, finishedAt: nowMs() });
    } catch (err) {
      log.warn(`alerts: test delivery ${id} to ${channel} not written to the delivery log: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  return {
    start() {
      if (state !== 'created') return;
      state = 'running';
      pump();
      scheduleReminders();
    },
    send(event) {
      if (state === 'closing') return;
      const names = routed(event);
      const isTargetAlert = event.type === 'incident_opened' || event.type === 'incident_resolved' || event.type === 'incident_reminder';
      if (degraded && isTargetAlert) {
        suppressed++;
        return;
      }
      enqueue(event, names);
    },
    setProbeDegraded(value) {
      if (value && !degraded) suppressed = 0;
      degraded = value;
    },
    suppressedSinceDegraded: () => suppressed,
    stats: () => configured.map((c) => ({ webhook: c.sender.name, kind: c.sender.kind, ...(counters.get(c.sender.name) as ChannelCounters) })),
    channels: () =>
      configured.map((c) => ({ webhook: c.sender.name, kind: c.sender.kind, ...(counters.get(c.sender.name) as ChannelCounters), maxAttempts: c.maxAttempts, route: c.route ?? null, repeatEveryMs: c.repeatEveryMs ?? null })),
    async test(name) {
      const channel = channels.get(name);
      if (channel === undefined) return undefined;
      if (testing.has(name)) return 'busy';
      testing.add(name);
      const deliveryId = `test-${randomUUID()}`;
      const event: AlertEvent = { type: 'test', at: nowMs(), channel: name };
      const started = performance.now();
      let outcome: SendOutcome;
      const sending = channel.sender.send(event, shutdown.signal, { id: deliveryId, attempt: 1 });
      tests.add(sending);
      try {
        outcome = await sending;
      } catch (err) {
        outcome = { ok: false, retryable: true, reason: `sender failed: ${err instanceof Error ? err.name : 'error'}` };
      } finally {
        testing.delete(name);
        tests.delete(sending);
      }
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      await recordTest(deliveryId, name, event, outcome);
      if (outcome.ok) return { channel: name, kind: channel.sender.kind, deliveryId, delivered: true, retryable: null, error: null, durationMs };
      return { channel: name, kind: channel.sender.kind, deliveryId, delivered: false, retryable: outcome.retryable, error: outcome.reason, durationMs };
    },
    async replaceChannels(next) {
      const before = new Set(channels.keys());
      const after = new Set(next.map((c) => c.sender.name));
      const removed = [...before].filter((n) => !after.has(n));
      const change = { added: [...after].filter((n) => !before.has(n)), removed, kept: [...after].filter((n) => before.has(n)) };
      const old = configured;
      configured = next;
      channels = new Map(next.map((c) => [c.sender.name, c]));
      counters = new Map(next.map((c) => [c.sender.name, counters.get(c.sender.name) ?? { deliveredTotal: 0, failedTotal: 0, retriesTotal: 0, lastError: null }]));
      leaseMs = leaseOf(next);
      for (const c of old) retired.add(c.sender);
      // attempts and tests in flight hold the old sender; it closes when they are done
      void Promise.allSettled([...inFlight, ...tests]).then(() => {
        if (state === 'closing') return;
        for (const c of old) {
          c.sender.close();
          retired.delete(c.sender);
        }
      });
      scheduleReminders(); // the shortest repeatEvery may have changed
      let pendingOfRemoved: number | null = 0;
      try {
        for (const channel of removed) pendingOfRemoved += (await store.listAlertDeliveries({ channel, state: 'pending', limit: 1000 })).items.length;
      } catch {
        pendingOfRemoved = null;
      }
      pump(); // those already due are given up now
      return { ...change, pendingOfRemoved };
    },
    async close(deadlineMs) {
      state = 'closing';
      if (reminderTimer !== null) clearTimeout(reminderTimer);
      if (timer !== null) clearTimeout(timer);
      await reminding;
      await writes;
      let deadline: ReturnType<typeof setTimeout> | undefined;
      const settled = async () => {
        while (pumping !== null || inFlight.size > 0) await Promise.allSettled([pumping, ...inFlight]);
      };
      await Promise.race([settled(), new Promise<void>((resolve) => (deadline = setTimeout(resolve, Math.max(0, deadlineMs))))]);
      clearTimeout(deadline);
      shutdown.abort();
      await settled();
      await Promise.allSettled([...tests]);
      for (const c of configured) c.sender.close();
      for (const s of retired) s.close();
      if (unsaved.length > 0) await store.enqueueAlertDeliveries(unsaved.splice(0)).catch(() => undefined);
      return pendingReport(store, unsaved);
    },
  };
}

/** A tenth of the shortest repeatEvery, 250 ms to 5 s (a reminder is at most that late); null when no channel repeats. */
function reminderTickOf(channels: readonly DispatchChannel[], override: number | undefined): number | null {
  const periods = channels.map((c) => c.repeatEveryMs ?? null).filter((ms): ms is number => ms !== null);
  if (periods.length === 0) return null;
  return override ?? Math.min(5_000, Math.max(250, Math.floor(Math.min(...periods) / 10)));
}

function leaseOf(channels: readonly DispatchChannel[]): number {
  return Math.max(0, ...channels.map((c) => c.timeoutMs)) + LEASE_MARGIN_MS;
}

async function pendingReport(store: OutboxStore, unsaved: readonly NewAlertDelivery[]): Promise<PendingReport> {
  try {
    const page = await store.listAlertDeliveries({ state: 'pending', limit: 1000 });
    return { pending: page.items, more: page.nextCursor !== null, unsaved: unsaved.length, error: null };
  } catch (err) {
    return { pending: [], more: false, unsaved: unsaved.length, error: err instanceof Error ? err.message : String(err) };
  }
}
