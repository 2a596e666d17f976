// What a cluster node's sync round reads when the targets token moved (docs/cluster.md, "Only
// what changed is read"): the whole list, as every round did before migration 13, next to only
// the rows written since the last read, after one target changed. Real Postgres, N targets in a
// schema of its own; 5 rounds, each: the whole list, one update, the changes since the round
// before. Prints the medians and every round.
// Run: node --import tsx bench/cluster/target-changes-cost.ts [targets]
//   env VIGIL_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test); schema dropped after
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { readTargetChanges } from '../../src/storage/postgres/pg-targets-repo.js';
import { httpTarget } from '../../test/storage/store.fixtures.js';

const TARGETS = Number(process.argv[2] ?? 100_000);
const ROUNDS = 5;
const BASE = process.env.VIGIL_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `vigil_bench_target_changes_${process.pid}`;
if (!Number.isInteger(TARGETS) || TARGETS < 1 || TARGETS > 1_000_000) {
  console.error('usage: target-changes-cost.ts [targets 1..1000000]');
  process.exit(2);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

console.log(`${new Date().toISOString()} · node ${process.version} · ${cpus().length} CPUs · load ${loadavg().map((l) => l.toFixed(2)).join(' ')} · ${TARGETS} targets`);
const store = await openPostgresStore({ url: `${BASE}?schema=${SCHEMA}` });
try {
  for (let i = 0; i < TARGETS; i += 10_000) await store.upsertTargets(Array.from({ length: Math.min(10_000, TARGETS - i) }, (_, j) => httpTarget(`t${i + j}`)), 1_000);
  const whole: number[] = [];
  const changed: number[] = [];
  let since = (await readTargetChanges(store.pool, null)).xmin;
  for (let round = 0; round < ROUNDS; round++) {
    let t0 = performance.now();
    const all = await readTargetChanges(store.pool, null);
    whole.push(performance.now() - t0);
    await store.updateTarget(`t${round * 7}`, { name: `renamed ${round}` }, 2_000 + round);
    t0 = performance.now();
    const delta = await readTargetChanges(store.pool, since);
    changed.push(performance.now() - t0);
    since = delta.xmin;
    if (all.records.length !== TARGETS || delta.records.length !== 1) throw new Error(`read ${all.records.length} and ${delta.records.length} rows, expected ${TARGETS} and 1`);
  }
  console.log(`whole list:          ${median(whole).toFixed(1)} ms median (${whole.map((x) => x.toFixed(1)).join(', ')})`);
  console.log(`changes (1 target):  ${median(changed).toFixed(1)} ms median (${changed.map((x) => x.toFixed(1)).join(', ')})`);
} finally {
  await store.close();
  const admin = new pg.Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin.end();
}
