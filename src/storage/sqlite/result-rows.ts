import type { CheckResult } from '../../domain/check-result.js';
import { readStoredTls } from '../stored-tls.js';
import { errorFamilyOf } from '../../domain/error-kind.js';
import type { ErrorKind, ErrorPhase } from '../../domain/error-kind.js';
import type { StoredResult } from '../store.js';
import type { Interner } from './interner.js';

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
  connection_reused: number;
  sched_lag_us: number;
  loop_delay_us: number;
  endpoint_key: number;
  tls_key: number | null;
  detail: string | null;
  in_maintenance: number | null;
}

export interface Interners {
  targets: Interner;
  endpoints: Interner;
  tls: Interner;
}

export function toUs(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 1000);
}

export function fromUs(us: number | null): number | null {
  return us === null ? null : us / 1000;
}

export const INSERT_COLUMNS = [
  'target_key', 'started_at', 'due_at', 'status', 'error_kind', 'error_phase', 'status_code', 'http_version',
  'total_us', 'dns_us', 'connect_us', 'tls_us', 'ttfb_us', 'receive_us', 'response_bytes', 'connection_reused',
  'sched_lag_us', 'loop_delay_us', 'endpoint_key', 'tls_key', 'detail', 'in_maintenance',
] as const;

/** Positional parameters in INSERT_COLUMNS order (positional binding is the fastest). */
export function toInsertParams(item: StoredResult, interners: Interners): unknown[] {
  const r = item.result;
  const t = r.timings;
  return [
    interners.targets.keyOf(item.targetId),
    r.startedAt,
    item.dueAt,
    r.status,
    r.errorKind,
    r.errorPhase,
    r.statusCode,
    r.httpVersion,
    toUs(t.totalMs),
    toUs(t.dnsMs),
    toUs(t.connectMs),
    toUs(t.tlsMs),
    toUs(t.ttfbMs),
    toUs(t.receiveMs),
    r.responseBytes,
    r.connectionReused ? 1 : 0,
    toUs(item.schedulingLagMs),
    toUs(item.loopDelayMs),
    interners.endpoints.keyOf(`${r.kind} ${r.target}`),
    r.tls === null ? null : interners.tls.keyOf(JSON.stringify(r.tls)),
    r.detail,
    item.inMaintenance === true ? 1 : null,
  ];
}

export function fromRow(row: ResultRow, interners: Interners): StoredResult {
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
    connectionReused: row.connection_reused === 1,
    tls: row.tls_key === null ? null : readStoredTls(interners.tls.valueOf(row.tls_key)),
  };
  const stored: StoredResult = {
    targetId: interners.targets.valueOf(row.target_key),
    result,
    dueAt: row.due_at,
    schedulingLagMs: row.sched_lag_us / 1000,
    loopDelayMs: row.loop_delay_us / 1000,
  };
  if (row.in_maintenance === 1) stored.inMaintenance = true;
  return stored;
}

