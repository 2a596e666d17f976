import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/**
 * Latency histograms in microseconds, 3 significant digits, 1 µs to 1 hour: fixed memory
 * (a few hundred KB) however long the run, and mergeable across shards via the compressed
 * HdrHistogram encoding.
 */
const HIGHEST_US = 3_600_000_000;

export function newLatencyHistogram(): Histogram {
  return build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, autoResize: false });
}

/**
 * The per-window histograms of an open-loop run (one per window, hundreds in a long ramp):
 * 2 significant digits (1 % resolution) keep each to a few KB; percentiles of a window are
 * read only to find the knee.
 */
export function newWindowHistogram(): Histogram {
  return build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 2, autoResize: false });
}

export function recordMs(histogram: Histogram, ms: number): void {
  const us = Math.round(ms * 1000);
  histogram.recordValue(us < 1 ? 1 : us > HIGHEST_US ? HIGHEST_US : us);
}

export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

export function mergeEncoded(encoded: readonly string[], make: () => Histogram = newLatencyHistogram): Histogram {
  const merged = make();
  for (const text of encoded) {
    const part = decodeFromCompressedBase64(text);
    merged.add(part);
    part.destroy();
  }
  return merged;
}

/** Value at a percentile in ms (µs resolution); null for an empty histogram. */
export function percentileMs(histogram: Histogram, percentile: number): number | null {
  if (histogram.totalCount === 0) return null;
  return histogram.getValueAtPercentile(percentile) / 1000;
}

export function maxMs(histogram: Histogram): number | null {
  return histogram.totalCount === 0 ? null : histogram.maxValue / 1000;
}
