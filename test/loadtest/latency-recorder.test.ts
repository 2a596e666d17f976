import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import {
  encodeRecorder,
  maxMs,
  mergeEncoded,
  newLatencyHistogram,
  newLatencyRecorder,
  newWindowHistogram,
  newWindowRecorder,
  percentileMs,
  type LatencyRecorder,
} from '../../src/loadtest/stats/histogram.js';

// The load generator records into its own HdrHistogram-layout counts (integer arithmetic)
// and hands the library a histogram only to encode. The encoding must be exactly what
// recording each value into the library's histogram gives, at every bucket boundary.

/** Latencies in ms: every µs value around each power of two up to past the 1 h cap, the bucket edges, and a log-uniform spread. */
function latenciesMs(): number[] {
  const values: number[] = [0, 0.0001, 0.0004, 0.0005, 0.001, 1.5, 3_600_000, 3_600_001, 10_000_000];
  for (let bit = 0; bit <= 32; bit++) {
    for (const delta of [-2, -1, 0, 1, 2]) values.push((2 ** bit + delta) / 1000);
  }
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < 20_000; i++) values.push(10 ** (random() * 9.5 - 3)); // 1 µs to ~3,000 s
  return values;
}

function recordBoth(recorder: LatencyRecorder, histogram: Histogram, values: readonly number[]): void {
  for (const ms of values) {
    recorder.recordMs(ms);
    const us = Math.round(ms * 1000);
    histogram.recordValue(us < 1 ? 1 : us > 3_600_000_000 ? 3_600_000_000 : us);
  }
}

describe('LatencyRecorder (the load generator\'s per-check histograms)', () => {
  for (const [name, makeRecorder, makeHistogram] of [
    ['3 significant digits (latency, phases)', newLatencyRecorder, newLatencyHistogram],
    ['2 significant digits (open-loop windows)', newWindowRecorder, newWindowHistogram],
  ] as const) {
    it(`${name}: encodes exactly as hdr-histogram-js recording the same values`, () => {
      const values = latenciesMs();
      const recorder = makeRecorder();
      const histogram = makeHistogram();
      try {
        recordBoth(recorder, histogram, values);
        assert.equal(recorder.totalCount, values.length);
        const ours = encodeRecorder(recorder);
        assert.equal(ours, encodeIntoCompressedBase64(histogram));
        // What the report reads: percentiles of the decoded histogram (the max is the top of
        // its bucket after a round trip, whoever recorded it).
        const decoded = mergeEncoded([ours], makeHistogram);
        try {
          assert.equal(decoded.totalCount, values.length);
          for (const p of [0, 50, 90, 99, 99.9]) assert.equal(percentileMs(decoded, p), percentileMs(histogram, p), `p${p}`);
          assert.ok((maxMs(decoded) as number) >= 3_600_000, 'values over the cap are recorded at the cap');
        } finally {
          decoded.destroy();
        }
      } finally {
        histogram.destroy();
      }
    });
  }

  it('an empty recorder encodes an empty histogram', () => {
    const decoded = mergeEncoded([encodeRecorder(newLatencyRecorder())]);
    try {
      assert.equal(decoded.totalCount, 0);
      assert.equal(percentileMs(decoded, 99), null);
    } finally {
      decoded.destroy();
    }
  });
});
