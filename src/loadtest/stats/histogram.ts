import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/**
 * Latency histograms in microseconds, 3 significant digits, 1 µs to 1 hour: fixed memory
 * (a few hundred KB) however long the run, and mergeable across shards via the compressed
 * HdrHistogram encoding.
 */
const HIGHEST_US = 3_600_000_000;
const LATENCY_DIGITS = 3;
const WINDOW_DIGITS = 2;

export function newLatencyHistogram(): Histogram {
  return build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: LATENCY_DIGITS, autoResize: false });
}

/**
 * The per-window histograms of an open-loop run (one per window, hundreds in a long ramp):
 * 2 significant digits (1 % resolution) keep each to a few KB; percentiles of a window are
 * read only to find the knee.
 */
export function newWindowHistogram(): Histogram {
  return build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: WINDOW_DIGITS, autoResize: false });
}

/** A latency in ms as the histograms' µs value, within their range. */
function toUs(ms: number): number {
  const us = Math.round(ms * 1000);
  return us < 1 ? 1 : us > HIGHEST_US ? HIGHEST_US : us;
}

/**
 * Where the load generator records every completed check (latency and each phase): the
 * counts of an HdrHistogram with the same layout (lowest value 1 µs, so unit magnitude 0),
 * filled with integer arithmetic, and turned into the library's histogram only to encode.
 * hdr-histogram-js's JavaScript `recordValue` takes a log2, two powers and floors per value:
 * 150-200 ns, four values per check, ~15 % of the generator's CPU at 170,000 h2c checks/s.
 * The bucket of a value (HdrHistogram's layout, countsArrayIndex):
 *   bucket = max(0, floor(log2 v) - halfMagnitude), index = (bucket << halfMagnitude) + (v >>> bucket)
 * Values are below 2^32 (HIGHEST_US), so clz32 and >>> are exact.
 */
export class LatencyRecorder {
  private readonly halfMagnitude: number;
  /** counts per HdrHistogram index: doubles, exact past 2^32 checks in one bucket */
  private readonly counts: Float64Array;
  private total = 0;

  constructor(
    significantDigits: number,
    /** a new empty histogram with the same layout (significantDigits, 1 µs to HIGHEST_US) */
    private readonly make: () => Histogram,
  ) {
    // HdrHistogram: subBucketCount = 2^ceil(log2(2 × 10^digits)); half of it per bucket above the first.
    this.halfMagnitude = Math.ceil(Math.log2(2 * 10 ** significantDigits)) - 1;
    this.counts = new Float64Array(this.indexOf(HIGHEST_US) + 1);
  }

  get totalCount(): number {
    return this.total;
  }

  recordMs(ms: number): void {
    const index = this.indexOf(toUs(ms));
    this.counts[index] = (this.counts[index] as number) + 1;
    this.total++;
  }

  /** The same counts in a new histogram of the library (destroy it when done). */
  toHistogram(): Histogram {
    const histogram = this.make();
    const half = 1 << this.halfMagnitude;
    const counts = this.counts;
    for (let index = 0; index < counts.length; index++) {
      const count = counts[index] as number;
      if (count === 0) continue;
      // The lowest value of the index's bucket (HdrHistogram's valueFromIndex).
      let bucket = (index >> this.halfMagnitude) - 1;
      let subBucket = (index & (half - 1)) + half;
      if (bucket < 0) {
        subBucket -= half;
        bucket = 0;
      }
      histogram.recordValueWithCount(subBucket * 2 ** bucket, count);
    }
    return histogram;
  }

  private indexOf(us: number): number {
    const bucket = Math.max(0, 31 - Math.clz32(us) - this.halfMagnitude);
    return (bucket << this.halfMagnitude) + (us >>> bucket);
  }
}

/** Records what `newLatencyHistogram` would hold. */
export function newLatencyRecorder(): LatencyRecorder {
  return new LatencyRecorder(LATENCY_DIGITS, newLatencyHistogram);
}

/** Records what `newWindowHistogram` would hold. */
export function newWindowRecorder(): LatencyRecorder {
  return new LatencyRecorder(WINDOW_DIGITS, newWindowHistogram);
}

export function encodeRecorder(recorder: LatencyRecorder): string {
  const histogram = recorder.toHistogram();
  try {
    return encodeIntoCompressedBase64(histogram);
  } finally {
    histogram.destroy();
  }
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
