/**
 * Fans alert events out to every webhook and keeps track of deliveries in flight so the
 * daemon can wait for them on shutdown. While the probe is degraded, per-target incident
 * alerts are held back (counted) — one probe_degraded alert goes out instead.
 */
import type { AlertDeliveryStats } from '../daemon/daemon-handle.js';
import type { AlertEvent } from './alert-event.js';
import type { WebhookSender } from './webhook-sender.js';

export interface AlertDispatcher {
  /** fire-and-forget: never blocks the caller, never throws */
  send(event: AlertEvent): void;
  setProbeDegraded(degraded: boolean): void;
  /** held-back incident alerts since the probe became degraded */
  suppressedSinceDegraded(): number;
  stats(): AlertDeliveryStats[];
  /** waits for deliveries in flight up to deadlineMs, then aborts the rest */
  close(deadlineMs: number): Promise<void>;
}

export function createAlertDispatcher(senders: readonly WebhookSender[]): AlertDispatcher {
  const pending = new Set<Promise<unknown>>();
  let degraded = false;
  let suppressed = 0;

  return {
    send(event) {
      const isTargetAlert = event.type === 'incident_opened' || event.type === 'incident_resolved';
      if (degraded && isTargetAlert) {
        suppressed++;
        return;
      }
      for (const sender of senders) {
        const p = sender.deliver(event).finally(() => pending.delete(p));
        pending.add(p);
      }
    },
    setProbeDegraded(value) {
      if (value && !degraded) suppressed = 0;
      degraded = value;
    },
    suppressedSinceDegraded: () => suppressed,
    stats: () => senders.map((s) => s.stats()),
    async close(deadlineMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadlineMs));
      });
      await Promise.race([Promise.allSettled([...pending]), deadline]);
      clearTimeout(timer);
      for (const sender of senders) sender.abort();
      await Promise.allSettled([...pending]);
    },
  };
}
