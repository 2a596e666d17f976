import { PART_PHASES, timingKey, type CheckResult } from '../domain/check-result.js';
import type { DaemonHandle, TargetView } from '../daemon/daemon-handle.js';
import type { BucketUnit, HourlyRollup, StoredResult } from '../storage/store.js';
import { timingOf } from '../storage/stored-rows.js';
import { latencySeries } from './build-status-model.js';
import type { LatestResults } from './latest-results.js';
import type { LatencyPoint, StatusIncident, StatusMaintenance, TargetSummary, UptimeBucket } from './status-model.js';
import { barBuckets, regionsWithoutLiveNode, statusIncidentOf, targetSummaryOf, uptimeFigures } from './target-data.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The latency chart's windows: the short ones from raw results (hourly means when a window
 * holds more checks than RAW_CHART_LIMIT), the long ones from hourly rollups.
 */
export const CHART_WINDOWS = Object.freeze({
  '1h': { ms: HOUR_MS, groupHours: 0 },
  '6h': { ms: 6 * HOUR_MS, groupHours: 0 },
  '24h': { ms: DAY_MS, groupHours: 0 },
  '7d': { ms: 7 * DAY_MS, groupHours: 1 },
  '30d': { ms: 30 * DAY_MS, groupHours: 4 },
  '90d': { ms: 90 * DAY_MS, groupHours: 12 },
});
export type ChartWindow = keyof typeof CHART_WINDOWS;
export const DEFAULT_CHART_WINDOW: ChartWindow = '24h';

/** raw results read for a short window (newest first): the chart covers the newest of them */
const RAW_CHART_LIMIT = 3000;
const INCIDENTS_SHOWN = 20;
const UPCOMING_MAINTENANCE_MS = 14 * DAY_MS;

export interface CertificateView {
  /** the earliest expiry in the chain (ISO-8601) and whole days until then */
  readonly expiresAt: string;
  readonly daysLeft: number;
  /** at or below the target's warning threshold */
  readonly isExpiringSoon: boolean;
  /** when the certificate was last seen (the result's start) */
  readonly seenAt: number;
}

export interface TargetPageModel extends TargetSummary {
  readonly generatedAt: number;
  readonly bucketUnit: BucketUnit;
  readonly buckets: readonly UptimeBucket[];
  readonly chartWindow: ChartWindow;
  /** phase means per point: one result (short windows) or the mean of 1–12 hours (long ones) */
  readonly chart: readonly LatencyPoint[];
  readonly chartSource: 'results' | 'hourly';
  /** hours per point when the source is hourly */
  readonly chartGroupHours: number;
  readonly certificate: CertificateView | null;
  readonly incidents: readonly StatusIncident[];
  readonly maintenanceUpcoming: readonly StatusMaintenance[];
  /** many nodes: regions with no live node now (empty for one node alone) */
  readonly regionsWithoutLiveNode: readonly string[];
}

interface TargetPageOptions {
  readonly nowMs: number;
  readonly unit: BucketUnit;
  readonly chartWindow: ChartWindow;
}

/** Everything a target's own page shows; the caller has checked that the target exists. */
export async function buildTargetModel(handle: DaemonHandle, latest: LatestResults, t: TargetView, options: TargetPageOptions): Promise<TargetPageModel> {
  const { nowMs } = options;
  const { store } = handle;
  const [newestStored, uptime, buckets, chart, incidents] = await Promise.all([
    store.queryResults({ targetId: t.id, fromMs: nowMs - 7 * DAY_MS, toMs: nowMs + 1, limit: 1 }),
    uptimeFigures(store, t.id, nowMs),
    barBuckets(store, t.id, options.unit, nowMs),
    chartPoints(handle, t.id, options.chartWindow, nowMs),
    store.listIncidents({ targetId: t.id, state: 'all', limit: INCIDENTS_SHOWN }),
  ]);
  const newest: CheckResult | null = latest.get(t.id)?.result ?? newestStored.items[0]?.result ?? null;
  const windows = handle.maintenance.current();
  const names = new Map([[t.id, t.name]]);
  const upcoming = windows
    .windows()
    .filter((w) => windows.covers(w.id, t))
    .flatMap((w) => windows.upcomingOf(w.id, nowMs + 1, nowMs + UPCOMING_MAINTENANCE_MS, 3).map((o) => ({ title: w.title, startMs: o.startMs, endMs: o.endMs, scope: t.name })))
    .filter((m) => m.startMs > nowMs)
    .sort((a, b) => a.startMs - b.startMs)
    .slice(0, 5);
  return {
    generatedAt: nowMs,
    ...targetSummaryOf(t, newest, uptime, windows.openFor(t, nowMs) !== null),
    bucketUnit: options.unit,
    buckets,
    chartWindow: options.chartWindow,
    chart: chart.points,
    chartSource: chart.source,
    chartGroupHours: chart.groupHours,
    certificate: certificateOf(t, newest),
    incidents: incidents.items.map((i) => statusIncidentOf(i, names)),
    maintenanceUpcoming: upcoming,
    regionsWithoutLiveNode: regionsWithoutLiveNode(handle),
  };
}

