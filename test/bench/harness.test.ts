import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareWithBaseline, mergeRuns, MIN_NOISE_PCT } from '../../bench/harness/baseline.js';
import type { BenchReport, BenchRow } from '../../bench/harness/bench-types.js';
import { parseBenchArgs, UsageError } from '../../bench/harness/cli-args.js';
import { interleavedRunners, type BatchResult, type BatchRunner } from '../../bench/harness/cpu-batch.js';
import { computeRatios } from '../../bench/harness/ratios.js';
import { rangeRow } from '../../bench/harness/stats.js';
import { BENCHES, selectBenches } from '../../bench/registry.js';

/** `id` is "<bench>/<variant>/<metric>" with a two-part bench name, as the real rows are. */
function row(id: string, median: number, lo: number, hi: number, isHigherBetter = false): BenchRow {
  const [group, name, variant = '', metric = ''] = id.split('/');
  return { id, bench: `${group}/${name}`, variant, metric, unit: 'µs CPU/check', median, lo, hi, spreadKind: 'range', samples: 5, isHigherBetter };
}

function report(rows: BenchRow[]): BenchReport {
  const environment = { node: 'v20.20.2', cpuModel: 'x', cpuCount: 2, platform: 'linux', date: '2026-01-01T00:00:00.000Z', loadAverage: [0] };
  return { environment, isQuick: false, rows, ratios: [] };
}

describe('bench baseline', () => {
  it('merges runs into the median of medians, with the runs’ disagreement as noise', () => {
    const merged = mergeRuns([report([row('a/x/cpu', 100, 99, 101)]), report([row('a/x/cpu', 110, 109, 111)]), report([row('a/x/cpu', 104, 103, 105)])]);
    assert.equal(merged.runs, 3);
    assert.equal(merged.rows[0]?.median, 104);
    // 110 strays 5.77 % from 104; each run's own half-spread is ~1 %
    assert.ok(Math.abs((merged.rows[0]?.noisePct ?? 0) - (6 / 104) * 100) < 1e-9);
  });

  it('marks only changes beyond the noise, in the direction the unit means', () => {
    const baseline = mergeRuns([report([row('a/x/cpu', 100, 98, 102), row('a/x/rate', 1000, 990, 1010, true)])]);
    const [same, slowerCpu] = [
      compareWithBaseline([row('a/x/cpu', 102, 101, 103)], baseline)[0],
      compareWithBaseline([row('a/x/cpu', 120, 119, 121)], baseline)[0],
    ];
    assert.equal(same?.verdict, 'within-noise');
    assert.equal(same?.thresholdPct, MIN_NOISE_PCT);
    assert.equal(slowerCpu?.verdict, 'slower');
    assert.equal(compareWithBaseline([row('a/x/rate', 1200, 1190, 1210, true)], baseline)[0]?.verdict, 'faster');
    assert.equal(compareWithBaseline([row('a/x/rate', 800, 790, 810, true)], baseline)[0]?.verdict, 'slower');
    // a noisy current run widens the threshold: ±25 % spread hides a 20 % move
    assert.equal(compareWithBaseline([row('a/x/cpu', 120, 90, 140)], baseline)[0]?.verdict, 'within-noise');
    assert.equal(compareWithBaseline([row('b/y/cpu', 1, 1, 1)], baseline)[0]?.verdict, 'new');
  });

  it('computes the goal ratios only from rows measured in the run', () => {
    const rows = [row('compare/http1/ours-fresh/cpu', 120, 110, 130), row('compare/http1/raw-socket/cpu', 100, 95, 105)];
    const [ratio, ...rest] = computeRatios(rows);
    assert.equal(rest.length, 0);
    assert.equal(ratio?.ratio, 1.2);
    assert.equal(ratio?.isMet, true);
    assert.equal(ratio?.method, 'medians');
    assert.ok(Math.abs((ratio?.lo ?? 0) - 110 / 105) < 1e-12 && Math.abs((ratio?.hi ?? 0) - 130 / 95) < 1e-12);
  });

  it('pairs rows measured in the same interleaved rounds: the median of the per-round ratios', () => {
    // Noisy rounds (3 and 5) move one side more than the other; the ratio of the medians
    // (130/110 = 1.18) feels them, the per-round ratios are 1.1 in three rounds of five.
    const ours = rangeRow({ bench: 'compare/http1', variant: 'ours-fresh', metric: 'cpu', unit: 'µs', isHigherBetter: false }, [110, 132, 300, 121, 130]);
    const floor = rangeRow({ bench: 'compare/http1', variant: 'raw-socket', metric: 'cpu', unit: 'µs', isHigherBetter: false }, [100, 120, 150, 110, 90]);
    assert.deepEqual(ours.rounds, [110, 132, 300, 121, 130]);
    const [ratio] = computeRatios([ours, floor]);
    assert.equal(ratio?.method, 'paired');
    assert.ok(Math.abs((ratio?.ratio ?? 0) - 1.1) < 1e-12, String(ratio?.ratio));
    assert.ok(Math.abs((ratio?.lo ?? 0) - 1.1) < 1e-12);
    assert.ok(Math.abs((ratio?.hi ?? 0) - 2) < 1e-12);
    assert.equal(ratio?.isMet, true);
  });
});

