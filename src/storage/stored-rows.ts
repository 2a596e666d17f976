/**
 * The rows both stores keep, and how a row becomes the domain record again: one definition
 * for SQLite and Postgres. Where the two differ only in how a column comes back (SQLite: 0/1
 * and JSON text; Postgres: boolean, jsonb and text[]), the row type says both.
 */
import type { CheckResult } from '../domain/check-result.js';
import { errorFamilyOf } from '../domain/error-kind.js';
import type { ErrorKind, ErrorPhase } from '../domain/error-kind.js';
import { DEFAULT_QUORUM, parseIncidentRegions, type IncidentRegions, type Quorum } from '../domain/region.js';
import { StoreInputError, type Incident, type NewTarget, type ResultTiming, type StoredResult, type TargetRecord } from './store.js';
import { readStoredTls } from './stored-tls.js';
import { shownValue } from './target-validation.js';

/** A boolean column: SQLite gives 0/1, Postgres a boolean. */
type StoredFlag = number | boolean;

function flagOf(value: StoredFlag): boolean {
  return value === true || value === 1;
}

/** A JSON column: SQLite gives the text, Postgres (jsonb, text[]) the parsed value. */
function jsonOf<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

/** What turns the results table's interned keys back into text. */
export interface RowInterners {
  readonly targets: { valueOf(key: number): string };
  readonly endpoints: { valueOf(key: number): string };
  readonly tls: { valueOf(key: number): string };
}

/** The results table's columns (timings in integer microseconds). */
export interface ResultRow {
  id: number;
  target_key: number;
  started_at: number;
  due_at: number;
  status: CheckResult['status'];
  error_kind: string | null;
  error_phase: string | null;
  status_code: number | null;
  http_version: string | null;
  total_us: number;
  dns_us: number | null;
  connect_us: number | null;
  tls_us: number | null;
  ttfb_us: number | null;
  receive_us: number | null;
  response_bytes: number | null;
  connection_reused: StoredFlag;
  sched_lag_us: number;
  loop_delay_us: number;
  endpoint_key: number;
  tls_key: number | null;
  detail: string | null;
  in_maintenance: StoredFlag | null;
}

export function toUs(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 1000);
}

function fromUs(us: number | null): number | null {
  return us === null ? null : us / 1000;
}

/** A results row as either store returns it, back into the result that was stored. */
export function resultFromRow(row: ResultRow, interners: RowInterners): StoredResult {
  const endpoint = interners.endpoints.valueOf(row.endpoint_key);
  const space = endpoint.indexOf(' ');
  const errorKind = row.error_kind as ErrorKind | null;
  const result: CheckResult = {
    kind: endpoint.slice(0, space) as CheckResult['kind'],
    target: endpoint.slice(space + 1),
    startedAt: row.started_at,
    status: row.status,
    httpVersion: row.http_version as CheckResult['httpVersion'],
    statusCode: row.status_code,
    responseBytes: row.response_bytes,
    timings: {
      dnsMs: fromUs(row.dns_us),
      connectMs: fromUs(row.connect_us),
      tlsMs: fromUs(row.tls_us),
      ttfbMs: fromUs(row.ttfb_us),
      receiveMs: fromUs(row.receive_us),
      totalMs: row.total_us / 1000,
    },
    errorKind,
    errorFamily: errorKind === null ? null : errorFamilyOf(errorKind),
    errorPhase: row.error_phase as ErrorPhase | null,
    detail: row.detail,
    connectionReused: flagOf(row.connection_reused),
    tls: row.tls_key === null ? null : readStoredTls(interners.tls.valueOf(row.tls_key)),
  };
  const stored: StoredResult = {
    targetId: interners.targets.valueOf(row.target_key),
    result,
    dueAt: row.due_at,
    schedulingLagMs: row.sched_lag_us / 1000,
    loopDelayMs: row.loop_delay_us / 1000,
  };
  if (row.in_maintenance !== null && flagOf(row.in_maintenance)) stored.inMaintenance = true;
  return stored;
}

/** The columns `recentTimings` selects (both stores), in this order; read as arrays (`timingFromColumns`). */
export const TIMING_COLUMNS = 'started_at, dns_us, connect_us, tls_us, ttfb_us, receive_us, sched_lag_us, loop_delay_us';
type TimingColumns = readonly [number, number | null, number | null, number | null, number | null, number | null, number, number];

/** The most results per target `recentTimings` returns, and the most targets per call. */
const MAX_TIMINGS_PER_TARGET = 10_000;
const MAX_TIMING_TARGETS = 1000;

/** Checks `recentTimings` arguments the same way in both stores. */
export function checkTimingsQuery(targetIds: readonly string[], fromMs: number, toMs: number, perTarget: number): void {
  if (!Array.isArray(targetIds) || targetIds.length > MAX_TIMING_TARGETS || !targetIds.every((id) => typeof id === 'string')) {
    throw new StoreInputError('targetIds', `targetIds: expected at most ${MAX_TIMING_TARGETS} target ids, got ${Array.isArray(targetIds) ? `${targetIds.length} entries` : typeof targetIds}`);
  }
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs)) throw new StoreInputError('fromMs', `fromMs/toMs: expected integers (epoch ms), got ${String(fromMs)} and ${String(toMs)}`);
  if (!Number.isInteger(perTarget) || perTarget < 1 || perTarget > MAX_TIMINGS_PER_TARGET) {
    throw new StoreInputError('perTarget', `perTarget: expected an integer from 1 to ${MAX_TIMINGS_PER_TARGET}, got ${JSON.stringify(perTarget)}`);
  }
}

