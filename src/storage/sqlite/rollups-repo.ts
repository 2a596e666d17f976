import type Database from 'better-sqlite3';
import { LatencyHistogram } from '../latency-histogram.js';
import type { CheckStatus, HourlyRollup, Phase, PhaseAggregate, RetentionPolicy, RetentionReport, RollupReport } from '../store.js';
import { DEFAULT_RETENTION, emptyRetentionReport, PHASES, StoreInputError } from '../store.js';
import type { Interner } from './interner.js';
import { floorHour, HOUR_MS } from './meta.js';
import type { Meta } from './meta.js';
import { decodePhases, encodePhases } from './rollup-codec.js';
import { PHASE_COLUMNS } from './summaries.js';

export const DEFAULT_ROLLUP_GRACE_MS = 5 * 60_000;
/** retention deletes in chunks so it never holds the write lock for long */
const DELETE_CHUNK_ROWS = 10_000;

interface HourAccumulator {
  counts: Record<CheckStatus | 'maintenance', number>;
  histograms: LatencyHistogram[];
}

export class RollupsRepo {
  private readonly firstAfter: Database.Statement;
  private readonly hourRows: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly range: Database.Statement;
  private readonly deleteRaw: Database.Statement;
  private readonly deleteRollups: Database.Statement;
  private readonly deleteIncidents: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly targets: Interner,
    private readonly meta: Meta,
  ) {
    this.firstAfter = db.prepare('SELECT min(started_at) FROM results WHERE started_at >= ?').pluck();
    const columns = PHASES.map((p) => PHASE_COLUMNS[p]).join(', ');
    this.hourRows = db
      .prepare(`SELECT target_key, status, in_maintenance, ${columns} FROM results WHERE started_at >= ? AND started_at < ?`)
      .raw();
    this.upsert = db.prepare(
      `INSERT OR REPLACE INTO rollups (target_key, hour_start, up, degraded, down, error, maintenance, phases) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.range = db.prepare('SELECT * FROM rollups WHERE target_key = ? AND hour_start >= ? AND hour_start < ? ORDER BY hour_start');
    this.deleteRaw = db.prepare('DELETE FROM results WHERE id IN (SELECT id FROM results WHERE started_at < ? LIMIT ?)');
    this.deleteRollups = db.prepare('DELETE FROM rollups WHERE hour_start < ?');
    this.deleteIncidents = db.prepare('DELETE FROM incidents WHERE closed_at IS NOT NULL AND closed_at < ?');
  }

  /** Rolls up every complete hour that ended at least graceMs ago, one transaction per hour. */
  rollup(nowMs: number, graceMs = DEFAULT_ROLLUP_GRACE_MS): RollupReport {
    const endHour = floorHour(nowMs - graceMs);
    let watermark = this.meta.get('rollup_watermark_ms');
    let hour = watermark ?? -Infinity;
    const report: RollupReport = { hours: 0, rows: 0, watermarkMs: watermark };
    for (;;) {
      const first = this.firstAfter.get(hour === -Infinity ? Number.MIN_SAFE_INTEGER : hour) as number | null;
      if (first === null || floorHour(first) >= endHour) break;
      hour = floorHour(first);
      report.rows += this.rollupHour(hour);
      report.hours += 1;
      hour += HOUR_MS;
      watermark = hour;
    }
    if (watermark !== null || report.hours > 0) {
      watermark = Math.max(watermark ?? endHour, endHour);
      this.meta.set('rollup_watermark_ms', watermark);
    }
    report.watermarkMs = watermark;
    return report;
  }

  private rollupHour(hourStartMs: number): number {
    const byTarget = new Map<number, HourAccumulator>();
    for (const row of this.hourRows.iterate(hourStartMs, hourStartMs + HOUR_MS) as Iterable<unknown[]>) {
      const key = row[0] as number;
      let acc = byTarget.get(key);
      if (acc === undefined) {
        acc = { counts: { up: 0, degraded: 0, down: 0, error: 0, maintenance: 0 }, histograms: PHASES.map(() => new LatencyHistogram()) };
        byTarget.set(key, acc);
      }
      acc.counts[row[2] === 1 ? 'maintenance' : (row[1] as CheckStatus)] += 1;
      for (let i = 0; i < PHASES.length; i += 1) {
        const us = row[i + 3] as number | null;
        if (us !== null) (acc.histograms[i] as LatencyHistogram).record(us / 1000);
      }
    }
    this.db.transaction(() => {
      for (const [key, acc] of byTarget) {
        const phases = {} as Record<Phase, PhaseAggregate>;
        PHASES.forEach((p, i) => (phases[p] = (acc.histograms[i] as LatencyHistogram).toAggregate()));
        const c = acc.counts;
        this.upsert.run(key, hourStartMs, c.up, c.degraded, c.down, c.error, c.maintenance, encodePhases(phases));
      }
      this.meta.set('rollup_watermark_ms', hourStartMs + HOUR_MS);
    })();
    return byTarget.size;
  }

  list(targetId: string, fromMs: number, toMs: number): HourlyRollup[] {
    const key = this.targets.find(targetId);
    if (key === null) return [];
    const rows = this.range.all(key, floorHour(fromMs), toMs) as Array<{
      hour_start: number; up: number; degraded: number; down: number; error: number; maintenance: number; phases: string;
    }>;
    return rows.map((r) => ({
      targetId,
      hourStartMs: r.hour_start,
      up: r.up,
      degraded: r.degraded,
      down: r.down,
      error: r.error,
      maintenance: r.maintenance,
      phases: decodePhases(r.phases),
    }));
  }

  /**
   * Deletes raw results older than the raw retention — but only hours already rolled up,
   * so uptime over 30 d stays whole — then rollups and closed incidents older than theirs.
   */
  applyRetention(nowMs: number, policy: RetentionPolicy = DEFAULT_RETENTION): RetentionReport {
    for (const field of ['rawRetentionMs', 'rollupRetentionMs'] as const) {
      const v = policy[field];
      if (!Number.isInteger(v) || v < HOUR_MS) {
        throw new StoreInputError(field, `${field}: expected an integer number of ms of at least ${HOUR_MS} (1 h), got ${v}`);
      }
    }
    const report: RetentionReport = emptyRetentionReport();
    const watermark = this.meta.get('rollup_watermark_ms');
    if (watermark !== null) {
      const before = Math.min(floorHour(nowMs - policy.rawRetentionMs), watermark);
      for (;;) {
        const { changes } = this.deleteRaw.run(before, DELETE_CHUNK_ROWS);
        report.rawDeleted += changes;
        if (changes < DELETE_CHUNK_ROWS) break;
      }
      this.meta.set('raw_floor_ms', Math.max(this.meta.get('raw_floor_ms') ?? before, before));
    }
    const rollupBefore = nowMs - policy.rollupRetentionMs;
    report.rollupsDeleted = this.deleteRollups.run(rollupBefore).changes;
    report.incidentsDeleted = this.deleteIncidents.run(rollupBefore).changes;
    return report;
  }
}
