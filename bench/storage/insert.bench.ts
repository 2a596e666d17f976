// Storage micro-benchmark: one-transaction batch inserts of 100 / 1,000 / 10,000 results
// into a real SQLite file (WAL, synchronous=NORMAL), in-thread; then the same 1,000-row
// batch through the worker-thread store, reporting how long the *calling* thread is busy
// (structured clone + postMessage) versus the whole round trip.
// Run: node --import tsx bench/storage/insert.bench.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench, do_not_optimize, group, run, summary } from 'mitata';
import { openSyncSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { openWorkerSqliteStore } from '../../src/storage/sqlite/worker-store.js';
import type { StoredResult } from '../../src/storage/store.js';
import { httpResult } from '../../test/storage/store.fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
let clock = 1_700_000_000_000;

function batchOf(n: number): StoredResult[] {
  return Array.from({ length: n }, (_, i) => httpResult(clock++, { targetId: `t${i % 1000}`, ttfbMs: 5 + (i % 50) }));
}

const store = openSyncSqliteStore({ path: join(dir, 'bench.db') });
summary(() => {
  group('batch insert, in-thread (one transaction per batch)', () => {
    for (const size of [100, 1_000, 10_000]) {
      bench(`${size} results`, function* () {
        yield {
          [0]: () => batchOf(size),
          bench: (batch: StoredResult[]) => do_not_optimize(store.insertResults(batch)),
        };
      });
    }
  });
});
await run();
store.close();

// worker path: calling-thread cost vs round trip, 50 batches of 1,000
const worker = await openWorkerSqliteStore({ path: join(dir, 'worker.db') });
const callMs: number[] = [];
const roundTripMs: number[] = [];
for (let i = 0; i < 50; i += 1) {
  const batch = batchOf(1_000);
  const t0 = performance.now();
  const pending = worker.insertResults(batch);
  callMs.push(performance.now() - t0);
  await pending;
  roundTripMs.push(performance.now() - t0);
}
await worker.close();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
console.log(`\nworker store, 1,000-row batch: calling thread busy ${median(callMs).toFixed(2)} ms (median), round trip ${median(roundTripMs).toFixed(2)} ms (median)`);
rmSync(dir, { recursive: true, force: true });
