// The status overview's store time (issue 14): the uptime figures (24 h, 7 d, 30 d, 90 d) of
// 60 targets, and everything the page asks the store (figures and 90 daily bars per target, the
// last 6 h of timings of all in one recentTimings call; bars and the 6 h alone, the 6 h both as
// the one call and as the per-target queryResults pages the page used before, checked to give
// the same latency series), on a real SQLite file through the worker store the daemon uses.
//
//   node --import tsx bench/storage/status-uptime.ts seed <dir> [targets=60] [days=7] [intervalS=30]
//   node --import tsx bench/storage/status-uptime.ts measure <dir> [rounds=15]
//   env VIGIL_BENCH_PG_URL=postgres://…: the same against Postgres, schema vigil_bench_uptime
//   (or VIGIL_BENCH_PG_SCHEMA; dropped and created by `seed`; <dir> then holds only seed.json;
//   `drop` removes the schema)
//
// `seed` writes the history (a result every intervalS per target; 2 % down, 1 % degraded, one
// 6 h stretch a day inside maintenance) and rolls up the complete hours, as the daemon's
// maintenance job does. `measure` reads the same file with the same "now", so two trees (before
// and after a change) can be measured alternately on one data set: docs/performance.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { openWorkerSqliteStore } from '../../src/storage/sqlite/worker-store.js';
import type { CheckStatus } from '../../src/domain/check-result.js';
import type { Store, StoredResult } from '../../src/storage/store.js';
import { barBuckets, uptimeFigures } from '../../src/status-page/target-data.js';
import { latencySeries } from '../../src/status-page/build-status-model.js';
import { timingOf } from '../../src/storage/stored-rows.js';
import { isDeepStrictEqual } from 'node:util';
import { httpResult } from '../../test/storage/store.fixtures.js';

const HOUR_MS = 3_600_000;
const MAX_ROUNDS = 100;
const MAX_ROWS = 5_000_000;

const PG_URL = process.env.VIGIL_BENCH_PG_URL ?? null;
/** VIGIL_BENCH_PG_SCHEMA picks another schema, so two benches on one Postgres do not drop each other's */
const PG_SCHEMA = /^[a-z_][a-z0-9_]{0,40}$/.test(process.env.VIGIL_BENCH_PG_SCHEMA ?? '') ? (process.env.VIGIL_BENCH_PG_SCHEMA as string) : 'vigil_bench_uptime';

async function dropPgSchema(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
  } finally {
    await pool.end();
  }
}

function openBenchStore(dir: string): Promise<Store> {
  return PG_URL === null ? openWorkerSqliteStore({ path: join(dir, 'vigil.db') }) : openPostgresStore({ url: `${PG_URL}?schema=${PG_SCHEMA}` });
}

interface SeedInfo {
  readonly nowMs: number;
  readonly targets: readonly string[];
  readonly rows: number;
}

function statusAt(i: number): CheckStatus {
  return i % 50 === 7 ? 'down' : i % 100 === 3 ? 'degraded' : 'up';
}

