/**
 * A fixed, mergeable latency histogram for hourly rollups. Bucket 0 holds [0, 0.01 ms];
 * bucket i ≥ 1 holds (0.01·1.1^(i−1), 0.01·1.1^i] ms, up to bucket 220 (≈ 13 h). Because
 * every histogram uses the same bounds, merging is adding counts. A percentile is reported
 * as the geometric middle of its bucket, clamped to the observed min/max: at most
 * √1.1 − 1 ≈ 4.9 % relative error (docs/storage.md).
 */
import type { PhaseAggregate, PhaseLatency } from './store.js';

const BASE_MS = 0.01;
const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);
const MAX_BUCKET = 220;
const PERCENTILES = Object.freeze({ p50Ms: 0.5, p90Ms: 0.9, p95Ms: 0.95, p99Ms: 0.99 });

function bucketOf(valueMs: number): number {
  if (!(valueMs > BASE_MS)) return 0;
  const index = Math.ceil(Math.log(valueMs / BASE_MS) / LOG_GROWTH - 1e-9);
  return Math.min(Math.max(index, 1), MAX_BUCKET);
}

function bucketMiddleMs(index: number): number {
  if (index === 0) return BASE_MS / 2;
  return BASE_MS * GROWTH ** (index - 0.5);
}

export function emptyAggregate(): PhaseAggregate {
  return { count: 0, sumMs: 0, minMs: null, maxMs: null, buckets: [] };
}

/** A mutable accumulator; `toAggregate()` gives the stored (sparse) form. */
export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  private count = 0;
  private sumMs = 0;
  private minMs: number | null = null;
  private maxMs: number | null = null;

  record(valueMs: number): void {
    const index = bucketOf(valueMs);
    this.counts.set(index, (this.counts.get(index) ?? 0) + 1);
    this.count += 1;
    this.sumMs += valueMs;
    this.minMs = this.minMs === null ? valueMs : Math.min(this.minMs, valueMs);
    this.maxMs = this.maxMs === null ? valueMs : Math.max(this.maxMs, valueMs);
  }

  merge(aggregate: PhaseAggregate): void {
    if (aggregate.count === 0) return;
    for (const [index, n] of aggregate.buckets) this.counts.set(index, (this.counts.get(index) ?? 0) + n);
    this.count += aggregate.count;
    this.sumMs += aggregate.sumMs;
    if (aggregate.minMs !== null) this.minMs = this.minMs === null ? aggregate.minMs : Math.min(this.minMs, aggregate.minMs);
    if (aggregate.maxMs !== null) this.maxMs = this.maxMs === null ? aggregate.maxMs : Math.max(this.maxMs, aggregate.maxMs);
  }

  toAggregate(): PhaseAggregate {
    const buckets = [...this.counts.entries()].sort((a, b) => a[0] - b[0]);
    return { count: this.count, sumMs: this.sumMs, minMs: this.minMs, maxMs: this.maxMs, buckets };
  }

  /** Nearest-rank percentiles from the buckets (approximate, see the file comment). */
  summarize(): PhaseLatency {
    if (this.count === 0 || this.minMs === null || this.maxMs === null) return emptyLatency();
    const sorted = [...this.counts.entries()].sort((a, b) => a[0] - b[0]);
    const lo = this.minMs;
    const hi = this.maxMs;
    const at = (p: number): number => {
      const rank = Math.max(1, Math.ceil(p * this.count));
      let seen = 0;
      for (const [index, n] of sorted) {
        seen += n;
        if (seen >= rank) return Math.min(hi, Math.max(lo, bucketMiddleMs(index)));
      }
      return hi;
    };
    return {
      count: this.count,
      minMs: lo,
      meanMs: this.sumMs / this.count,
      p50Ms: at(PERCENTILES.p50Ms),
      p90Ms: at(PERCENTILES.p90Ms),
      p95Ms: at(PERCENTILES.p95Ms),
      p99Ms: at(PERCENTILES.p99Ms),
      maxMs: hi,
    };
  }
}

function emptyLatency(): PhaseLatency {
  return { count: 0, minMs: null, meanMs: null, p50Ms: null, p90Ms: null, p95Ms: null, p99Ms: null, maxMs: null };
}

/** Exact nearest-rank percentiles of raw values (sorted ascending in place). */
export function exactLatency(values: number[]): PhaseLatency {
  if (values.length === 0) return emptyLatency();
  values.sort((a, b) => a - b);
  const n = values.length;
  const at = (p: number): number => values[Math.max(1, Math.ceil(p * n)) - 1] as number;
  let sum = 0;
  for (const v of values) sum += v;
  return {
    count: n,
    minMs: values[0] as number,
    meanMs: sum / n,
    p50Ms: at(PERCENTILES.p50Ms),
    p90Ms: at(PERCENTILES.p90Ms),
    p95Ms: at(PERCENTILES.p95Ms),
    p99Ms: at(PERCENTILES.p99Ms),
    maxMs: values[n - 1] as number,
  };
}
