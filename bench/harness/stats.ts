import type { BenchRow } from './bench-types.js';

/** Linear-interpolated quantile of unsorted numbers (q in 0..1). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const below = Math.floor(at);
  const above = Math.ceil(at);
  const low = sorted[below] as number;
  const high = sorted[above] as number;
  return low + (high - low) * (at - below);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

type RowHead = Pick<BenchRow, 'bench' | 'variant' | 'metric' | 'unit' | 'isHigherBetter'> & { failures?: number; note?: string };

/** A row from repeated batch measurements: median and min–max. */
export function rangeRow(head: RowHead, values: readonly number[]): BenchRow {
  return {
    id: `${head.bench}/${head.variant}/${head.metric}`,
    ...head,
    median: median(values),
    lo: Math.min(...values),
    hi: Math.max(...values),
    spreadKind: 'range',
    samples: values.length,
    rounds: [...values],
  };
}

/** A row from per-iteration samples (mitata): median and p25–p75. */
export function iqrRow(head: RowHead, values: readonly number[]): BenchRow {
  return {
    id: `${head.bench}/${head.variant}/${head.metric}`,
    ...head,
    median: median(values),
    lo: quantile(values, 0.25),
    hi: quantile(values, 0.75),
    spreadKind: 'iqr',
    samples: values.length,
  };
}

/** Half the spread relative to the median, in percent: the row's own noise. */
export function relativeSpreadPct(row: Pick<BenchRow, 'median' | 'lo' | 'hi'>): number {
  if (row.median === 0) return 0;
  return ((row.hi - row.lo) / 2 / Math.abs(row.median)) * 100;
}
