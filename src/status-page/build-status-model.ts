import { probeLoadReasons } from '../domain/probe-load.js';
import type { CheckResult } from '../domain/check-result.js';
import type { DaemonHandle, TargetView } from '../daemon/daemon-handle.js';
import type { BucketUnit, ResultTiming } from '../storage/store.js';
import type { LatestResults } from './latest-results.js';
import type { MaintenanceWindow } from '../maintenance-windows/maintenance-window.js';
import type { MaintenanceWindowSet } from '../maintenance-windows/window-set.js';
import type { WindowOccurrence } from '../maintenance-windows/window-schedule.js';
import type { StatusMaintenance, LatencyPoint, StatusModel, StatusTarget } from './status-model.js';
import { barBuckets, regionsWithoutLiveNode, statusIncidentOf, targetSummaryOf, uptimeFigures } from './target-data.js';

const HOUR_MS = 3_600_000;
/** raw results fetched per target: the chart window and the not-yet-rolled-up hours */
const RAW_WINDOW_MS = 6 * HOUR_MS;
/** at most this many of them per target (the newest) */
const RAW_MAX_RESULTS = 3000;
const CHART_POINTS = 120;
/** the page shows at most this many targets, failing ones first (a fleet of 100k would not fit) */
const STATUS_PAGE_MAX_TARGETS = 60;
const INCIDENTS_SHOWN = 20;
const UPCOMING_MAINTENANCE_MS = 14 * 86_400_000;
const UPCOMING_MAINTENANCE_SHOWN = 5;

export interface StatusModelOptions {
  readonly title: string;
  readonly nowMs: number;
  /** daily bars (the default) or hourly ones */
  readonly unit: BucketUnit;
}

/** Gathers the status page data: daily or hourly uptime bars, a latency series, recent incidents. */
export async function buildStatusModel(handle: DaemonHandle, latest: LatestResults, options: StatusModelOptions): Promise<StatusModel> {
  const all = handle.listTargets();
  const ranked = [...all].sort((a, b) => rank(a, latest) - rank(b, latest) || a.name.localeCompare(b.name));
  const shown = ranked.slice(0, STATUS_PAGE_MAX_TARGETS);
  const windows = handle.maintenance.current();
  // the latency series of every shown target in one store call (timing columns only)
  const timings = await handle.store.recentTimings(shown.map((t) => t.id), options.nowMs - RAW_WINDOW_MS, options.nowMs + 1, RAW_MAX_RESULTS);
  const byTarget = new Map<string, ResultTiming[]>();
  for (const row of timings) {
    const list = byTarget.get(row.targetId);
    if (list === undefined) byTarget.set(row.targetId, [row]);
    else list.push(row);
  }
  const targets = await Promise.all(shown.map((t) => buildTarget(handle, latest, t, byTarget.get(t.id) ?? [], options, windows)));
  const names = new Map(all.map((t) => [t.id, t.name]));
  const page = await handle.store.listIncidents({ state: 'all', limit: INCIDENTS_SHOWN });
  const incidents = page.items.map((i) => statusIncidentOf(i, names));
  const toStatus = ({ window, occurrence }: { window: MaintenanceWindow; occurrence: WindowOccurrence }): StatusMaintenance => ({
    title: window.title,
    startMs: occurrence.startMs,
    endMs: occurrence.endMs,
    scope: scopeText(window, names),
  });
  return {
    title: options.title,
    generatedAt: options.nowMs,
    bucketUnit: options.unit,
    targets,
    incidents,
    hiddenTargets: all.length - shown.length,
    maintenanceNow: windows.openAt(options.nowMs).map(toStatus),
    maintenanceUpcoming: windows.upcoming(options.nowMs + 1, options.nowMs + UPCOMING_MAINTENANCE_MS, UPCOMING_MAINTENANCE_SHOWN).map(toStatus),
    regionsWithoutLiveNode: regionsWithoutLiveNode(handle),
  };
}

/** What a window covers, in the words of the page: target names (not ids) and tags. */
function scopeText(window: MaintenanceWindow, names: ReadonlyMap<string, string>): string {
  if (window.scope.global) return 'all targets';
  const parts: string[] = [];
  if (window.scope.targets.length > 0) parts.push(window.scope.targets.map((id) => names.get(id) ?? id).join(', '));
  if (window.scope.tags.length > 0) parts.push(`tagged ${window.scope.tags.join(', ')}`);
  return parts.join('; ');
}

function rank(t: TargetView, latest: LatestResults): number {
  const status = latest.get(t.id)?.result.status;
  return status === 'down' || status === 'error' ? 0 : status === 'degraded' ? 1 : 2;
}

async function buildTarget(
  handle: DaemonHandle,
  latest: LatestResults,
  t: TargetView,
  raw: readonly ResultTiming[],
  options: StatusModelOptions,
  windows: MaintenanceWindowSet,
): Promise<StatusTarget> {
  const { nowMs } = options;
  const live = latest.get(t.id);
  const [newestStored, buckets, uptime] = await Promise.all([
    // the newest stored result in the window, whole, only when no live one is known (after a restart)
    live === undefined && raw.length > 0 ? newestResult(handle, t.id, nowMs) : null,
    barBuckets(handle.store, t.id, options.unit, nowMs),
    uptimeFigures(handle.store, t.id, nowMs),
  ]);
  const newest = live?.result ?? newestStored;
  const newestLoad = live !== undefined ? probeLoadReasons(live.schedulingLagMs, live.eventLoopDelayMs) : raw[0] === undefined ? [] : probeLoadReasons(raw[0].schedulingLagMs, raw[0].loopDelayMs);
  return {
    ...targetSummaryOf(t, newest, uptime, windows.openFor(t, nowMs) !== null),
    buckets,
    latency: latencySeries(raw),
    lastProbeDegraded: newestLoad,
    probeDegradedResults: raw.filter((r) => probeLoadReasons(r.schedulingLagMs, r.loopDelayMs).length > 0).length,
    recentResults: raw.length,
  };
}

async function newestResult(handle: DaemonHandle, targetId: string, nowMs: number): Promise<CheckResult | null> {
  const page = await handle.store.queryResults({ targetId, fromMs: nowMs - RAW_WINDOW_MS, toMs: nowMs + 1, limit: 1 });
  return page.items[0]?.result ?? null;
}

/** At most CHART_POINTS evenly spaced results, oldest first, successful exchanges only. */
export function latencySeries(raw: readonly ResultTiming[]): LatencyPoint[] {
  const usable = raw.filter((r) => r.ttfbMs !== null || r.connectMs !== null).reverse();
  const step = Math.max(1, usable.length / CHART_POINTS);
  const out: LatencyPoint[] = [];
  for (let i = 0; i < usable.length && out.length < CHART_POINTS; i = Math.floor((out.length + 1) * step)) {
    const r = usable[i];
    if (r === undefined) break;
    out.push({ atMs: r.startedAt, dnsMs: r.dnsMs, connectMs: r.connectMs, tlsMs: r.tlsMs, ttfbMs: r.ttfbMs, receiveMs: r.receiveMs });
  }
  return out;
}
