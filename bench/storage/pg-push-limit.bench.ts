// What the cluster-wide push rate limit costs (docs/heartbeat.md, "Rate limits"): a push on a
// many-node cluster is one statement either way — `appendHeartbeatSignal` (the insert alone,
// as before) or `appendHeartbeatSignalWithin` (the target's bucket upserted and the insert, one
// statement). Alternates the two, `rounds` × `per` calls each, sequential as one node's pushes
// to one target are, spread over `targets` targets with a limit that never refuses (so both
// insert every time). Reports mean, p50 and p99 per call for each.
// Run: node --import tsx bench/storage/pg-push-limit.bench.ts [rounds] [per] [targets]
//   env VIGIL_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test); schema vigil_bench_push_limit (dropped first and after)
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const PER = Number(process.argv[3] ?? 1_000);
const TARGETS = Number(process.argv[4] ?? 100);
const BASE = process.env.VIGIL_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = 'vigil_bench_push_limit';

const admin = new pg.Client({ connectionString: BASE });
await admin.connect();
await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
const store = await openPostgresStore({ url: `${BASE}?schema=${SCHEMA}` });
const plain: number[] = [];
const limited: number[] = [];
const load0 = loadavg()[0] as number;
const limit = { burst: 10_000, refillEveryMs: 1 };
let n = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (const [kind, out] of [['plain', plain], ['limited', limited]] as const) {
    for (let i = 0; i < PER; i++, n++) {
      const signal = { targetId: `t${n % TARGETS}`, type: 'success' as const, exitCode: null, at: Date.now() };
      const t = performance.now();
      if (kind === 'plain') await store.appendHeartbeatSignal(signal);
      else {
        const outcome = await store.appendHeartbeatSignalWithin(signal, limit);
        if (!('appended' in outcome)) throw new Error('the bench limit refused a push');
      }
      out.push(performance.now() - t);
    }
  }
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => (s[Math.max(1, Math.ceil(p * s.length)) - 1] as number).toFixed(3);
  return `mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3)} ms, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`;
};
console.log(`node ${process.version}, ${cpus().length} CPUs, load ${load0.toFixed(1)} -> ${(loadavg()[0] as number).toFixed(1)}, ${new Date().toISOString()}`);
console.log(`appendHeartbeatSignal        (${plain.length} calls): ${stats(plain)}`);
console.log(`appendHeartbeatSignalWithin  (${limited.length} calls): ${stats(limited)}`);
await store.close();
await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
await admin.end();
