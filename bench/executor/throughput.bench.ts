/**
 * c checks started at once and awaited together, c ∈ {100, 1000, 10000} (and 50000 for
 * pooled h2c), against servers in a child process. With the server elsewhere a fresh
 * HTTP/1.1 check holds one fd here, so 10,000 stay under the 20,000-fd limit per process.
 * The check budget is 60 s, not the default 10 s: pooled h2c queues checks beyond
 * 1,000 streams per session, and on this shared 2-core machine the tail of a 50,000 burst
 * waits longer than 10 s — that would measure timeouts, not throughput.
 */
const BURST_TIMEOUT_MS = 60_000;
import { executeCheck, type Clients } from '../../src/check/index.js';
import type { HttpCheckSpec } from '../../src/domain/check-spec.js';
import type { BenchDefinition, BenchRow } from '../harness/bench-types.js';
import { rangeRow } from '../harness/stats.js';
import { startRemoteTargets } from '../targets/remote-targets.js';
import { executorSetup } from './setup.js';

interface Burst {
  readonly variant: string;
  readonly spec: HttpCheckSpec;
  readonly concurrency: number;
}

interface BurstResult {
  cpuUsPerCheck: number;
  checksPerSec: number;
  failures: number;
  kinds: Set<string>;
}

async function runBurst(spec: HttpCheckSpec, clients: Clients, concurrency: number): Promise<BurstResult> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: concurrency }, () => executeCheck(spec, clients)));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const failed = results.filter((r) => r.status !== 'up');
  return {
    cpuUsPerCheck: (cpu.user + cpu.system) / concurrency,
    checksPerSec: (concurrency / wallMs) * 1000,
    failures: failed.length,
    kinds: new Set(failed.map((r) => r.errorKind ?? r.status)),
  };
}

export const THROUGHPUT_BENCH: BenchDefinition = {
  name: 'executor/throughput',
  question: 'How many checks per second, and how much CPU per check, when c checks are in flight at once?',
  async run(ctx) {
    const targets = await startRemoteTargets();
    const setup = executorSetup(targets, { timeoutMs: BURST_TIMEOUT_MS });
    const sizes = ctx.isQuick ? [10] : [100, 1_000, 10_000];
    const bursts: Burst[] = [
      ...sizes.map((c) => ({ variant: `http1-fresh-c${c}`, spec: setup.http1Fresh, concurrency: c })),
      ...[...sizes, ...(ctx.isQuick ? [] : [50_000])].map((c) => ({ variant: `h2c-pooled-c${c}`, spec: setup.h2cPooled, concurrency: c })),
    ];
    const rounds = ctx.isQuick ? 1 : 3;
    const results = new Map<string, BurstResult[]>(bursts.map((b) => [b.variant, []]));
    try {
      for (const b of bursts) await runBurst(b.spec, setup.clients, Math.min(b.concurrency, 1_000)); // warm-up
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? bursts : [...bursts].reverse();
        for (const b of order) results.get(b.variant)?.push(await runBurst(b.spec, setup.clients, b.concurrency));
      }
    } finally {
      await setup.clients.close();
      await targets.close();
    }
    return bursts.flatMap((b): BenchRow[] => {
      const runs = results.get(b.variant) ?? [];
      const failures = runs.reduce((sum, r) => sum + r.failures, 0);
      const kinds = [...new Set(runs.flatMap((r) => [...r.kinds]))];
      const extra = { failures, note: `${b.concurrency} at once, ${rounds} interleaved rounds${kinds.length > 0 ? `; failures: ${kinds.join(', ')}` : ''}` };
      const bench = 'executor/throughput';
      const cpu = rangeRow({ bench, variant: b.variant, metric: 'cpu', unit: 'µs CPU/check', isHigherBetter: false, ...extra }, runs.map((r) => r.cpuUsPerCheck));
      const rate = rangeRow({ bench, variant: b.variant, metric: 'rate', unit: 'checks/s', isHigherBetter: true, ...extra }, runs.map((r) => r.checksPerSec));
      ctx.log(`  ${bench}/${b.variant}: ${rate.median.toFixed(0)} checks/s [${rate.lo.toFixed(0)}–${rate.hi.toFixed(0)}], ${cpu.median.toFixed(1)} µs CPU/check${failures > 0 ? `, ${failures} FAILED (${kinds.join(', ')})` : ''}`);
      return [cpu, rate];
    });
  },
};
