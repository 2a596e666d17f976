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

  /**
   * A target whose check changed: its streak starts afresh, but an open incident stays open
   * (the new check's results decide it; forgetting it would open a second one for one
   * stored incident and date its resolution wrong).
   */
  resetStreak(targetId: string): void {
    const state = this.states.get(targetId);
    if (state === undefined) return;
    if (state.phase !== 'down') this.states.delete(targetId);
    else this.states.set(targetId, { ...state, streak: 0, streakStartAt: null, unreportedFailures: state.unreportedFailures });
  }

  /** Drops a target's state without an event (a cluster node re-reads it from the store on takeover). */
  forget(targetId: string): void {
    this.states.delete(targetId);
  }

  /** A removed target: drops its state; returns the resolution of its open incident, if any. */
  remove(targetId: string, atMs: number): IncidentEvent | null {
    const state = this.states.get(targetId);
    this.states.delete(targetId);
    if (state === undefined || state.phase !== 'down') return null;
    const openedAt = state.openedAt ?? atMs;
    return {
      type: 'resolved', targetId, at: atMs, durationMs: Math.max(0, atMs - openedAt), failuresAdded: state.unreportedFailures,
      lastErrorKind: state.lastErrorKind, lastDetail: state.lastDetail, reason: 'target_removed',
    };
  }
}
