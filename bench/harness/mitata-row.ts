import { measure } from 'mitata';
import type { BenchContext, BenchRow } from './bench-types.js';

type Head = Pick<BenchRow, 'bench' | 'variant'>;

/** mitata options: defaults (≥ 642 ms of samples) normally; a handful of samples with --quick. */
type MeasureOptions = { min_cpu_time?: number; min_samples?: number; max_samples?: number; warmup_samples?: number };

function options(ctx: BenchContext): MeasureOptions {
  return ctx.isQuick ? { min_cpu_time: 5e6, min_samples: 3, max_samples: 50, warmup_samples: 1 } : {};
}

/**
 * Latency per iteration through mitata (warm-up, many samples): median and p25–p75.
 * `unit` picks ns or µs for the row.
 */
export async function measureLatency(ctx: BenchContext, head: Head, fn: () => unknown, unit: 'ns' | 'µs'): Promise<BenchRow> {
  const stats = await measure(fn, options(ctx));
  const scale = unit === 'ns' ? 1 : 1e-3;
  const row: BenchRow = {
    id: `${head.bench}/${head.variant}/time`,
    ...head,
    metric: 'time',
    unit: `${unit}/iter`,
    median: stats.p50 * scale,
    lo: stats.p25 * scale,
    hi: stats.p75 * scale,
    spreadKind: 'iqr',
    samples: stats.samples.length,
    isHigherBetter: false,
  };
  ctx.log(`  ${row.id}: ${row.median.toFixed(unit === 'ns' ? 1 : 2)} ${row.unit} (p25 ${row.lo.toFixed(2)}, p75 ${row.hi.toFixed(2)}, n=${row.samples})`);
  return row;
}
