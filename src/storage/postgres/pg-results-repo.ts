import type pg from 'pg';
import type { CheckResult } from '../../domain/check-result.js';
import type { ResultPage, ResultQuery, ResultTiming, StoredResult } from '../store.js';
import { decodeCursor, encodeCursor, pageLimit } from '../sqlite/results-repo.js';
import { checkTimingsQuery, resultFromRow, TIMING_COLUMNS, timingFromColumns, toUs, type ResultRow } from '../stored-rows.js';
import { sqlState } from './pg-connection.js';
import type { PgInterner } from './pg-interner.js';
import { NO_PARTITION_STATE, type ResultPartitions } from './pg-partitions.js';

export interface PgInterners {
  targets: PgInterner;
  endpoints: PgInterner;
  tls: PgInterner;
}


/** Column, its array type for unnest, and how a StoredResult fills it. */
const COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['target_key', 'int4'], ['started_at', 'int8'], ['due_at', 'int8'], ['status', 'text'], ['error_kind', 'text'],
  ['error_phase', 'text'], ['status_code', 'int2'], ['http_version', 'text'], ['total_us', 'int8'], ['dns_us', 'int8'],
  ['connect_us', 'int8'], ['tls_us', 'int8'], ['ttfb_us', 'int8'], ['receive_us', 'int8'], ['response_bytes', 'int8'],
  ['connection_reused', 'bool'], ['sched_lag_us', 'int8'], ['loop_delay_us', 'int8'], ['endpoint_key', 'int4'],
  ['tls_key', 'int4'], ['detail', 'text'], ['in_maintenance', 'bool'],
];

/**
 * One INSERT … SELECT FROM unnest($1::int4[], $2::int8[], …) per batch: 21 array
 * parameters whatever the batch size, one statement (so all rows or none), one plan.
 */
const INSERT_SQL = `INSERT INTO results (${COLUMNS.map((c) => c[0]).join(', ')})
  SELECT * FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`;

/**
 * `recentTimings` in one statement: per known target one index range (results_by_target_time,
 * newest first, LIMIT per target) through a lateral join; the target ids come back as text.
 */
const TIMINGS_SQL = `SELECT tk.value, r.${TIMING_COLUMNS.split(', ').join(', r.')} FROM target_keys tk CROSS JOIN LATERAL (
    SELECT id, ${TIMING_COLUMNS} FROM results WHERE target_key = tk.key AND started_at >= $2 AND started_at < $3
    ORDER BY started_at DESC, id DESC LIMIT $4) r
  WHERE tk.value = ANY($1::text[])
  ORDER BY tk.value, r.started_at DESC, r.id DESC`;

const endpointOf = (r: CheckResult): string => `${r.kind} ${r.target}`;

export class PgResultsRepo {
  constructor(
    private readonly pool: pg.Pool,
    private readonly interners: PgInterners,
    private readonly partitions: ResultPartitions,
  ) {}

  async insert(batch: readonly StoredResult[]): Promise<void> {
    if (batch.length === 0) return;
    const { targets, endpoints, tls } = this.interners;
    await targets.ensure(batch.map((b) => b.targetId));
    await endpoints.ensure(batch.map((b) => endpointOf(b.result)));
    await tls.ensure(batch.flatMap((b) => (b.result.tls === null ? [] : [JSON.stringify(b.result.tls)])));
    const columns: unknown[][] = COLUMNS.map(() => new Array<unknown>(batch.length));
    batch.forEach((item, i) => {
      const r = item.result;
      const t = r.timings;
      const row = [
        targets.keyOf(item.targetId), r.startedAt, item.dueAt, r.status, r.errorKind, r.errorPhase, r.statusCode, r.httpVersion,
        toUs(t.totalMs), toUs(t.dnsMs), toUs(t.connectMs), toUs(t.tlsMs), toUs(t.ttfbMs), toUs(t.receiveMs), r.responseBytes,
        r.connectionReused, toUs(item.schedulingLagMs), toUs(item.loopDelayMs), endpoints.keyOf(endpointOf(r)),
        r.tls === null ? null : tls.keyOf(JSON.stringify(r.tls)), r.detail, item.inMaintenance === true ? true : null,
      ];
      for (let c = 0; c < row.length; c += 1) (columns[c] as unknown[])[i] = row[c];
    });
    await this.partitions.ensureFor(batch.map((b) => b.result.startedAt));
    try {
      await this.pool.query(INSERT_SQL, columns);
    } catch (err) {
      if (sqlState(err) !== NO_PARTITION_STATE) throw err;
      // another node's retention dropped a partition this node believed in
      this.partitions.forget();
      await this.partitions.ensureFor(batch.map((b) => b.result.startedAt));
      await this.pool.query(INSERT_SQL, columns);
    }
  }

  async query(q: ResultQuery): Promise<ResultPage> {
    const limit = pageLimit(q.limit);
    const key = await this.interners.targets.find(q.targetId);
    if (key === null) return { items: [], nextCursor: null };
    const base = 'SELECT * FROM results WHERE target_key = $1 AND started_at >= $2 AND started_at < $3';
    const order = 'ORDER BY started_at DESC, id DESC';
    let rows: ResultRow[];
    if (q.cursor === undefined || q.cursor === null) {
      rows = (await this.pool.query<ResultRow>(`${base} ${order} LIMIT $4`, [key, q.fromMs, q.toMs, limit + 1])).rows;
    } else {
      const [startedAt, id] = decodeCursor(q.cursor);
      const sql = `${base} AND started_at <= $4 AND (started_at, id) < ($4, $5) ${order} LIMIT $6`;
      rows = (await this.pool.query<ResultRow>(sql, [key, q.fromMs, q.toMs, startedAt, id, limit + 1])).rows;
    }
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    await this.interners.targets.resolveKeys(page.map((r) => r.target_key));
    await this.interners.endpoints.resolveKeys(page.map((r) => r.endpoint_key));
    await this.interners.tls.resolveKeys(page.flatMap((r) => (r.tls_key === null ? [] : [r.tls_key])));
    const last = page[page.length - 1];
    return {
      items: page.map((row) => resultFromRow(row, this.interners)),
      nextCursor: hasMore && last !== undefined ? encodeCursor(last.started_at, last.id) : null,
    };
  }

  async recentTimings(targetIds: readonly string[], fromMs: number, toMs: number, perTarget: number): Promise<ResultTiming[]> {
    checkTimingsQuery(targetIds, fromMs, toMs, perTarget);
    if (targetIds.length === 0) return [];
    const { rows } = await this.pool.query<unknown[]>({ text: TIMINGS_SQL, values: [[...new Set(targetIds)], fromMs, toMs, perTarget], rowMode: 'array' });
    return rows.map((row) => timingFromColumns(row[0] as string, row.slice(1)));
  }
}
