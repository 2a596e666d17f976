/** Adapts the incident state machine (src/incidents) and the store to the daemon's IncidentPort. */
import { IncidentTracker } from '../incidents/incident-tracker.js';
import { recordIncidentEvent } from '../incidents/record-incident-event.js';
import type { Store } from '../storage/store.js';
import type { IncidentPort } from './incident-port.js';

export function createIncidentPort(store: Store): IncidentPort {
  const tracker = new IncidentTracker();
  return {
    observe(targetId, confirmations, result, probeDegraded) {
      const event = tracker.observe(targetId, confirmations, {
        status: result.status,
        errorKind: result.errorKind,
        detail: result.detail,
        startedAt: result.startedAt,
        probeDegraded,
      });
      return event === null ? [] : [event];
    },
    resetStreak: (targetId) => tracker.resetStreak(targetId),
    remove(targetId, atMs) {
      const event = tracker.remove(targetId, atMs);
      return event === null ? [] : [event];
    },
    async record(event) {
      await recordIncidentEvent(store, event);
    },
    async restoreOpen() {
      let cursor: string | null = null;
      let restored = 0;
      do {
        const page = await store.listIncidents({ state: 'open', limit: 1000, cursor });
        for (const incident of page.items) {
          tracker.restoreOpen(incident.targetId, incident);
          restored++;
        }
        cursor = page.nextCursor;
      } while (cursor !== null);
      return restored;
    },
  };
}
