/**
 * Bytes of JS heap each pooled h2c check keeps alive while it is in flight: the number that
 * decides the load generator's garbage-collection cost at 50,000 workers (every in-flight
 * check's objects outlive several scavenges and are copied and promoted; docs/performance.md).
 *
 *   npm run build && node --expose-gc dist/bench/executor/in-flight-retained.js [checks] [snapshot.heapsnapshot]
 *
 * Starts the load test's h2 mocks with a 4 s response delay, opens the sessions, then starts
 * `checks` (default 20,000) checks and measures the heap after a full GC while all of them
 * wait for their answers: first through `executeCheck` (a promise per check, as the daemon
 * runs them), then through `startCheck` with one `done` object for all (as the load
 * generator's workers do). Optionally writes a heap snapshot during the second round (group
 * it by constructor to see which objects a check keeps).
 */
import { writeHeapSnapshot } from 'node:v8';
import { buildClients, executeCheck, startCheck, type Clients } from '../../src/check/index.js';
import type { CheckResult } from '../../src/domain/check-result.js';
import { defineHttpCheck, type HttpCheckSpec } from '../../src/domain/check-spec.js';
import { startMockHost } from '../../src/loadtest/mock-servers/mock-host.js';

const DELAY_MS = 4_000;
const SETTLE_MS = 1_500;

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  const count = Number(process.argv[2] ?? 20_000);
  if (!Number.isInteger(count) || count < 1) throw new Error(`checks: expected a positive integer, got ${process.argv[2]}`);
  const mocks = await startMockHost({ count: 16, http2: true, tls: null, delayMs: { minMs: DELAY_MS, maxMs: DELAY_MS }, faults: [], slowMs: DELAY_MS * 2 });
  const clients: Clients = buildClients({ allowPrivateTargets: true });
  const specs = mocks.urls.map((url) => defineHttpCheck({ url, expectStatus: 200, timeoutMs: DELAY_MS * 2, connection: 'pooled', http2: 'prior-knowledge' }));
  try {
    // one check per origin first: the sessions (and the code) exist before the measurement
    await Promise.all(specs.map((spec) => executeCheck(spec, clients)));
    await measure('executeCheck', count, null, (i) => executeCheck(specs[i % specs.length] as HttpCheckSpec, clients));
    let told = 0;
    let whenAllTold: (results: CheckResult[]) => void = () => undefined;
    const results: CheckResult[] = [];
    const done = {
      checkDone(result: CheckResult): void {
        results.push(result);
        if (++told === count) whenAllTold(results);
      },
    };
    const allTold = new Promise<CheckResult[]>((resolve) => (whenAllTold = resolve));
    await measure('startCheck', count, process.argv[3] ?? null, (i) => {
      startCheck(specs[i % specs.length] as HttpCheckSpec, clients, {}, done);
      return i === count - 1 ? allTold : null;
    });
  } finally {
    await clients.close();
    await mocks.close();
  }
}

/** Starts `count` checks, measures the heap once they all wait, then awaits them (all must be up). */
async function measure(how: string, count: number, snapshotPath: string | null, start: (i: number) => Promise<CheckResult | CheckResult[]> | null): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc as () => void;
  gc();
  gc();
  const beforeBytes = process.memoryUsage().heapUsed;
  const running = Array.from({ length: count }, (_, i) => start(i)).filter((p) => p !== null);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  gc();
  gc();
  const afterBytes = process.memoryUsage().heapUsed;
  console.log(`${count} pooled h2c checks in flight (${how}): ${((afterBytes - beforeBytes) / count).toFixed(0)} bytes of JS heap each (heap used ${(afterBytes / 1048576).toFixed(1)} MiB)`);
  if (snapshotPath !== null) console.log(`heap snapshot: ${writeHeapSnapshot(snapshotPath)}`);
  const results = (await Promise.all(running)).flat();
  const up = results.filter((r) => r.status === 'up').length;
  if (up !== count) throw new Error(`${count - up} of ${count} checks were not up: ${JSON.stringify(results.find((r) => r.status !== 'up'))}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
