import type { ErrorKind } from '../domain/error-kind.js';
import type { IncidentRegions } from '../domain/region.js';

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
      /** every one of those was taken while the probe was degraded: the probe may be the cause */
      probeDegraded: boolean;
      /** many regions (docs/cluster.md): which regions saw what when the quorum opened it; absent for one node alone */
      regions?: IncidentRegions;
    }
  | {
      /** emitted while down when the error kind changes (not for every new detail text) */
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
      /** resolved.at − opened.at */
      durationMs: number;
      /** bad results since the previous event (not yet counted on the incident) */
      failuresAdded: number;
      /** the last bad result's error kind and detail (detail changes emit no event) */
      lastErrorKind: ErrorKind | null;
      lastDetail: string | null;
      /** recovered: good results; target_removed: the target was deleted while down */
      reason: ResolveReason;
      /** many regions: which regions saw what when the quorum closed it; absent for one node alone */
      regions?: IncidentRegions;
    };

type ResolveReason = 'recovered' | 'target_removed';

