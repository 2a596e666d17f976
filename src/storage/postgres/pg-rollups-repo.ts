import type pg from 'pg';
import type { HourlyRollup, Phase, PhaseAggregate, RetentionPolicy, RetentionReport, RollupReport } from '../store.js';
import { DEFAULT_RETENTION, emptyRetentionReport, PHASES, StoreInputError } from '../store.js';
import { emptyAggregate } from '../latency-histogram.js';
import { floorHour, HOUR_MS } from '../sqlite/meta.js';
import { decodePhases, encodePhases } from '../sqlite/rollup-codec.js';
import { DEFAULT_ROLLUP_GRACE_MS } from '../sqlite/rollups-repo.js';
import { PHASE_COLUMNS } from '../sqlite/summaries.js';
import type { PgInterner } from './pg-interner.js';
import { readMeta, writeMeta } from './pg-meta.js';
import type { ResultPartitions } from './pg-partitions.js';
import { lockKeySql } from './pg-schema.js';

/**
 * Per target and phase: count, sum, min, max and the sparse histogram, computed in the
 * database so an hour of 6 M rows never crosses the wire. The bucket formula is bucketOf()
 * from latency-histogram.ts in SQL (us/10 = ms/0.01); float rounding may put a value that
 * sits exactly on a bucket bound into its neighbour, inside the histogram's ≤ 5 % error.
 */
const PHASE_VALUES = PHASES.map((p, i) => `(${i}, r.${PHASE_COLUMNS[p]})`).join(', ');
const HOUR_PHASES_SQL = `
  WITH v AS (
    SELECT r.target_key, p.phase, p.us
    FROM results r CROSS JOIN LATERAL (VALUES ${PHASE_VALUES}) AS p(phase, us)
    WHERE r.started_at >= $1 AND r.started_at < $2 AND p.us IS NOT NULL
  ), b AS (
    SELECT target_key, phase,
      CASE WHEN us <= 10 THEN 0 ELSE least(220, greatest(1, ceil(ln(us / 10.0::float8) / ln(1.1::float8) - 1e-9)))::int END AS bucket,
      count(*)::int AS n, sum(us)::int8 AS sum_us, min(us) AS min_us, max(us) AS max_us
    FROM v GROUP BY 1, 2, 3
  )
  SELECT target_key, phase, sum(n)::int8 AS n, sum(sum_us)::int8 AS sum_us, min(min_us) AS min_us, max(max_us) AS max_us,
    array_agg(bucket ORDER BY bucket) AS buckets, array_agg(n ORDER BY bucket) AS counts
  FROM b GROUP BY 1, 2`;
const HOUR_COUNTS_SQL = `
  SELECT target_key, count(*) FILTER (WHERE status = 'up' AND counted)::int AS up, count(*) FILTER (WHERE status = 'degraded' AND counted)::int AS degraded,
    count(*) FILTER (WHERE status = 'down' AND counted)::int AS down, count(*) FILTER (WHERE status = 'error' AND counted)::int AS error,
    count(*) FILTER (WHERE NOT counted)::int AS maintenance
  FROM (SELECT target_key, status, in_maintenance IS NOT TRUE AS counted FROM results WHERE started_at >= $1 AND started_at < $2) r GROUP BY target_key`;
const UPSERT_SQL = `
  INSERT INTO rollups (target_key, hour_start, up, degraded, down, error, maintenance, phases)
  SELECT k, $1, u, dg, dn, e, mt, ph FROM unnest($2::int4[], $3::int4[], $4::int4[], $5::int4[], $6::int4[], $7::int4[], $8::text[]) AS t(k, u, dg, dn, e, mt, ph)
  ON CONFLICT (target_key, hour_start) DO UPDATE SET up = excluded.up, degraded = excluded.degraded, down = excluded.down,
    error = excluded.error, maintenance = excluded.maintenance, phases = excluded.phases`;

interface PhaseRow { target_key: number; phase: number; n: number; sum_us: number; min_us: number; max_us: number; buckets: number[]; counts: number[] }
interface CountRow { target_key: number; up: number; degraded: number; down: number; error: number; maintenance: number }

export class PgRollupsRepo {
  constructor(
    private readonly pool: pg.Pool,
    private readonly targets: PgInterner,
    private readonly partitions: ResultPartitions,
  ) {}

  /**
   * Rolls up every complete hour that ended at least graceMs ago, one transaction per hour.
   * Several nodes run this job: a session advisory lock lets one at a time do it; the others
   * return at once with nothing rolled up.
   */
  async rollup(nowMs: number, graceMs = DEFAULT_ROLLUP_GRACE_MS): Promise<RollupReport> {
    const report = await this.withJobLock(async (client) => {
      const endHour = floorHour(nowMs - graceMs);
      let watermark = await readMeta(client, 'rollup_watermark_ms');
      const out: RollupReport = { hours: 0, rows: 0, watermarkMs: watermark };
      const partitions = await this.partitions.list();
      let hour = watermark ?? partitions[0]?.fromMs ?? null;
      if (hour === null) return out;
      for (const p of partitions) {
        if (p.toMs <= hour) continue;
        for (let h = Math.max(hour, p.fromMs); h < Math.min(p.toMs, endHour); h += HOUR_MS) {
          const rows = await this.rollupHour(client, h);
          if (rows > 0) {
            out.hours += 1;
            out.rows += rows;
          }
          hour = h + HOUR_MS;
        }
        if (p.toMs >= endHour) break;
      }
      if (watermark !== null || out.hours > 0) {
        watermark = Math.max(watermark ?? endHour, endHour);
        await writeMeta(client, 'rollup_watermark_ms', watermark);
      }
      out.watermarkMs = watermark;
      return out;
    });
    return report ?? { hours: 0, rows: 0, watermarkMs: await readMeta(this.pool, 'rollup_watermark_ms') };
  }

