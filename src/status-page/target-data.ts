/**
 * Store queries and mappings shared by the status pages (overview, target page, incident
 * history, badges): one definition of a target's state, uptime figures, bars and incidents.
 */
import { ERROR_EXPLANATION, isErrorKind } from '../domain/error-kind.js';
import { heartbeatRhythmText } from '../domain/heartbeat-check-spec.js';
import { redactText } from '../domain/redact.js';
import type { CheckResult } from '../domain/check-result.js';
import type { DaemonHandle, TargetView } from '../daemon/daemon-handle.js';
import { BUCKET_UNIT_MS, type BucketUnit, type Incident, type Store } from '../storage/store.js';
import { PAGE_UPTIME_WINDOWS, UPTIME_BUCKETS, type StatusIncident, type TargetState, type TargetSummary, type UptimeBucket, type UptimeFigures } from './status-model.js';

/** Uptime over 24 h, 7 d, 30 d and 90 d (maintenance left out by the store). */
export async function uptimeFigures(store: Store, targetId: string, nowMs: number): Promise<UptimeFigures> {
  const summaries = await Promise.all(PAGE_UPTIME_WINDOWS.map((w) => store.uptime(targetId, w, nowMs)));
  return Object.fromEntries(PAGE_UPTIME_WINDOWS.map((w, i) => [w, summaries[i]?.uptimePct ?? null])) as Record<(typeof PAGE_UPTIME_WINDOWS)[number], number | null>;
}

/** The last UPTIME_BUCKETS UTC days (or hours), the current one last; empty ones have no data. */
export async function barBuckets(store: Store, targetId: string, unit: BucketUnit, nowMs: number): Promise<UptimeBucket[]> {
  const unitMs = BUCKET_UNIT_MS[unit];
  const firstMs = Math.floor(nowMs / unitMs) * unitMs - (UPTIME_BUCKETS - 1) * unitMs;
  const stored = new Map((await store.statusBuckets(targetId, unit, firstMs, nowMs + 1)).map((b) => [b.startMs, b]));
  return Array.from({ length: UPTIME_BUCKETS }, (_, i) => {
    const startMs = firstMs + i * unitMs;
    const b = stored.get(startMs);
    if (b === undefined) return { startMs, upPct: null, checks: 0, maintenance: 0 };
    const checks = b.up + b.degraded + b.down + b.error;
    return { startMs, checks, maintenance: b.maintenance, upPct: checks === 0 ? null : ((b.up + b.degraded) / checks) * 100 };
  });
}

export function stateOf(t: Pick<TargetView, 'enabled'>, newest: CheckResult | null): TargetState {
  if (!t.enabled) return 'paused';
  return newest === null ? 'unknown' : newest.status;
}

/** The plain-language reason of a failed result, its detail redacted. */
function problemOf(result: CheckResult | null): string | null {
  if (result === null || result.errorKind === null) return null;
  const why = isErrorKind(result.errorKind) ? ERROR_EXPLANATION[result.errorKind] : result.errorKind;
  return result.detail === null ? why : `${why} (${redactText(result.detail)})`;
}

/** An incident as the pages show it: the target's name (not its id), the detail redacted. */
export function statusIncidentOf(i: Incident, names: ReadonlyMap<string, string>): StatusIncident {
  return {
    id: i.id,
    targetId: i.targetId,
    targetName: names.get(i.targetId) ?? i.targetId,
    hasTargetPage: names.has(i.targetId),
    startedAt: i.openedAt,
    endedAt: i.closedAt,
    errorKind: i.errorKind,
    detail: i.lastDetail === null ? null : redactText(i.lastDetail),
    openedWhileProbeDegraded: i.openedWhileProbeDegraded,
    regions: i.regions,
  };
}

/** A heartbeat target's rhythm in words (docs/heartbeat.md), never its token; null for a polled target. */
function rhythmOf(t: Pick<TargetView, 'spec'>): string | null {
  return t.spec.kind === 'heartbeat' ? heartbeatRhythmText(t.spec) : null;
}

/** Many nodes (docs/cluster.md): the regions with no live node now; none for one node alone. */
export function regionsWithoutLiveNode(handle: Pick<DaemonHandle, 'stats'>): readonly string[] {
  return handle.stats().cluster?.regionsWithoutLiveNode ?? [];
}

/** The fields the overview card and the target page share, from the target and its newest result. */
export function targetSummaryOf(t: TargetView, newest: CheckResult | null, uptime: UptimeFigures, inMaintenance: boolean): TargetSummary {
  return {
    id: t.id,
    name: t.name,
    kind: t.spec.kind,
    rhythm: rhythmOf(t),
    tags: t.tags,
    state: stateOf(t, newest),
    lastCheckedAt: newest?.startedAt ?? null,
    lastProblem: problemOf(newest),
    uptime,
    inMaintenance,
  };
}
