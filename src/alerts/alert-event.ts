import type { ErrorKind } from '../domain/error-kind.js';
import type { IncidentEvent } from '../incidents/incident-events.js';
import type { IncidentRegions } from '../domain/region.js';

/** The target fields an alert may show: no spec, so no credentials. */
export interface AlertTarget {
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
      /** many regions (docs/cluster.md): which regions saw what when the quorum opened it; null for one node alone */
      readonly regions: IncidentRegions | null;
    }
  | {
      readonly type: 'incident_resolved';
      readonly at: number;
      readonly target: AlertTarget;
      readonly durationMs: number | null;
      /** when the incident opened (its `incident_opened.at`): with the target id, the incident's key */
      readonly openedAt: number;
      /** recovered: the target's own good results; target_removed: deleted while down */
      readonly reason: 'recovered' | 'target_removed';
      /** many regions: which regions saw what when the quorum closed it; null for one node alone (and a removed target) */
      readonly regions: IncidentRegions | null;
    }
  | {
      /** repeat-notify: the incident is still open `openForMs` after it opened (channels with `repeatEvery`) */
      readonly type: 'incident_reminder';
      readonly at: number;
      readonly target: AlertTarget;
      readonly openedAt: number;
      readonly errorKind: ErrorKind | null;
      readonly detail: string | null;
      readonly openForMs: number;
      /** 1 for the first reminder */
      readonly repeat: number;
      /**
       * many regions: which regions saw what, from the incident's stored `regions` (its last
       * decision; then errorKind and detail are that decision's too); null for one node alone
       */
      readonly regions: IncidentRegions | null;
    }
  | {
      /**
       * A target's certificate chain crossed its warning threshold (certExpiryWarnDays): sent
       * once per crossing (src/daemon/cert-expiry-watch.ts), closed by `cert_resolved`; the critical level is `down` and
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
      /**
       * Closes a `cert_expiring` warning: the target is back at the ok level (a renewed chain,
       * or the threshold lowered or off), or was removed while warned. Passing through the
       * critical level keeps the warning open until ok (src/daemon/cert-expiry-watch.ts).
       */
      readonly type: 'cert_resolved';
      readonly at: number;
      readonly target: AlertTarget;
      /** the chain the warning was about: with the target id, the warning's key */
      readonly warnedChainExpiresAt: string;
      /** the chain seen now, ISO-8601; null when the target was removed */
      readonly chainExpiresAt: string | null;
      readonly daysLeft: number | null;
      readonly reason: 'ok' | 'target_removed';
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
    }
  | {
      /** `POST /api/v1/alerts/{name}/test`: proves a channel's configuration end to end */
      readonly type: 'test';
      readonly at: number;
      readonly channel: string;
    };

/**
 * The alert an incident event sends, or null when it sends none (updates of an open
 * incident are stored, not paged). The one place incident events become alerts.
 */
export function alertOfIncident(target: AlertTarget, event: IncidentEvent): AlertEvent | null {
  if (event.type === 'opened') {
    return { type: 'incident_opened', at: event.at, target, errorKind: event.errorKind, detail: event.detail, failureCount: event.failureCount, regions: event.regions ?? null };
  }
  if (event.type === 'resolved') {
    return { type: 'incident_resolved', at: event.at, target, durationMs: event.durationMs, openedAt: event.at - event.durationMs, reason: event.reason, regions: event.regions ?? null };
  }
  return null;
}

/**
 * The stable key of what an alert is about: one incident of one target (opened, reminders
 * and resolved share it), one certificate warning (expiring and resolved share it), one episode of probe degradation, or one test. Providers that
 * deduplicate (PagerDuty's dedup_key, Opsgenie's alias) get it, so a resolve closes exactly
 * the incident its trigger opened, and a retried trigger does not open a second one.
 */
export function alertKeyOf(event: AlertEvent): string {
  switch (event.type) {
    case 'incident_opened':
      return `vigil/${event.target.id}/${event.at}`;
    case 'incident_resolved':
    case 'incident_reminder':
      return `vigil/${event.target.id}/${event.openedAt}`;
    case 'cert_expiring':
      // one crossing of one chain: a renewed chain that crosses again is another key
      return `vigil/${event.target.id}/cert/${event.chainExpiresAt}`;
    case 'cert_resolved':
      return `vigil/${event.target.id}/cert/${event.warnedChainExpiresAt}`;
    case 'probe_degraded':
      return `vigil/probe/${event.at}`;
    case 'probe_recovered':
      return `vigil/probe/${event.at - event.degradedForMs}`;
    case 'test':
      return `vigil/test/${event.channel}/${event.at}`;
  }
}