describe('bench command line', () => {
  it('parses the flags', () => {
    const args = parseBenchArgs(['--quick', '--filter', 'micro,compare/h2c', '--filter', 'executor', '--json', 'out.json', '--baseline', 'bench/baseline.json']);
    assert.deepEqual(args, {
      jsonPath: 'out.json',
      baselinePath: 'bench/baseline.json',
      filters: ['micro', 'compare/h2c', 'executor'],
      isQuick: true,
      isList: false,
      isHelp: false,
      mergePaths: [],
    });
  });

  it('names the flag and the accepted form for bad input', () => {
    assert.throws(() => parseBenchArgs(['--fast']), (e: unknown) => e instanceof UsageError && /^Unknown option '--fast'/.test(e.message));
    assert.throws(() => parseBenchArgs(['--json']), (e: unknown) => e instanceof UsageError && /--json/.test(e.message));
    assert.throws(() => parseBenchArgs(['--filter', 'a,,b']), { message: '--filter: expected bench names separated by commas (see --list)' });
    assert.throws(() => parseBenchArgs(['--merge', 'a.json']), { message: '--merge: expected at least two run files separated by commas' });
    assert.throws(() => parseBenchArgs(['--merge', 'a.json,b.json']), { message: '--merge: also give --json <file> for the merged baseline' });
  });

  it('selects benches by substring and refuses a filter that matches none', () => {
    assert.deepEqual(selectBenches(['micro/classify']).map((b) => b.name), ['micro/classify']);
    assert.deepEqual(selectBenches(['single-call']).map((b) => b.name), ['executor/single-call-1c', 'executor/single-call-2c']);
    assert.equal(selectBenches([]).length, BENCHES.length);
    assert.throws(() => selectBenches(['no-such-bench']), { message: '--filter: no bench name contains no-such-bench (see --list)' });
  });
});

describe('interleaved rounds', () => {
  /** A runner whose nth batch costs costs[n] µs per call; it records the batch sizes it was asked for. */
  function runner(name: string, costs: number[]): BatchRunner & { sizes: number[] } {
    const sizes: number[] = [];
    return {
      name,
      sizes,
      run: (count): Promise<BatchResult> => {
        sizes.push(count);
        return Promise.resolve({ cpuUsPerCall: costs[sizes.length - 1] ?? NaN, callsPerSec: 1, failures: 0 });
      },
    };
  }

  it('runs one warm-up batch of its own size per variant first and leaves it out of the rows', async () => {
    // The warm-up batch is 10× dearer (a cold process); the three measured rounds cost 100, 110, 120.
    const a = runner('a', [1000, 100, 110, 120]);
    const b = runner('b', [2000, 50, 55, 60]);
    const lines: string[] = [];
    const rows = await interleavedRunners('compare/x', [a, b], 3000, 'test', { count: 300, concurrency: 8, rounds: 3, log: (line) => lines.push(line) });
    assert.deepEqual(a.sizes, [3000, 300, 300, 300]);
    assert.deepEqual(b.sizes, [3000, 300, 300, 300]);
    const cpuA = rows.find((r) => r.variant === 'a' && r.metric === 'cpu');
    assert.deepEqual([cpuA?.median, cpuA?.lo, cpuA?.hi], [110, 100, 120]);
    assert.equal(rows.find((r) => r.variant === 'b' && r.metric === 'cpu')?.hi, 60);
    assert.match(cpuA?.note ?? '', /^300 checks\/batch after 3000 to warm up, 8 in flight, 3 test$/);
    assert.equal(lines.length, 2);
  });
});
