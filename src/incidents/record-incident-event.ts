import type { Incident, Store } from '../storage/store.js';
import { StoreConflictError } from '../storage/store.js';
import type { IncidentEvent } from './incident-events.js';

/** The stored `lastDetail` of an incident closed because its target was deleted. */
const TARGET_REMOVED_DETAIL = 'target removed';

/**
 * Writes one incident event to the store; returns the incident as stored (null when there
 * was no open incident to update or resolve, e.g. it was closed by hand). An `opened` for
 * a target that already has an open incident (a restart without `restoreOpen`) updates it.
 */
export async function recordIncidentEvent(store: Pick<Store, 'openIncident' | 'updateIncident' | 'closeIncident' | 'getOpenIncident'>, event: IncidentEvent): Promise<Incident | null> {
  if (event.type === 'opened') {
    try {
      return await store.openIncident({
        targetId: event.targetId, openedAt: event.at, errorKind: event.errorKind, detail: event.detail, failureCount: event.failureCount,
        probeDegraded: event.probeDegraded,
      });
    } catch (err) {
      if (!(err instanceof StoreConflictError)) throw err;
      const open = await store.getOpenIncident(event.targetId);
      if (open === null) throw err;
      return store.updateIncident(open.id, { at: event.at, errorKind: event.errorKind, detail: event.detail, failuresAdded: event.failureCount });
    }
  }
  const open = await store.getOpenIncident(event.targetId);
  if (open === null) return null;
  if (event.type === 'updated') {
    return store.updateIncident(open.id, { at: event.at, errorKind: event.errorKind, detail: event.detail, failuresAdded: event.failuresAdded });
  }
  if (event.reason === 'target_removed') {
    // the incident's last word says why it ended; its cause (errorKind) stays the real one
    await store.updateIncident(open.id, { at: event.at, errorKind: event.lastErrorKind ?? open.lastErrorKind, detail: TARGET_REMOVED_DETAIL, failuresAdded: event.failuresAdded });
  } else if (event.failuresAdded > 0 || event.lastDetail !== open.lastDetail) {
    await store.updateIncident(open.id, { at: event.at, errorKind: event.lastErrorKind, detail: event.lastDetail, failuresAdded: event.failuresAdded });
  }
  return store.closeIncident(open.id, event.at);
}
