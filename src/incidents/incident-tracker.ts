import type { IncidentEvent } from './incident-events.js';
import { INITIAL_STATE, nextIncidentState } from './incident-state.js';
import type { IncidentState, Observation } from './incident-state.js';

/**
 * Holds the incident state of every target (one instance per daemon, built by the
 * composition root) and runs the pure transition. No I/O: the caller writes the events
 * to the store (`recordIncidentEvent`) and hands them to alerting.
 */
export class IncidentTracker {
  private readonly states = new Map<string, IncidentState>();

  /** Feeds one result; returns the event it caused, if any. */
  observe(targetId: string, confirmations: number, obs: Observation): IncidentEvent | null {
    const { state, event } = nextIncidentState(this.states.get(targetId) ?? INITIAL_STATE, targetId, confirmations, obs);
    this.states.set(targetId, state);
    return event;
  }

  /**
   * Seeds a target from an incident still open in the store (daemon restart), so the next
   * good streak resolves it instead of the tracker starting from `unknown`.
   */
  restoreOpen(targetId: string, incident: { openedAt: number; lastErrorKind: IncidentState['lastErrorKind']; lastDetail: string | null }): void {
    this.states.set(targetId, {
      ...INITIAL_STATE,
      phase: 'down',
      openedAt: incident.openedAt,
      lastErrorKind: incident.lastErrorKind,
      lastDetail: incident.lastDetail,
    });
  }

  phaseOf(targetId: string): IncidentState['phase'] {
    return this.states.get(targetId)?.phase ?? 'unknown';
  }

  /** A removed target: drop its state. */
  forget(targetId: string): void {
    this.states.delete(targetId);
  }
}
