import type { ErrorKind } from '../domain/error-kind.js';
import type { IncidentEvent } from '../incidents/incident-events.js';

/** The target fields an alert may show: no spec, so no credentials. */
interface AlertTarget {
  readonly id: string;
  readonly name: string;
  readonly tags: readonly string[];
}

/** Everything the daemon can notify about. Plain data; payload formats are pure functions of it. */
export type AlertEvent =
  | {
      readonly type: 'incident_opened';
      readonly at: number;
      readonly target: AlertTarget;
      readonly errorKind: ErrorKind | null;
      readonly detail: string | null;
      readonly failureCount: number;
    }
  | {
      readonly type: 'incident_resolved';
      readonly at: number;
      readonly target: AlertTarget;
      readonly durationMs: number | null;
      /** recovered: the target's own good results; target_removed: deleted while down */
      readonly reason: 'recovered' | 'target_removed';
    }
  | {
      /**
       * A target's certificate chain crossed its warning threshold (certExpiryWarnDays): sent
       * once per crossing (src/daemon/cert-expiry-watch.ts); the critical level is `down` and
       * opens an incident like any other failure.
       */
      readonly type: 'cert_expiring';
      readonly at: number;
      readonly target: AlertTarget;
      /** the chain's earliest notAfter, ISO-8601 */
      readonly chainExpiresAt: string;
      readonly daysLeft: number;
      readonly warnDays: number;
    }
  | {
      /** many unrelated hosts failed with transport errors at once: the probe is suspect */
      readonly type: 'probe_degraded';
      readonly at: number;
      readonly failingHosts: number;
      readonly checkedHosts: number;
      /** up to 10 failing hosts, for the human reading the alert */
      readonly sampleHosts: readonly string[];
      readonly eventLoopDelayMs: number;
    }
  | {
      readonly type: 'probe_recovered';
      readonly at: number;
      readonly degradedForMs: number;
      /** incident notifications held back while degraded */
      readonly suppressedAlerts: number;
    };

/**
 * The alert an incident event sends, or null when it sends none (updates of an open
 * incident are stored, not paged). The one place incident events become alerts.
 */
export function alertOfIncident(target: AlertTarget, event: IncidentEvent): AlertEvent | null {
  if (event.type === 'opened') {
    return { type: 'incident_opened', at: event.at, target, errorKind: event.errorKind, detail: event.detail, failureCount: event.failureCount };
  }
  if (event.type === 'resolved') return { type: 'incident_resolved', at: event.at, target, durationMs: event.durationMs, reason: event.reason };
  return null;
}
