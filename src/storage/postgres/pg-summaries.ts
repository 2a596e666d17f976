import type pg from 'pg';
import { bucketRange, BucketCounts } from '../status-buckets.js';
import type { BucketUnit, LatencySummary, StatusBucket, UptimeSummary, UptimeWindow } from '../store.js';
import { PHASES, UPTIME_WINDOW_MS } from '../store.js';
import { planUptime } from '../uptime-plan.js';
import { floorHour } from '../sqlite/meta.js';
import { latencyOfPhases } from '../sqlite/rollup-codec.js';
import { PHASE_COLUMNS } from '../sqlite/summaries.js';
import type { PgInterner } from './pg-interner.js';
import { readMeta } from './pg-meta.js';

type StatusCounts = { up: number; degraded: number; down: number; error: number; maintenance: number };

/**
 * Uptime and latency of one target, as in the SQLite store: uptime from the hourly rollups
 * plus the raw head and tail (uptime-plan.ts); latency splits at the raw floor, raw rows
 * (exact) after it, hourly rollups before it. Both reads are range scans of
 * results_by_target_time / the rollups primary key (plans in docs/storage.md).
 */
export class PgSummaries {
  constructor(
    private readonly pool: pg.Pool,
    private readonly targets: PgInterner,
  ) {}

  private async split(fromMs: number): Promise<{ rollupFromMs: number | null; rawFromMs: number }> {
    const floor = await readMeta(this.pool, 'raw_floor_ms');
    if (floor === null || fromMs >= floor) return { rollupFromMs: null, rawFromMs: fromMs };
    return { rollupFromMs: floorHour(fromMs), rawFromMs: floor };
  }

  async uptime(targetId: string, window: UptimeWindow, nowMs: number): Promise<UptimeSummary> {
    const toMs = nowMs;
    const fromMs = nowMs - UPTIME_WINDOW_MS[window];
    const counts: StatusCounts = { up: 0, degraded: 0, down: 0, error: 0, maintenance: 0 };
    const key = await this.targets.find(targetId);
    const meta = await this.pool.query<{ key: string; value: number }>(`SELECT key, value FROM meta WHERE key IN ('raw_floor_ms', 'rollup_watermark_ms')`);
    const metaOf = (k: string) => meta.rows.find((r) => r.key === k)?.value ?? null;
    const plan = planUptime(fromMs, toMs, metaOf('raw_floor_ms'), metaOf('rollup_watermark_ms'));
    if (key !== null) {
      // one statement per window (round trips, not scans, were the cost): the rollup hours as
      // (status, maintenance, n) rows, then the raw head and tail; an absent range is [0, 0)
      const [head, tail] = [plan.raw[0] ?? [0, 0], plan.raw[1] ?? [0, 0]];
      const rollup = plan.rollup ?? [0, 0];
      const { rows } = await this.pool.query<{ status: 'up' | 'degraded' | 'down' | 'error'; m: boolean; n: number }>(
        `SELECT status, m, sum(n)::int8 AS n FROM (
           SELECT s.status, s.m, s.n FROM rollups r
             CROSS JOIN LATERAL (VALUES ('up', false, r.up), ('degraded', false, r.degraded), ('down', false, r.down), ('error', false, r.error), ('up', true, r.maintenance)) AS s(status, m, n)
             WHERE r.target_key = $1 AND r.hour_start >= $2 AND r.hour_start < $3
           UNION ALL
           SELECT status, coalesce(in_maintenance, false), count(*) FROM results WHERE target_key = $1 AND started_at >= $4 AND started_at < $5 GROUP BY 1, 2
           UNION ALL
           SELECT status, coalesce(in_maintenance, false), count(*) FROM results WHERE target_key = $1 AND started_at >= $6 AND started_at < $7 GROUP BY 1, 2
         ) x GROUP BY 1, 2`,
        [key, ...rollup, ...head, ...tail],
      );
      // results inside a maintenance window count apart, never as up or down
      for (const row of rows) counts[row.m ? 'maintenance' : row.status] += row.n;
    }
    const total = counts.up + counts.degraded + counts.down + counts.error;
    const upCount = counts.up + counts.degraded;
    return {
      targetId, fromMs, toMs, total, up: upCount, degraded: counts.degraded, down: counts.down, error: counts.error, maintenance: counts.maintenance,
      uptimePct: total === 0 ? null : (upCount / total) * 100,
      approximate: plan.approximate,
    };
  }

  /** As in SQLite: rolled-up hours (before the rollup watermark) from rollups, later results from raw rows. */
  async statusBuckets(targetId: string, unit: BucketUnit, fromMs: number, toMs: number): Promise<StatusBucket[]> {
    const { unitMs, firstMs } = bucketRange(unit, fromMs, toMs);
    const key = await this.targets.find(targetId);
    if (key === null) return [];
    const watermark = await readMeta(this.pool, 'rollup_watermark_ms');
    const rawFromMs = watermark === null ? firstMs : Math.max(firstMs, watermark);
    const counts = new BucketCounts();
    if (watermark !== null && watermark > firstMs) {
      const { rows } = await this.pool.query<Parameters<BucketCounts['addSums']>[0]>(
        `SELECT (hour_start / $1::int8) * $1::int8 AS b, sum(up)::int8 AS up, sum(degraded)::int8 AS degraded, sum(down)::int8 AS down,
           sum(error)::int8 AS error, sum(maintenance)::int8 AS maintenance
         FROM rollups WHERE target_key = $2 AND hour_start >= $3 AND hour_start < $4 GROUP BY 1`,
        [unitMs, key, firstMs, Math.min(watermark, toMs)],
      );
      for (const row of rows) counts.addSums(row);
    }
    const { rows } = await this.pool.query<{ b: number; status: 'up' | 'degraded' | 'down' | 'error'; m: boolean | null; n: number }>(
      `SELECT (started_at / $1::int8) * $1::int8 AS b, status, in_maintenance AS m, count(*) AS n FROM results
       WHERE target_key = $2 AND started_at >= $3 AND started_at < $4 GROUP BY 1, 2, 3`,
      [unitMs, key, rawFromMs, toMs],
    );
    for (const row of rows) counts.add(row.b, row.m === true ? 'maintenance' : row.status, row.n);
    return counts.list();
  }

  async latency(targetId: string, fromMs: number, toMs: number): Promise<LatencySummary> {
    const values = PHASES.map(() => [] as number[]);
    const key = await this.targets.find(targetId);
    const split = await this.split(fromMs);
    let rollups: string[] = [];
    if (key !== null) {
      const columns = PHASES.map((p) => PHASE_COLUMNS[p]).join(', ');
      const { rows } = await this.pool.query<unknown[]>({
        text: `SELECT ${columns} FROM results WHERE target_key = $1 AND started_at >= $2 AND started_at < $3`,
        values: [key, split.rawFromMs, toMs],
        rowMode: 'array',
      });
      for (const row of rows) {
        for (let i = 0; i < PHASES.length; i += 1) {
          const us = row[i] as number | null;
          if (us !== null) (values[i] as number[]).push(us / 1000);
        }
      }
      if (split.rollupFromMs !== null) {
        const r = await this.pool.query<{ phases: string }>(
          'SELECT phases FROM rollups WHERE target_key = $1 AND hour_start >= $2 AND hour_start < $3',
          [key, split.rollupFromMs, split.rawFromMs],
        );
        rollups = r.rows.map((x) => x.phases);
      }
    }
    return { targetId, fromMs, toMs, ...latencyOfPhases(values, rollups) };
  }
}
