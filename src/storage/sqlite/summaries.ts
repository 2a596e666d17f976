import type Database from 'better-sqlite3';
import { bucketRange, BucketCounts } from '../status-buckets.js';
import type { BucketUnit, LatencySummary, Phase, StatusBucket, UptimeSummary, UptimeWindow } from '../store.js';
import { PHASES, UPTIME_WINDOW_MS } from '../store.js';
import { planUptime } from '../uptime-plan.js';
import type { Interner } from './interner.js';
import { floorHour } from './meta.js';
import { latencyOfPhases } from './rollup-codec.js';
import type { Meta } from './meta.js';

/** The phase → column map shared by summaries and the rollup job. */
export const PHASE_COLUMNS: Readonly<Record<Phase, string>> = Object.freeze({
  dns: 'dns_us',
  connect: 'connect_us',
  tls: 'tls_us',
  ttfb: 'ttfb_us',
  receive: 'receive_us',
  total: 'total_us',
});

/**
 * A window [fromMs, toMs) splits at the raw floor: raw rows (exact) cover [split, toMs),
 * hourly rollups cover the hours from floorHour(fromMs) up to the split. Retention only
 * deletes raw rows of hours that are rolled up, so the two parts never overlap or miss.
 */
interface Split {
  rollupFromMs: number | null;
  rawFromMs: number;
}

type CheckStatusKey = 'up' | 'degraded' | 'down' | 'error';
type StatusCounts = { up: number; degraded: number; down: number; error: number; maintenance: number };

export class Summaries {
  private readonly rawCounts: Database.Statement;
  private readonly rollupCounts: Database.Statement;
  private readonly rawPhases: Database.Statement;
  private readonly rollupPhases: Database.Statement;
  private readonly rawBuckets: Database.Statement;
  private readonly rollupBuckets: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly targets: Interner,
    private readonly meta: Meta,
  ) {
    this.rawCounts = db.prepare(
      'SELECT status, in_maintenance AS m, count(*) AS n FROM results WHERE target_key = ? AND started_at >= ? AND started_at < ? GROUP BY status, in_maintenance',
    );
    this.rollupCounts = db.prepare(
      `SELECT coalesce(sum(up), 0) AS up, coalesce(sum(degraded), 0) AS degraded, coalesce(sum(down), 0) AS down,
         coalesce(sum(error), 0) AS error, coalesce(sum(maintenance), 0) AS maintenance FROM rollups WHERE target_key = ? AND hour_start >= ? AND hour_start < ?`,
    );
    const columns = PHASES.map((p) => PHASE_COLUMNS[p]).join(', ');
    this.rawPhases = db.prepare(`SELECT ${columns} FROM results WHERE target_key = ? AND started_at >= ? AND started_at < ?`).raw();
    this.rollupPhases = db.prepare('SELECT phases FROM rollups WHERE target_key = ? AND hour_start >= ? AND hour_start < ?').pluck();
    // bucket starts by integer division (better-sqlite3 binds a JS number as REAL: cast it)
    this.rawBuckets = db.prepare(
      `SELECT (started_at / CAST(@unit AS INTEGER)) * CAST(@unit AS INTEGER) AS b, status, in_maintenance AS m, count(*) AS n FROM results
       WHERE target_key = @key AND started_at >= @from AND started_at < @to GROUP BY b, status, m`,
    );
    this.rollupBuckets = db.prepare(
      `SELECT (hour_start / CAST(@unit AS INTEGER)) * CAST(@unit AS INTEGER) AS b, sum(up) AS up, sum(degraded) AS degraded, sum(down) AS down, sum(error) AS error,
         sum(maintenance) AS maintenance FROM rollups WHERE target_key = @key AND hour_start >= @from AND hour_start < @to GROUP BY b`,
    );
  }

  /** Rolled-up hours (before the rollup watermark) from rollups, later results from raw rows. */
  statusBuckets(targetId: string, unit: BucketUnit, fromMs: number, toMs: number): StatusBucket[] {
    const { unitMs, firstMs } = bucketRange(unit, fromMs, toMs);
    const key = this.targets.find(targetId);
    if (key === null) return [];
    const watermark = this.meta.get('rollup_watermark_ms');
    const rawFromMs = watermark === null ? firstMs : Math.max(firstMs, watermark);
    const counts = new BucketCounts();
    if (watermark !== null && watermark > firstMs) {
      for (const row of this.rollupBuckets.all({ unit: unitMs, key, from: firstMs, to: Math.min(watermark, toMs) }) as Array<Parameters<BucketCounts['addSums']>[0]>) {
        counts.addSums(row);
      }
    }
    for (const row of this.rawBuckets.all({ unit: unitMs, key, from: rawFromMs, to: toMs }) as Array<{ b: number; status: CheckStatusKey; m: number | null; n: number }>) {
      counts.add(row.b, row.m === 1 ? 'maintenance' : row.status, row.n);
    }
    return counts.list();
  }

  private split(fromMs: number): Split {
    const floor = this.meta.get('raw_floor_ms');
    if (floor === null || fromMs >= floor) return { rollupFromMs: null, rawFromMs: fromMs };
    return { rollupFromMs: floorHour(fromMs), rawFromMs: floor };
  }

  uptime(targetId: string, window: UptimeWindow, nowMs: number): UptimeSummary {
    const toMs = nowMs;
    const fromMs = nowMs - UPTIME_WINDOW_MS[window];
    const counts: StatusCounts = { up: 0, degraded: 0, down: 0, error: 0, maintenance: 0 };
    const key = this.targets.find(targetId);
    const plan = planUptime(fromMs, toMs, this.meta.get('raw_floor_ms'), this.meta.get('rollup_watermark_ms'));
    if (key !== null) {
      if (plan.rollup !== null) {
        const r = this.rollupCounts.get(key, ...plan.rollup) as StatusCounts;
        for (const s of ['up', 'degraded', 'down', 'error', 'maintenance'] as const) counts[s] += r[s];
      }
      for (const [rawFromMs, rawToMs] of plan.raw) {
        for (const row of this.rawCounts.all(key, rawFromMs, rawToMs) as Array<{ status: CheckStatusKey; m: number | null; n: number }>) {
          counts[row.m === 1 ? 'maintenance' : row.status] += row.n;
        }
      }
    }
    const total = counts.up + counts.degraded + counts.down + counts.error;
    const upCount = counts.up + counts.degraded;
    return {
      targetId,
      fromMs,
      toMs,
      total,
      up: upCount,
      degraded: counts.degraded,
      down: counts.down,
      error: counts.error,
      maintenance: counts.maintenance,
      uptimePct: total === 0 ? null : (upCount / total) * 100,
      approximate: plan.approximate,
    };
  }

  latency(targetId: string, fromMs: number, toMs: number): LatencySummary {
    const values = PHASES.map(() => [] as number[]);
    const key = this.targets.find(targetId);
    const split = this.split(fromMs);
    let rollups: string[] = [];
    if (key !== null) {
      for (const row of this.rawPhases.iterate(key, split.rawFromMs, toMs) as Iterable<Array<number | null>>) {
        for (let i = 0; i < PHASES.length; i += 1) {
          const us = row[i];
          if (us !== null && us !== undefined) (values[i] as number[]).push(us / 1000);
        }
      }
      if (split.rollupFromMs !== null) rollups = this.rollupPhases.all(key, split.rollupFromMs, split.rawFromMs) as string[];
    }
    return { targetId, fromMs, toMs, ...latencyOfPhases(values, rollups) };
  }
}