/** A row of TIMING_COLUMNS (an array, cheaper than an object) back into ms, the same conversion as resultFromRow. */
export function timingFromColumns(targetId: string, row: readonly unknown[]): ResultTiming {
  const [startedAt, dnsUs, connectUs, tlsUs, ttfbUs, receiveUs, lagUs, loopUs] = row as unknown as TimingColumns;
  return {
    targetId,
    startedAt,
    dnsMs: fromUs(dnsUs),
    connectMs: fromUs(connectUs),
    tlsMs: fromUs(tlsUs),
    ttfbMs: fromUs(ttfbUs),
    receiveMs: fromUs(receiveUs),
    schedulingLagMs: lagUs / 1000,
    loopDelayMs: loopUs / 1000,
  };
}

/** The timing part of a whole stored result (for callers that already hold the full rows). */
export function timingOf(stored: StoredResult): ResultTiming {
  const t = stored.result.timings;
  return {
    targetId: stored.targetId,
    startedAt: stored.result.startedAt,
    dnsMs: t.dnsMs,
    connectMs: t.connectMs,
    tlsMs: t.tlsMs,
    ttfbMs: t.ttfbMs,
    receiveMs: t.receiveMs,
    schedulingLagMs: stored.schedulingLagMs,
    loopDelayMs: stored.loopDelayMs,
  };
}

export interface IncidentRow {
  id: number;
  target_id: string;
  opened_at: number;
  closed_at: number | null;
  error_kind: string | null;
  last_error_kind: string | null;
  last_detail: string | null;
  failure_count: number;
  probe_degraded: StoredFlag;
  /** JSON of IncidentRegions (SQLite text, Postgres jsonb); NULL for one node alone and older rows */
  regions: IncidentRegions | string | null;
  updated_at: number;
}

export function incidentFromRow(r: IncidentRow): Incident {
  return {
    id: r.id,
    targetId: r.target_id,
    openedAt: r.opened_at,
    closedAt: r.closed_at,
    errorKind: r.error_kind as ErrorKind | null,
    lastErrorKind: r.last_error_kind as ErrorKind | null,
    lastDetail: r.last_detail,
    failureCount: r.failure_count,
    openedWhileProbeDegraded: flagOf(r.probe_degraded),
    regions: r.regions === null ? null : parseIncidentRegions(jsonOf(r.regions)),
    updatedAt: r.updated_at,
  };
}

export interface TargetRow {
  id: string;
  name: string;
  input: TargetRecord['input'] | string;
  interval_ms: number;
  tags: string[] | string;
  enabled: StoredFlag;
  confirmations: number;
  /** JSON list (SQLite text, Postgres text[]); NULL = every region with a live node */
  regions: string[] | string | null;
  quorum: Quorum;
  source: 'config' | 'api';
  created_at: number;
  updated_at: number;
}

export function targetFromRow(row: TargetRow): TargetRecord {
  return {
    id: row.id,
    name: row.name,
    input: jsonOf(row.input),
    intervalMs: row.interval_ms,
    tags: jsonOf(row.tags),
    enabled: flagOf(row.enabled),
    confirmations: row.confirmations,
    regions: row.regions === null ? null : jsonOf(row.regions),
    quorum: row.quorum,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Keeps only the record's own fields (callers may pass API objects with extras); regions and quorum left out take their defaults. */
export function cleanTarget(t: NewTarget): Omit<TargetRecord, 'createdAt' | 'updatedAt'> {
  return {
    id: t.id, name: t.name, input: t.input, intervalMs: t.intervalMs, tags: [...t.tags], enabled: t.enabled, confirmations: t.confirmations,
    regions: t.regions === undefined || t.regions === null ? null : [...t.regions], quorum: t.quorum ?? DEFAULT_QUORUM, source: t.source,
  };
}

/** Whether upserting `next` would leave `stored` as it is (apart from updatedAt). */
export function sameStoredTarget(stored: TargetRecord, next: NewTarget): boolean {
  const { createdAt: _c, updatedAt: _u, ...rest } = stored;
  return JSON.stringify(cleanTarget(rest)) === JSON.stringify(cleanTarget(next));
}

/**
 * An incident's regions as the column takes them: JSON text (SQLite; Postgres casts it to
 * jsonb), or NULL. Throws StoreInputError (field `regions`) for anything not IncidentRegions.
 */
export function regionsColumn(regions: IncidentRegions | null | undefined): string | null {
  if (regions === undefined || regions === null) return null;
  const checked = parseIncidentRegions(regions);
  if (checked === null) throw new StoreInputError('regions', `regions: expected {quorum, required, verdicts: {region: "down" | "up" | "no_live_node"}}, got ${shownValue(regions)}`);
  return JSON.stringify(checked);
}