function certificateOf(t: TargetView, newest: CheckResult | null): CertificateView | null {
  const tls = newest?.tls;
  if (newest === null || tls === null || tls === undefined) return null;
  const expiresAt = tls.chainExpiresAt ?? tls.certExpiresAt;
  const daysLeft = tls.chainDaysRemaining ?? tls.daysRemaining;
  if (expiresAt === null || daysLeft === null) return null;
  const warnDays = 'certExpiryWarnDays' in t.spec && typeof t.spec.certExpiryWarnDays === 'number' ? t.spec.certExpiryWarnDays : 0;
  return { expiresAt, daysLeft, isExpiringSoon: daysLeft <= warnDays, seenAt: newest.startedAt };
}

async function chartPoints(handle: DaemonHandle, targetId: string, window: ChartWindow, nowMs: number): Promise<{ points: LatencyPoint[]; source: 'results' | 'hourly'; groupHours: number }> {
  const { ms } = CHART_WINDOWS[window];
  let { groupHours } = CHART_WINDOWS[window];
  const fromMs = nowMs - ms;
  if (groupHours === 0) {
    const raw = await newestResults(handle, targetId, fromMs, nowMs, RAW_CHART_LIMIT + 1);
    // more checks than we sample from would leave the window's start out: hourly means instead
    if (raw.length <= RAW_CHART_LIMIT) return { points: latencySeries(raw.map(timingOf)), source: 'results', groupHours: 0 };
    groupHours = 1;
  }
  const rollups = await handle.store.listRollups(targetId, fromMs, nowMs + 1);
  // the hours not rolled up yet (the current one, and the last one within the rollup grace)
  const tailFromMs = rollups.length === 0 ? fromMs : (rollups[rollups.length - 1]?.hourStartMs ?? fromMs) + HOUR_MS;
  const tail = await newestResults(handle, targetId, tailFromMs, nowMs, 1000);
  return { points: groupedMeans(rollups, tail, groupHours * HOUR_MS), source: 'hourly', groupHours };
}

async function newestResults(handle: DaemonHandle, targetId: string, fromMs: number, nowMs: number, max: number): Promise<StoredResult[]> {
  const out: StoredResult[] = [];
  let cursor: string | null = null;
  while (out.length < max) {
    const page = await handle.store.queryResults({ targetId, fromMs, toMs: nowMs + 1, limit: Math.min(1000, max - out.length), cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  return out;
}

interface PhaseSums { count: number; sumMs: number }

/** Mean of each phase per group of hours: over the checks that reached the phase (a refused connect has no ttfb). */
function groupedMeans(rollups: readonly HourlyRollup[], tail: readonly StoredResult[], groupMs: number): LatencyPoint[] {
  const groups = new Map<number, PhaseSums[]>();
  const sumsOf = (atMs: number): PhaseSums[] => {
    const start = Math.floor(atMs / groupMs) * groupMs;
    let sums = groups.get(start);
    if (sums === undefined) {
      sums = PART_PHASES.map(() => ({ count: 0, sumMs: 0 }));
      groups.set(start, sums);
    }
    return sums;
  };
  for (const r of rollups) {
    const sums = sumsOf(r.hourStartMs);
    PART_PHASES.forEach((p, i) => {
      const s = sums[i] as PhaseSums;
      s.count += r.phases[p].count;
      s.sumMs += r.phases[p].sumMs;
    });
  }
  for (const item of tail) {
    const sums = sumsOf(item.result.startedAt);
    PART_PHASES.forEach((p, i) => {
      const v = item.result.timings[timingKey(p)];
      if (v === null) return;
      const s = sums[i] as PhaseSums;
      s.count += 1;
      s.sumMs += v;
    });
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .filter(([, sums]) => sums.some((s) => s.count > 0))
    .map(([atMs, sums]) => {
      const mean = (i: number): number | null => {
        const s = sums[i] as PhaseSums;
        return s.count === 0 ? null : s.sumMs / s.count;
      };
      return { atMs, dnsMs: mean(0), connectMs: mean(1), tlsMs: mean(2), ttfbMs: mean(3), receiveMs: mean(4) };
    });
}
