import type { ErrorKind } from '../domain/error-kind.js';

/**
 * What the incident state machine emits. The composition root writes these to the store
 * (see `recordIncidentEvent`) and hands them to alerting.
 */
export type IncidentEvent =
  | {
      type: 'opened';
      targetId: string;
      /** startedAt of the first bad result in the confirming streak */
      at: number;
      errorKind: ErrorKind | null;
      detail: string | null;
      /** bad results that confirmed it */
      failureCount: number;
    }
  | {
      /** emitted while down when the error kind or detail changes */
      type: 'updated';
      targetId: string;
      at: number;
      errorKind: ErrorKind | null;
      detail: string | null;
      /** bad results since the previous event */
      failuresAdded: number;
    }
  | {
      type: 'resolved';
      targetId: string;
      /** startedAt of the first good result in the confirming streak */
      at: number;
      /** resolved.at − opened.at (null when the open predates this process) */
      durationMs: number | null;
    };

export type IncidentEventType = IncidentEvent['type'];
