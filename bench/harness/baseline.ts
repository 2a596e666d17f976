import type { BenchReport, BenchRow } from './bench-types.js';
import { median, relativeSpreadPct } from './stats.js';

/**
 * A baseline row carries the noise measured for it: the larger of its own spread and how far
 * the medians of repeated full runs strayed from each other (`noisePct`).
 */
export interface BaselineRow extends BenchRow {
  readonly noisePct: number;
}

export interface Baseline {
  readonly environment: BenchReport['environment'];
  readonly runs: number;
  readonly rows: BaselineRow[];
}

/** Never call a change smaller than this "real", however quiet the baseline runs were. */
export const MIN_NOISE_PCT = 3;

export type Verdict = 'faster' | 'slower' | 'within-noise' | 'new';

export interface Comparison {
  readonly id: string;
  readonly unit: string;
  readonly baseline: number | null;
  readonly current: number;
  readonly changePct: number | null;
  readonly thresholdPct: number | null;
  readonly verdict: Verdict;
}

/** Merges repeated runs of the same benches: median of medians, noise from their disagreement. */
export function mergeRuns(reports: readonly BenchReport[]): Baseline {
  const first = reports[0];
  if (first === undefined) throw new RangeError('mergeRuns: no runs');
  const ids = first.rows.map((r) => r.id).filter((id) => reports.every((rep) => rep.rows.some((r) => r.id === id)));
  const rows = ids.map((id): BaselineRow => {
    const all = reports.map((rep) => rep.rows.find((r) => r.id === id) as BenchRow);
    const mid = median(all.map((r) => r.median));
    const base = all.reduce((best, r) => (Math.abs(r.median - mid) < Math.abs(best.median - mid) ? r : best));
    const strayPct = mid === 0 ? 0 : Math.max(...all.map((r) => (Math.abs(r.median - mid) / Math.abs(mid)) * 100));
    const spreadPct = Math.max(...all.map(relativeSpreadPct));
    return { ...base, median: mid, noisePct: Math.max(MIN_NOISE_PCT, strayPct, spreadPct) };
  });
  return { environment: first.environment, runs: reports.length, rows };
}

/**
 * Marks a row changed only when its median moved by more than the noise: the baseline's
 * measured noise or this run's own spread, whichever is larger. Direction respects the unit
 * (a higher rate is faster, a higher time is slower).
 */
export function compareWithBaseline(rows: readonly BenchRow[], baseline: Baseline): Comparison[] {
  const byId = new Map(baseline.rows.map((r) => [r.id, r]));
  return rows.map((row): Comparison => {
    const base = byId.get(row.id);
    if (base === undefined || base.median === 0) {
      return { id: row.id, unit: row.unit, baseline: null, current: row.median, changePct: null, thresholdPct: null, verdict: 'new' };
    }
    const changePct = ((row.median - base.median) / Math.abs(base.median)) * 100;
    const thresholdPct = Math.max(base.noisePct, relativeSpreadPct(row), MIN_NOISE_PCT);
    const isBetter = row.isHigherBetter ? changePct > 0 : changePct < 0;
    const verdict: Verdict = Math.abs(changePct) <= thresholdPct ? 'within-noise' : isBetter ? 'faster' : 'slower';
    return { id: row.id, unit: row.unit, baseline: base.median, current: row.median, changePct, thresholdPct, verdict };
  });
}

export function isBaseline(value: unknown): value is Baseline {
  if (typeof value !== 'object' || value === null) return false;
  const rows = (value as { rows?: unknown }).rows;
  return Array.isArray(rows) && rows.every((r) => typeof r === 'object' && r !== null && typeof (r as BaselineRow).noisePct === 'number');
}

export function isReport(value: unknown): value is BenchReport {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<BenchReport>;
  return Array.isArray(v.rows) && typeof v.environment === 'object' && v.environment !== null;
}
