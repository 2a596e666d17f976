import type { BenchRow } from './bench-types.js';
import { rangeRow } from './stats.js';

export interface BatchResult {
  /** process CPU (user + system, all threads) per call, µs */
  readonly cpuUsPerCall: number;
  readonly callsPerSec: number;
  readonly failures: number;
}

/**
 * Runs `count` calls of `fn` with at most `concurrency` in flight and measures this process's
 * CPU around the whole batch. A rejected or false call counts as a failure, never throws.
 */
export async function runBatch(fn: () => Promise<boolean>, count: number, concurrency: number): Promise<BatchResult> {
  let started = 0;
  let failures = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++;
      try {
        if (!(await fn())) failures++;
      } catch {
        failures++;
      }
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuUsPerCall: (cpu.user + cpu.system) / count, callsPerSec: (count / wallMs) * 1000, failures };
}

/** Something that runs one measured batch (isolated.ts: a variant in a child process of its own). */
export interface BatchRunner {
  readonly name: string;
  run(count: number, concurrency: number): Promise<BatchResult>;
}

export interface InterleaveOptions {
  readonly count: number;
  readonly concurrency: number;
  readonly rounds: number;
  /** checks per variant in the discarded warm-up batch (default: count) */
  readonly warmup?: number;
  log: (line: string) => void;
}

/**
 * Interleaves the variants (A B C, C B A, A B C …) for `rounds` rounds after one discarded
 * warm-up batch of `warmupCount` checks each, so a noisy neighbour hits every variant alike.
 * Two rows per variant: CPU µs per check and checks/s, median and min–max over the rounds.
 * The compare benches run each variant in a process of its own (isolated.ts).
 */
export async function interleavedRunners(
  bench: string,
  variants: readonly BatchRunner[],
  warmupCount: number,
  how: string,
  opts: InterleaveOptions,
): Promise<BenchRow[]> {
  for (const v of variants) await v.run(warmupCount, opts.concurrency);
  const results = new Map<string, BatchResult[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < opts.rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) results.get(v.name)?.push(await v.run(opts.count, opts.concurrency));
  }
  const note = `${opts.count} checks/batch after ${warmupCount} to warm up, ${opts.concurrency} in flight, ${opts.rounds} ${how}`;
  return variants.flatMap((v) => {
    const runs = results.get(v.name) ?? [];
    const failures = runs.reduce((sum, r) => sum + r.failures, 0);
    const cpu = rangeRow({ bench, variant: v.name, metric: 'cpu', unit: 'µs CPU/check', isHigherBetter: false, failures, note }, runs.map((r) => r.cpuUsPerCall));
    const rate = rangeRow({ bench, variant: v.name, metric: 'rate', unit: 'checks/s', isHigherBetter: true, failures, note }, runs.map((r) => r.callsPerSec));
    opts.log(`  ${bench}/${v.name}: ${cpu.median.toFixed(1)} µs CPU/check [${cpu.lo.toFixed(1)}–${cpu.hi.toFixed(1)}], ${rate.median.toFixed(0)} checks/s${failures > 0 ? `, ${failures} FAILED` : ''}`);
    return [cpu, rate];
  });
}
