/**
 * What the status page shows, as plain data. `buildStatusModel` fills it from the daemon;
 * the renderers are pure functions of it (and are tested without a daemon).
 */
import { PART_PHASES, timingKey, type PartPhase, type TimingKey } from '../domain/check-result.js';
import type { ProbeLoadReason } from '../domain/probe-load.js';
import type { IncidentRegions } from '../domain/region.js';
import type { BucketUnit } from '../storage/store.js';

export type TargetState = 'up' | 'degraded' | 'down' | 'error' | 'unknown' | 'paused';

export interface UptimeBucket {
  /** epoch ms at the bucket start */
  readonly startMs: number;
  /** percent of good results in the bucket; null when there were no results */
  readonly upPct: number | null;
  /** results counted (maintenance left out) */
  readonly checks: number;
  /** results taken inside a maintenance window (not in upPct) */
  readonly maintenance: number;
}

/** One point of the latency chart: phase durations in ms (null = the phase did not happen). */
export interface LatencyPoint {
  readonly atMs: number;
  readonly dnsMs: number | null;
  readonly connectMs: number | null;
  readonly tlsMs: number | null;
  readonly ttfbMs: number | null;
  readonly receiveMs: number | null;
}

/** What the overview card and the target page both say of a target (target-data.ts fills it). */
export interface TargetSummary {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  /** a heartbeat's rhythm (`push every 1d, grace 2h`; it has no latency); null for a polled target */
  readonly rhythm: string | null;
  readonly tags: readonly string[];
  readonly state: TargetState;
  readonly lastCheckedAt: number | null;
  /** plain-language reason of the last failure (no secrets: the executor strips credentials) */
  readonly lastProblem: string | null;
  /** uptime per window, maintenance left out; null = no results in the window */
  readonly uptime: UptimeFigures;
  /** a maintenance window covers the target now */
  readonly inMaintenance: boolean;
}

export interface StatusTarget extends TargetSummary {
  readonly buckets: readonly UptimeBucket[];
  readonly latency: readonly LatencyPoint[];
  /** why the newest result counts as taken while the probe was degraded (empty: it does not) */
  readonly lastProbeDegraded: readonly ProbeLoadReason[];
  /** results of the last 6 h taken while the probe was degraded, of `recentResults` */
  readonly probeDegradedResults: number;
  readonly recentResults: number;
}

/** The windows the page states uptime for. */
export const PAGE_UPTIME_WINDOWS = ['24h', '7d', '30d', '90d'] as const;
type PageUptimeWindow = (typeof PAGE_UPTIME_WINDOWS)[number];
export type UptimeFigures = Readonly<Record<PageUptimeWindow, number | null>>;

export interface StatusIncident {
  readonly id: number;
  readonly targetId: string;
  readonly targetName: string;
  /** the target still exists (a deleted target's incidents stay, without a page to link to) */
  readonly hasTargetPage: boolean;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly errorKind: string | null;
  readonly detail: string | null;
  /** opened only by results taken while the probe was degraded: the probe may be the cause */
  readonly openedWhileProbeDegraded: boolean;
  /** many nodes: which regions saw what when it was last decided (the incident's `regions` column); null otherwise */
  readonly regions: IncidentRegions | null;
}

/** One occurrence of a maintenance window, as the page shows it. */
export interface StatusMaintenance {
  readonly title: string;
  readonly startMs: number;
  readonly endMs: number;
  /** "all targets", or the target names and tags it covers */
  readonly scope: string;
}

export interface StatusModel {
  readonly title: string;
  readonly generatedAt: number;
  readonly bucketUnit: BucketUnit;
  readonly targets: readonly StatusTarget[];
  readonly incidents: readonly StatusIncident[];
  /** targets not shown (the page lists failing targets first, up to a cap) */
  readonly hiddenTargets: number;
  /** windows open now (the banner) and the next ones to open (within 14 days) */
  readonly maintenanceNow: readonly StatusMaintenance[];
  readonly maintenanceUpcoming: readonly StatusMaintenance[];
  /** many nodes (docs/cluster.md): regions with no live node now; empty for one node alone */
  readonly regionsWithoutLiveNode: readonly string[];
}

export const UPTIME_BUCKETS = 90;
/** The chart's stacked phases, in request order: the parts of a check's time (domain PART_PHASES). */
export const PHASES = Object.freeze(PART_PHASES.map(timingKey));
export type PhaseKey = TimingKey<PartPhase>;
