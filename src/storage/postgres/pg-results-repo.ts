import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
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


/** The columns a result fills, in the order of the COPY rows below. */
const COLUMNS = [
  'target_key', 'started_at', 'due_at', 'status', 'error_kind', 'error_phase', 'status_code', 'http_version', 'total_us', 'dns_us',
  'connect_us', 'tls_us', 'ttfb_us', 'receive_us', 'response_bytes', 'connection_reused', 'sched_lag_us', 'loop_delay_us', 'endpoint_key',
  'tls_key', 'detail', 'in_maintenance',
] as const;

/**
 * One COPY … FROM STDIN (text format) per batch: one statement, so all rows or none, and
 * no per-row parameters or arrays to build and parse (measured against one
 * INSERT … SELECT FROM unnest($1::int4[], …) in docs/performance.md, "Result writes").
 */
const COPY_SQL = `COPY results (${COLUMNS.join(', ')}) FROM STDIN`;

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

/** A value in COPY's text format: \N for NULL; backslash, newline, CR and tab escaped in text. */
function copyField(value: string | number | boolean | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'string') return /[\\\n\r\t]/.test(value) ? value.replace(/[\\\n\r\t]/g, escapeChar) : value;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return String(value);
}

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const escapeChar = (c: string): string => ESCAPES[c] as string;

export class PgResultsRepo {
  constructor(
    private readonly pool: pg.Pool,
    private readonly interners: PgInterners,
    private readonly partitions: ResultPartitions,
  ) {}

  async insert(batch: readonly StoredResult[]): Promise<void> {
    if (batch.length === 0) return;
    const { targets, endpoints, tls } = this.interners;
    const endpointValues = batch.map((b) => endpointOf(b.result));
    const tlsValues = batch.map((b) => (b.result.tls === null ? null : JSON.stringify(b.result.tls)));
    await targets.ensure(batch.map((b) => b.targetId));
    await endpoints.ensure(endpointValues);
    await tls.ensure(tlsValues.filter((v): v is string => v !== null));
    let text = '';
    batch.forEach((item, i) => {
      const r = item.result;
      const t = r.timings;
      const tlsValue = tlsValues[i] as string | null;
      const row = [
        targets.keyOf(item.targetId), r.startedAt, item.dueAt, r.status, r.errorKind, r.errorPhase, r.statusCode, r.httpVersion,
        toUs(t.totalMs), toUs(t.dnsMs), toUs(t.connectMs), toUs(t.tlsMs), toUs(t.ttfbMs), toUs(t.receiveMs), r.responseBytes,
        r.connectionReused, toUs(item.schedulingLagMs), toUs(item.loopDelayMs), endpoints.keyOf(endpointValues[i] as string),
        tlsValue === null ? null : tls.keyOf(tlsValue), r.detail, item.inMaintenance === true ? true : null,
      ];
      text += `${row.map(copyField).join('\t')}\n`;
    });
    await this.partitions.ensureFor(batch.map((b) => b.result.startedAt));
    try {
      await this.copy(text);
    } catch (err) {
      if (sqlState(err) !== NO_PARTITION_STATE) throw err;
      // another node's retention dropped a partition this node believed in
      this.partitions.forget();
      await this.partitions.ensureFor(batch.map((b) => b.result.startedAt));
      await this.copy(text);
    }
  }

  /** Sends the rows in one COPY; rejects with the server's error (the COPY is rolled back). */
  private async copy(text: string): Promise<void> {
    const client = await this.pool.connect();
    let failure: unknown;
    try {
      const stream = client.query(copyFrom(COPY_SQL));
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.once('finish', resolve);
        stream.end(text);
      });
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      // a connection whose COPY failed is not trusted again: the pool replaces it
      client.release(failure !== undefined);
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