async function seed(dir: string, targetCount: number, days: number, intervalS: number): Promise<void> {
  const rows = Math.round(targetCount * days * 86_400 / intervalS);
  if (rows > MAX_ROWS) throw new Error(`${rows} rows is over the bound of ${MAX_ROWS}`);
  mkdirSync(dir, { recursive: true });
  if (PG_URL !== null) await dropPgSchema(PG_URL);
  const store = await openBenchStore(dir);
  const nowMs = Date.now();
  const targets = Array.from({ length: targetCount }, (_, i) => `t${i}`);
  let batch: StoredResult[] = [];
  const started = performance.now();
  for (const targetId of targets) {
    let i = 0;
    for (let at = nowMs - days * 86_400_000; at < nowMs; at += intervalS * 1_000, i += 1) {
      const r = httpResult(at, { targetId, status: statusAt(i), ttfbMs: 20 + (i % 40) });
      batch.push(new Date(at).getUTCHours() < 6 ? { ...r, inMaintenance: true } : r);
      if (batch.length === 10_000) {
        await store.insertResults(batch);
        batch = [];
      }
    }
  }
  await store.insertResults(batch);
  const rollup = await store.rollup(nowMs);
  await store.close();
  const info: SeedInfo = { nowMs, targets, rows };
  writeFileSync(join(dir, 'seed.json'), JSON.stringify(info));
  console.log(`seeded ${rows} results for ${targetCount} targets over ${days} d in ${Math.round(performance.now() - started)} ms; rolled up ${rollup.hours} hours`);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function measure(dir: string, rounds: number): Promise<void> {
  const info = JSON.parse(readFileSync(join(dir, 'seed.json'), 'utf8')) as SeedInfo;
  const store = await openBenchStore(dir);
  const uptimeMs: number[] = [];
  const pageMs: number[] = [];
  const barsMs: number[] = [];
  const rawMs: number[] = [];
  const timingsMs: number[] = [];
  const window6h = [info.nowMs - 6 * HOUR_MS, info.nowMs + 1] as const;
  // the page before: up to 3 pages of 1000 whole results per target
  const perTargetPages = (id: string) => store.queryResults({ targetId: id, fromMs: window6h[0], toMs: window6h[1], limit: 1000 });
  const oneCall = () => store.recentTimings(info.targets, window6h[0], window6h[1], 3000);
  let checksum = 0;
  // the first round warms the page cache and the worker; it is not counted
  for (let round = 0; round <= rounds; round += 1) {
    let t0 = performance.now();
    const figures = await Promise.all(info.targets.map((id) => uptimeFigures(store, id, info.nowMs)));
    const uptime = performance.now() - t0;
    t0 = performance.now();
    await Promise.all([oneCall(), ...info.targets.map((id) => Promise.all([uptimeFigures(store, id, info.nowMs), barBuckets(store, id, 'day', info.nowMs)]))]);
    const page = performance.now() - t0;
    t0 = performance.now();
    await Promise.all(info.targets.map((id) => barBuckets(store, id, 'day', info.nowMs)));
    const bars = performance.now() - t0;
    t0 = performance.now();
    const pages = await Promise.all(info.targets.map(perTargetPages));
    const raw = performance.now() - t0;
    t0 = performance.now();
    const timings = await oneCall();
    const oneCallMs = performance.now() - t0;
    if (round === 0) {
      // same latency series and counts from both paths (the seed has under 1000 results per 6 h)
      for (const [i, id] of info.targets.entries()) {
        const fromPages = (pages[i]?.items ?? []).map(timingOf);
        const fromCall = timings.filter((r) => r.targetId === id);
        if (fromPages.length !== fromCall.length || !isDeepStrictEqual(latencySeries(fromPages), latencySeries(fromCall))) throw new Error(`target ${id}: the two paths differ`);
      }
      checksum = figures.reduce((sum, f) => sum + (f['7d'] ?? 0) + (f['24h'] ?? 0), 0);
      continue;
    }
    uptimeMs.push(uptime);
    pageMs.push(page);
    barsMs.push(bars);
    rawMs.push(raw);
    timingsMs.push(oneCallMs);
  }
  await store.close();
  const summary = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { medianMs: Math.round(percentile(sorted, 50) * 10) / 10, minMs: Math.round((sorted[0] as number) * 10) / 10, p90Ms: Math.round(percentile(sorted, 90) * 10) / 10 };
  };
  console.log(JSON.stringify({ store: PG_URL === null ? 'sqlite' : 'postgres', targets: info.targets.length, rows: info.rows, rounds, uptimeFigures: summary(uptimeMs), pageQueries: summary(pageMs), dailyBars: summary(barsMs), raw6hPerTargetPages: summary(rawMs), timings6hOneCall: summary(timingsMs), checksum: Math.round(checksum * 1e6) / 1e6, node: process.version, loadavg: loadavg().map((l) => Math.round(l * 100) / 100), at: new Date().toISOString() }));
}

const [mode, dir, ...rest] = process.argv.slice(2);
const num = (i: number, fallback: number) => (rest[i] === undefined ? fallback : Number(rest[i]));
if (mode === 'seed' && dir !== undefined) await seed(dir, num(0, 60), num(1, 7), num(2, 30));
else if (mode === 'measure' && dir !== undefined) await measure(dir, Math.min(MAX_ROUNDS, num(0, 15)));
else if (mode === 'drop' && PG_URL !== null) await dropPgSchema(PG_URL);
else {
  console.error('usage: status-uptime.ts seed <dir> [targets] [days] [intervalS] | measure <dir> [rounds] | drop (Postgres)');
  process.exitCode = 2;
}
