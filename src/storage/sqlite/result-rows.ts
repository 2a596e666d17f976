import type { StoredResult } from '../store.js';
import { toUs } from '../stored-rows.js';
import type { Interner } from './interner.js';

export interface Interners {
  targets: Interner;
  endpoints: Interner;
  tls: Interner;
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

