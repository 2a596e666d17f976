/**
 * Fans alert events out to every channel (webhooks and the provider channels alike) whose
 * route takes them, keeps track of deliveries in flight so the daemon can wait for them on
 * shutdown, and re-notifies channels with `repeatEvery` while an incident stays open. While
 * the probe is degraded, per-target incident alerts (and reminders) are held back (counted)
 * — one probe_degraded alert goes out instead.
 */
import type { AlertDeliveryStats } from '../daemon/daemon-handle.js';
import type { ChannelRoute } from '../config/channel-config.js';
import type { ErrorKind } from '../domain/error-kind.js';
import type { AlertEvent, AlertTarget } from './alert-event.js';
import { isRouted } from './alert-route.js';
import type { ChannelDelivery, DeliveryRecord } from './channel-delivery.js';

export interface AlertChannel {
  readonly delivery: ChannelDelivery;
  readonly route: ChannelRoute | null;
  /** re-notify while an incident stays open; null = never */
  readonly repeatEveryMs: number | null;
}

/** What the API shows of a channel: its name, kind, routing and counters — never a URL or secret. */
interface AlertChannelView extends AlertDeliveryStats {
  readonly route: ChannelRoute | null;
  readonly repeatEveryMs: number | null;
}

export interface AlertDispatcher {
  /** fire-and-forget: never blocks the caller, never throws */
  send(event: AlertEvent): void;
  setProbeDegraded(degraded: boolean): void;
  /** held-back incident alerts since the probe became degraded */
  suppressedSinceDegraded(): number;
  stats(): AlertDeliveryStats[];
  channels(): AlertChannelView[];
  /** one test alert to the named channel, one attempt; undefined when there is no such channel */
  test(name: string): Promise<DeliveryRecord | undefined>;
  /** the named channel's delivery log, newest first; undefined when there is no such channel */
  deliveries(name: string, limit: number, beforeId: number | null): { items: DeliveryRecord[]; nextBeforeId: number | null } | undefined;
  /** waits for deliveries in flight up to deadlineMs, then aborts the rest */
  close(deadlineMs: number): Promise<void>;
}

interface OpenIncident {
  readonly target: AlertTarget;
  readonly openedAt: number;
  readonly errorKind: ErrorKind | null;
  readonly detail: string | null;
  readonly timers: ReturnType<typeof setInterval>[];
}

export interface DispatcherOptions {
  /** wall-clock ms for reminders' `at` (tests pass their own) */
  readonly nowMs?: () => number;
}

export function createAlertDispatcher(channels: readonly AlertChannel[], options: DispatcherOptions = {}): AlertDispatcher {
  const nowMs = options.nowMs ?? Date.now;
  const pending = new Set<Promise<unknown>>();
  /** by target id: the open incident and its reminder timers (one per repeating channel) */
  const open = new Map<string, OpenIncident>();
  const byName = new Map(channels.map((c) => [c.delivery.name, c]));
  let degraded = false;
  let suppressed = 0;
  let closed = false;

  function deliver(channel: AlertChannel, event: AlertEvent): void {
    const p = channel.delivery.deliver(event).finally(() => pending.delete(p));
    pending.add(p);
  }

  function stopReminders(targetId: string): void {
    const incident = open.get(targetId);
    if (incident === undefined) return;
    for (const t of incident.timers) clearInterval(t);
    open.delete(targetId);
  }

  function startReminders(event: AlertEvent & { type: 'incident_opened' }, routed: readonly AlertChannel[]): void {
    stopReminders(event.target.id);
    const incident: OpenIncident = { target: event.target, openedAt: event.at, errorKind: event.errorKind, detail: event.detail, timers: [] };
    for (const channel of routed) {
      if (channel.repeatEveryMs === null) continue;
      let repeat = 0;
      const timer = setInterval(() => {
        if (degraded || closed) return;
        repeat++;
        const at = nowMs();
        deliver(channel, { type: 'incident_reminder', at, target: incident.target, openedAt: incident.openedAt, errorKind: incident.errorKind, detail: incident.detail, openForMs: Math.max(0, at - incident.openedAt), repeat });
      }, channel.repeatEveryMs);
      timer.unref();
      incident.timers.push(timer);
    }
    if (incident.timers.length > 0) open.set(event.target.id, incident);
  }

  return {
    send(event) {
      if (closed) return;
      const isTargetAlert = event.type === 'incident_opened' || event.type === 'incident_resolved' || event.type === 'incident_reminder';
      if (event.type === 'incident_resolved') stopReminders(event.target.id);
      const routed = channels.filter((c) => isRouted(c.route, event));
      if (event.type === 'incident_opened') startReminders(event, routed);
      if (degraded && isTargetAlert) {
        suppressed++;
        return;
      }
      for (const channel of routed) deliver(channel, event);
    },
    setProbeDegraded(value) {
      if (value && !degraded) suppressed = 0;
      degraded = value;
    },
    suppressedSinceDegraded: () => suppressed,
    stats: () => channels.map((c) => c.delivery.stats()),
    channels: () => channels.map((c) => ({ ...c.delivery.stats(), route: c.route, repeatEveryMs: c.repeatEveryMs })),
    async test(name) {
      const channel = byName.get(name);
      if (channel === undefined) return undefined;
      const p = channel.delivery.sendOnce({ type: 'test', at: nowMs(), channel: name });
      pending.add(p);
      try {
        return await p;
      } finally {
        pending.delete(p);
      }
    },
    deliveries: (name, limit, beforeId) => byName.get(name)?.delivery.deliveries(limit, beforeId),
    async close(deadlineMs) {
      closed = true;
      for (const id of [...open.keys()]) stopReminders(id);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadlineMs));
      });
      await Promise.race([Promise.allSettled([...pending]), deadline]);
      clearTimeout(timer);
      for (const channel of channels) channel.delivery.abort();
      await Promise.allSettled([...pending]);
    },
  };
}
