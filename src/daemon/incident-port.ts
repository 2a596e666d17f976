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
  /**
   * writes an event to the store (open/update/close the incident row); returns the event to
   * alert: the event itself when this write made the transition, null when the store already
   * had it (another node opened or closed it). With regions (docs/cluster.md) the event is a
   * region's verdict and what returns is the incident's transition, if the quorum changed.
   */
  record(event: IncidentEvent): Promise<IncidentEvent | null>;
  /** many regions: decide the target's incident again (a region came or went); the event to alert */
  reevaluate?(targetId: string): Promise<IncidentEvent | null>;
  /** startup: incidents still open in the store resume as "down" (with regions: this region's verdicts) */
  restoreOpen(): Promise<void>;
  /**
   * a cluster node took these targets over: their states are re-read from the store (open
   * incident → down, else unknown), never carried over from an earlier ownership
   */
  resync(targetIds: ReadonlySet<string>): Promise<void>;
}
