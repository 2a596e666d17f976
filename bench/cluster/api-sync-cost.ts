// What the cluster read-through costs per API request (docs/cluster.md, "Shared reads"): on a
// Postgres node every target endpoint first waits for a sync round (one token query over
// `targets` and `maintenance_windows`); one node on SQLite answers from memory. This runs a
// real `vigil serve` each way with the same N disabled config targets (no checks run: the
// API alone), then a closed loop of GET /api/v1/targets/{id} (random id) with C requests in
// flight, R requests per round, the modes interleaved over 3 rounds after a warm-up round, and
// prints requests/s and p50/p99 per mode and round, then the sync token query timed alone.
// Run: node --import tsx bench/cluster/api-sync-cost.ts [targets] [concurrency] [requests]
//   env VIGIL_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test); schema dropped after
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SYNC_TOKEN_SQL } from '../../src/cluster/target-sync.js';

const arg = (i: number, fallback: number): number => Number(process.argv[i] ?? fallback);
const [TARGETS, CONCURRENCY, REQUESTS] = [arg(2, 1_000), arg(3, 8), arg(4, 4_000)];
const ROUNDS = 3;
const BASE = process.env.VIGIL_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `vigil_bench_api_sync_${process.pid}`;
const TOKEN = 'bench-api-sync-token-0123456789abcdef';
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const log = (s: string) => process.stdout.write(`${s}\n`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-api-sync-'));
const config = join(dir, 'vigil.yaml');
const lines = ['defaults:', '  allowPrivateTargets: true', '  interval: 1h', 'targets:'];
for (let i = 0; i < TARGETS; i += 1) lines.push(`  - { id: t${i}, name: target ${i}, enabled: false, check: { url: "http://127.0.0.1:9/t${i}" } }`);
writeFileSync(config, `${lines.join('\n')}\n`);

interface Running { child: ChildProcess; api: string }
function serve(name: string, extra: string[]): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', config, '--port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VIGIL_API_TOKEN: TOKEN },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${out}`)), 120_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /API on (http:\/\/\S+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ child, api: m[1] as string });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${name} exited ${code}:\n${out}`)));
  });
}

async function ready(api: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(`${api}/api/v1/targets/t${TARGETS - 1}`, { headers: { authorization: `Bearer ${TOKEN}` } }).catch(() => null);
    if (res?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${api} never answered 200 for t${TARGETS - 1}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(p * s.length)) - 1] as number;
}

/** R requests, C in flight; every answer must be a 200 */
async function round(api: string): Promise<{ rps: number; p50: number; p99: number }> {
  const ms: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS) {
      next += 1;
      const id = `t${Math.floor(Math.random() * TARGETS)}`;
      const t = performance.now();
      const res = await fetch(`${api}/api/v1/targets/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`GET ${id}: ${res.status}`);
      ms.push(performance.now() - t);
    }
  }));
  return { rps: REQUESTS / ((performance.now() - t0) / 1000), p50: pct(ms, 0.5), p99: pct(ms, 0.99) };
}

const admin = new pg.Client({ connectionString: BASE });
await admin.connect();
const nodes: Record<string, Running> = {};
try {
  nodes['one node (SQLite)'] = await serve('sqlite', ['--data-dir', join(dir, 'data')]);
  nodes['cluster node (Postgres)'] = await serve('postgres', ['--store', `${BASE}?schema=${SCHEMA}`]);
  for (const n of Object.values(nodes)) await ready(n.api);
  log(`${new Date().toISOString()}  node ${process.version}  ${cpus().length} CPUs  load: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  log(`GET /api/v1/targets/{random id}, ${TARGETS} targets (disabled: no checks), ${CONCURRENCY} in flight, ${REQUESTS} requests per round\n`);
  log('| mode | round | requests/s | p50 ms | p99 ms |\n|---|---|---|---|---|');
  for (const n of Object.values(nodes)) await round(n.api); // warm-up, not shown
  for (let r = 1; r <= ROUNDS; r += 1) {
    const order = r % 2 === 1 ? Object.entries(nodes) : Object.entries(nodes).reverse();
    for (const [name, n] of order) {
      const x = await round(n.api);
      log(`| ${name} | ${r} | ${Math.round(x.rps)} | ${x.p50.toFixed(1)} | ${x.p99.toFixed(1)} |`);
    }
  }
  // the statement each sync round runs, alone (what a round costs the database)
  await admin.query(`SET search_path = ${SCHEMA}`);
  const tokenMs: number[] = [];
  for (let i = 0; i < 50; i += 1) {
    const t = performance.now();
    await admin.query(SYNC_TOKEN_SQL);
    tokenMs.push(performance.now() - t);
  }
  log(`\nthe sync token query alone (${TARGETS} targets, 50 runs): p50 ${pct(tokenMs, 0.5).toFixed(1)} ms, p99 ${pct(tokenMs, 0.99).toFixed(1)} ms`);
  log(`load at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  for (const n of Object.values(nodes)) n.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 2_000));
  for (const n of Object.values(nodes)) if (n.child.exitCode === null) n.child.kill('SIGKILL');
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
