/** Adapts the incident state machine (src/incidents) and the store to the daemon's IncidentPort. */
import { IncidentTracker } from '../incidents/incident-tracker.js';
import { recordIncidentEvent } from '../incidents/record-incident-event.js';
import type { Incident, Store } from '../storage/store.js';
import type { IncidentPort } from './incident-port.js';

/** The part of a port that feeds the state machine: results in, the events they cause out. */
export function trackerFeed(tracker: IncidentTracker): Pick<IncidentPort, 'observe' | 'resetStreak' | 'remove'> {
  return {
    observe(targetId, confirmations, result, probeDegraded) {
      const event = tracker.observe(targetId, confirmations, { status: result.status, errorKind: result.errorKind, detail: result.detail, startedAt: result.startedAt, probeDegraded });
      return event === null ? [] : [event];
    },
    resetStreak: (targetId) => tracker.resetStreak(targetId),
    remove(targetId, atMs) {
      const event = tracker.remove(targetId, atMs);
      return event === null ? [] : [event];
    },
  };
}

export function createIncidentPort(store: Store): IncidentPort {
  const tracker = new IncidentTracker();
  return {
    ...trackerFeed(tracker),
    async record(event) {
      return (await recordIncidentEvent(store, event)).fresh ? event : null;
    },
    async restoreOpen() {
      const open = await openIncidents(store, null);
      for (const incident of open) tracker.restoreOpen(incident.targetId, incident);
    },
    async resync(targetIds) {
      if (targetIds.size === 0) return;
      // read first, then swap: a failed read leaves the states as they were (the caller retries)
      const open = await openIncidents(store, targetIds);
      for (const id of targetIds) tracker.forget(id);
      for (const incident of open) tracker.restoreOpen(incident.targetId, incident);
    },
  };
}

async function openIncidents(store: Store, only: ReadonlySet<string> | null): Promise<Incident[]> {
  const found: Incident[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listIncidents({ state: 'open', limit: 1000, cursor });
    for (const incident of page.items) if (only === null || only.has(incident.targetId)) found.push(incident);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return found;
}
