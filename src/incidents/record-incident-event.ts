import type { Incident, Store } from '../storage/store.js';
import { StoreConflictError } from '../storage/store.js';
import type { IncidentEvent } from './incident-events.js';

/** The stored `lastDetail` of an incident closed because its target was deleted. */
const TARGET_REMOVED_DETAIL = 'target removed';

/** What one event did to the store. */
export interface RecordedIncident {
  /** the incident as stored (null when there was no open incident to update or resolve) */
  incident: Incident | null;
  /**
   * this write made the transition: the incident was opened (not found open already), or
   * closed by this call. False when another writer got there first (another node of a
   * cluster, docs/cluster.md): the event is not alerted a second time.
   */
  fresh: boolean;
}

/**
 * Writes one incident event to the store. An `opened` for a target that already has an open
 * incident (a restart without `restoreOpen`, a cluster node taking over a target that is
 * down) updates it, and is not fresh.
 */
export async function recordIncidentEvent(store: Pick<Store, 'openIncident' | 'updateIncident' | 'closeIncident' | 'getOpenIncident'>, event: IncidentEvent): Promise<RecordedIncident> {
  if (event.type === 'opened') {
    try {
      const incident = await store.openIncident({
        targetId: event.targetId, openedAt: event.at, errorKind: event.errorKind, detail: event.detail, failureCount: event.failureCount,
        probeDegraded: event.probeDegraded,
      });
      return { incident, fresh: true };
    } catch (err) {
      if (!(err instanceof StoreConflictError)) throw err;
      const open = await store.getOpenIncident(event.targetId);
      if (open === null) throw err;
      return { incident: await store.updateIncident(open.id, { at: event.at, errorKind: event.errorKind, detail: event.detail, failuresAdded: event.failureCount }), fresh: false };
    }
  }
  const open = await store.getOpenIncident(event.targetId);
  if (open === null) return { incident: null, fresh: false };
  if (event.type === 'updated') {
    const incident = await store.updateIncident(open.id, { at: event.at, errorKind: event.errorKind, detail: event.detail, failuresAdded: event.failuresAdded });
    return { incident, fresh: incident !== null && incident.closedAt === null };
  }
  if (event.reason === 'target_removed') {
    // the incident's last word says why it ended; its cause (errorKind) stays the real one
    await store.updateIncident(open.id, { at: event.at, errorKind: event.lastErrorKind ?? open.lastErrorKind, detail: TARGET_REMOVED_DETAIL, failuresAdded: event.failuresAdded });
  } else if (event.failuresAdded > 0 || event.lastDetail !== open.lastDetail) {
    await store.updateIncident(open.id, { at: event.at, errorKind: event.lastErrorKind, detail: event.lastDetail, failuresAdded: event.failuresAdded });
  }
  const closed = await store.closeIncident(open.id, event.at);
  // closeIncident closes only an open incident: a closedAt other than ours was someone else's
  return { incident: closed, fresh: closed !== null && closed.closedAt === event.at };
}