  private async rollupHour(client: pg.PoolClient, hourStartMs: number): Promise<number> {
    const range = [hourStartMs, hourStartMs + HOUR_MS];
    const counts = (await client.query<CountRow>(HOUR_COUNTS_SQL, range)).rows;
    if (counts.length === 0) return 0;
    const phaseRows = (await client.query<PhaseRow>(HOUR_PHASES_SQL, range)).rows;
    const phasesOf = new Map<number, Record<Phase, PhaseAggregate>>();
    for (const c of counts) phasesOf.set(c.target_key, Object.fromEntries(PHASES.map((p) => [p, emptyAggregate()])) as Record<Phase, PhaseAggregate>);
    for (const r of phaseRows) {
      const phases = phasesOf.get(r.target_key);
      if (phases === undefined) continue;
      phases[PHASES[r.phase] as Phase] = {
        count: r.n, sumMs: r.sum_us / 1000, minMs: r.min_us / 1000, maxMs: r.max_us / 1000,
        buckets: r.buckets.map((b, i) => [b, r.counts[i] as number]),
      };
    }
    await client.query('BEGIN');
    try {
      await client.query(UPSERT_SQL, [
        hourStartMs, counts.map((c) => c.target_key), counts.map((c) => c.up), counts.map((c) => c.degraded),
        counts.map((c) => c.down), counts.map((c) => c.error), counts.map((c) => c.maintenance), counts.map((c) => encodePhases(phasesOf.get(c.target_key) as Record<Phase, PhaseAggregate>)),
      ]);
      await writeMeta(client, 'rollup_watermark_ms', hourStartMs + HOUR_MS);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    return counts.length;
  }

  async list(targetId: string, fromMs: number, toMs: number): Promise<HourlyRollup[]> {
    const key = await this.targets.find(targetId);
    if (key === null) return [];
    const { rows } = await this.pool.query<{ hour_start: number; up: number; degraded: number; down: number; error: number; maintenance: number; phases: string }>(
      'SELECT * FROM rollups WHERE target_key = $1 AND hour_start >= $2 AND hour_start < $3 ORDER BY hour_start',
      [key, floorHour(fromMs), toMs],
    );
    return rows.map((r) => ({ targetId, hourStartMs: r.hour_start, up: r.up, degraded: r.degraded, down: r.down, error: r.error, maintenance: r.maintenance, phases: decodePhases(r.phases) }));
  }

  /**
   * Drops whole daily partitions of raw results that end before the raw retention — only
   * hours already rolled up — and moves the raw floor there; then deletes rollups and closed
   * incidents older than the rollup retention.
   */
  async applyRetention(nowMs: number, policy: RetentionPolicy = DEFAULT_RETENTION): Promise<RetentionReport> {
    for (const field of ['rawRetentionMs', 'rollupRetentionMs'] as const) {
      const v = policy[field];
      if (!Number.isInteger(v) || v < HOUR_MS) {
        throw new StoreInputError(field, `${field}: expected an integer number of ms of at least ${HOUR_MS} (1 h), got ${v}`);
      }
    }
    const report = await this.withJobLock(async (client) => {
      const out: RetentionReport = emptyRetentionReport();
      const watermark = await readMeta(client, 'rollup_watermark_ms');
      if (watermark !== null) {
        const before = Math.min(floorHour(nowMs - policy.rawRetentionMs), watermark);
        for (const p of await this.partitions.list()) {
          if (p.toMs > before) break;
          out.rawDeleted += await this.partitions.drop(p);
        }
        // The floor moves to `before` as in SQLite (summaries take rollups for older hours);
        // raw rows between the last dropped day and `before` stay until their day is dropped
        // (pages still show them): no row deletes, ever.
        const floor = await readMeta(client, 'raw_floor_ms');
        await writeMeta(client, 'raw_floor_ms', Math.max(floor ?? before, before));
      }
      const rollupBefore = nowMs - policy.rollupRetentionMs;
      out.rollupsDeleted = (await client.query('DELETE FROM rollups WHERE hour_start < $1', [rollupBefore])).rowCount ?? 0;
      out.incidentsDeleted = (await client.query('DELETE FROM incidents WHERE closed_at IS NOT NULL AND closed_at < $1', [rollupBefore])).rowCount ?? 0;
      return out;
    });
    return report ?? emptyRetentionReport();
  }

  /** Runs `body` holding the maintenance lock on one connection; null when another node holds it. */
  private async withJobLock<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T | null> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (err: Error): void => {
      broken = err;
    };
    client.on('error', onError);
    try {
      const { rows } = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${lockKeySql('maintenance')}) AS ok`);
      if (rows[0]?.ok !== true) return null;
      try {
        return await body(client);
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${lockKeySql('maintenance')})`).catch((e: unknown) => (broken = e instanceof Error ? e : new Error(String(e))));
      }
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }
}
