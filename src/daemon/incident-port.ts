/**
 * What the daemon needs from the incident state machine (src/incidents, owned by storage):
 * feed results in order, get IncidentEvents out, persist them. The composition root adapts
 * the real implementation to this port.
 */
import type { CheckResult } from '../domain/check-result.js';
import type { IncidentEvent } from '../incidents/incident-events.js';

export interface IncidentPort {
  /**
   * feeds one result of a target; returns the events it caused (usually none).
   * `probeDegraded`: the result was taken while the probe was saturated (domain/probe-load.ts).
   */
  observe(targetId: string, confirmations: number, result: CheckResult, probeDegraded: boolean): readonly IncidentEvent[];
  /** the target's check was re-defined: its streak starts afresh (an open incident stays open) */
  resetStreak(targetId: string): void;
  /** the target was removed: drops its state; returns the closing of its open incident, if any */
  remove(targetId: string, atMs: number): readonly IncidentEvent[];
  /** writes an event to the store (open/update/close the incident row) */
  record(event: IncidentEvent): Promise<void>;
  /** startup: incidents still open in the store resume as "down"; returns how many */
  restoreOpen(): Promise<number>;
}
