// Postgres result writes through the Store API as the daemon's batcher does them: batches of
// 1,000 (one unnest INSERT each), one flush at a time, for a fixed time; reports results/s
// and the flush-time percentiles. Results vary like a fleet (10,000 targets, TLS info, some
// failures). Run: node --import tsx bench/storage/pg-writes.bench.ts [seconds] [batch] [concurrency]
//   env VIGIL_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test); schema vigil_bench_writes (dropped first)
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import type { StoredResult } from '../../src/storage/store.js';
import { httpResult, tcpRefused } from '../../test/storage/store.fixtures.js';

const SECONDS = Number(process.argv[2] ?? 20);
const BATCH = Number(process.argv[3] ?? 1_000);
const CONCURRENCY = Number(process.argv[4] ?? 1);
const BASE = process.env.VIGIL_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = 'vigil_bench_writes';

const admin = new pg.Client({ connectionString: BASE });
await admin.connect();
await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
const store = await openPostgresStore({ url: `${BASE}?schema=${SCHEMA}` });
let n = 0;
const now = Date.now();
function nextBatch(): StoredResult[] {
  const out: StoredResult[] = [];
  for (let i = 0; i < BATCH; i += 1, n += 1) {
    const id = `t${n % 10_000}`;
    const at = now + Math.floor(n / 10_000) * 60_000 + (n % 10_000) * 6;
    out.push(n % 20 === 0 ? tcpRefused(at, id) : httpResult(at, { targetId: id, ttfbMs: 5 + (n % 97), status: n % 50 === 1 ? 'down' : 'up' }));
  }
  return out;
}
const flushMs: number[] = [];
const endAt = performance.now() + SECONDS * 1_000;
const started = performance.now();
let written = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < endAt) {
      const batch = nextBatch();
      const t = performance.now();
      await store.insertResults(batch);
      flushMs.push(performance.now() - t);
      written += batch.length;
    }
  }),
);
const elapsedS = (performance.now() - started) / 1_000;
const sorted = [...flushMs].sort((a, b) => a - b);
const at = (p: number) => (sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1] as number).toFixed(1);
const size = await store.sizeReport();
console.log(`${new Date().toISOString()}  node ${process.version}  ${cpus().length} CPUs  load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`${written.toLocaleString('en')} results in ${elapsedS.toFixed(1)} s = ${Math.round(written / elapsedS).toLocaleString('en')} results/s (batch ${BATCH}, ${CONCURRENCY} flush(es) at a time, ${flushMs.length} flushes)`);
console.log(`flush ms: p50 ${at(0.5)}  p90 ${at(0.9)}  p99 ${at(0.99)}  max ${Math.max(...flushMs).toFixed(1)}; stored ${size.rawResults.toLocaleString('en')} rows, ${(size.fileBytes / 2 ** 20).toFixed(0)} MiB`);
await store.close();
await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
await admin.end();
