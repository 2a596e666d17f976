import { BUCKET_UNIT_MS, StoreInputError, type BucketUnit, type StatusBucket } from './store.js';

/** 400 days of hours fit; a wider request is a caller's mistake, not a scan to run. */
const MAX_BUCKETS = 10_000;

type CountKey = 'up' | 'degraded' | 'down' | 'error' | 'maintenance';

/**
 * Validates a `statusBuckets` query and returns the bucket width and the first bucket's
 * start. Both stores call it, so both refuse the same input with the same field.
 */
export function bucketRange(unit: BucketUnit, fromMs: number, toMs: number): { unitMs: number; firstMs: number } {
  if (!Object.hasOwn(BUCKET_UNIT_MS, unit)) throw new StoreInputError('unit', `unit: expected "hour" or "day", got ${JSON.stringify(unit)}`);
  for (const [field, v] of [['fromMs', fromMs], ['toMs', toMs]] as const) {
    if (!Number.isSafeInteger(v)) throw new StoreInputError(field, `${field}: expected an integer epoch ms, got ${v}`);
  }
  if (fromMs > toMs) throw new StoreInputError('fromMs', `fromMs: must not be after toMs (${fromMs} > ${toMs})`);
  const unitMs = BUCKET_UNIT_MS[unit];
  const firstMs = Math.floor(fromMs / unitMs) * unitMs;
  if ((toMs - firstMs) / unitMs > MAX_BUCKETS) {
    throw new StoreInputError('fromMs', `fromMs: the range spans more than ${MAX_BUCKETS} ${unit}s`);
  }
  return { unitMs, firstMs };
}

/** Adds counts (from rollup sums and raw rows) into buckets and lists them, oldest first. */
export class BucketCounts {
  private readonly byStart = new Map<number, StatusBucket>();

  add(startMs: number, key: CountKey, n: number): void {
    let bucket = this.byStart.get(startMs);
    if (bucket === undefined) {
      bucket = { startMs, up: 0, degraded: 0, down: 0, error: 0, maintenance: 0 };
      this.byStart.set(startMs, bucket);
    }
    bucket[key] += n;
  }

  /** a row of summed rollup counts for one bucket */
  addSums(row: { b: number; up: number; degraded: number; down: number; error: number; maintenance: number }): void {
    for (const key of ['up', 'degraded', 'down', 'error', 'maintenance'] as const) this.add(row.b, key, row[key]);
  }

  list(): StatusBucket[] {
    return [...this.byStart.values()].filter((b) => b.up + b.degraded + b.down + b.error + b.maintenance > 0).sort((a, b) => a.startMs - b.startMs);
  }
}
