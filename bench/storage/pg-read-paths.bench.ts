// Read paths of the Postgres store at a large row count: uptime and latency of one target and
// its first results page, timed through the Store API, plus the query plans.
// Loading runs in SQL: one real insertResults per target makes the interned keys, then each
// day is generated server-side (generate_series, rows in time order like a live fleet) into a
// table of its own, indexed by sort and attached as the day's partition (fillDay below);
// VACUUM at the end sets the visibility map. Point VIGIL_BENCH_PG_URL at a database of its
// own for big shapes (docs/performance.md has the 100 M one-liner).
// Run: node --import tsx bench/storage/pg-read-paths.bench.ts [targets] [days] [intervalS] [samples]
//   env VIGIL_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test), schema vigil_bench_reads
//   (kept between runs: a second run with the same shape reuses the data; VIGIL_BENCH_RELOAD=1 reloads)
import { cpus, loadavg } from 'node:os';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { httpResult } from '../../test/storage/store.fixtures.js';
import { PHASES } from '../../src/storage/store.js';
import { PHASE_COLUMNS } from '../../src/storage/sqlite/summaries.js';

const arg = (i: number, fallback: number): number => Number(process.argv[i] ?? fallback);
const [TARGETS, DAYS, INTERVAL_S, SAMPLES] = [arg(2, 5_000), arg(3, 7), arg(4, 600), arg(5, 200)];
const BASE = process.env.VIGIL_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = 'vigil_bench_reads';
const DAY = 86_400_000;
const END = Math.floor(Date.now() / DAY) * DAY + DAY; // the data ends at the end of today
const START = END - DAYS * DAY;
const shape = `${TARGETS}x${DAYS}x${INTERVAL_S}`;
const FILL_CONNECTIONS = Number(process.env.VIGIL_BENCH_FILL_CONNECTIONS ?? 2);

const store = await openPostgresStore({ url: `${BASE}?schema=${SCHEMA}`, statementTimeoutMs: 3_600_000 });
const db = store.pool;
const log = (s: string) => process.stdout.write(`${s}\n`);

await db.query('CREATE TABLE IF NOT EXISTS bench_shape (shape text)');
const loaded = (await db.query<{ shape: string }>('SELECT shape FROM bench_shape')).rows[0]?.shape;
if (loaded !== shape || process.env.VIGIL_BENCH_RELOAD === '1') {
  log(`loading ${shape} …`);
  await db.query('TRUNCATE results, bench_shape');
  const t0 = performance.now();
  // one real row per target (interned keys and endpoints), then the days are filled in SQL
  for (let i = 0; i < TARGETS; i += 1_000) {
    const ids = Array.from({ length: Math.min(1_000, TARGETS - i) }, (_, k) => `t${i + k}`);
    await store.insertResults(ids.map((id) => httpResult(START, { targetId: id })));
  }
  await db.query('TRUNCATE results');
  await db.query(`DROP TABLE IF EXISTS bench_map; CREATE UNLOGGED TABLE bench_map AS
    SELECT (row_number() OVER (ORDER BY tk.key) - 1)::int4 AS i, tk.key AS tkey, e.key AS ekey
    FROM target_keys tk JOIN endpoints e ON e.value = 'http https://' || tk.value || '.example.test/health'; ANALYZE bench_map`);
  await Promise.all(Array.from({ length: FILL_CONNECTIONS }, async (_, c) => {
    for (let d = c; d < DAYS; d += FILL_CONNECTIONS) {
      await fillDay(START + d * DAY, d);
      log(`  day ${d + 1}/${DAYS} loaded (${Math.round((performance.now() - t0) / 1000)} s)`);
    }
  }));
  // after every fill has committed: a fill still running would keep VACUUM from marking pages all-visible
  for (let d = 0; d < DAYS; d += 1) await db.query(`VACUUM (ANALYZE) results_p${(START + d * DAY) / DAY}`);
  await db.query(`SELECT setval(pg_get_serial_sequence('results', 'id'), (SELECT max(id) FROM results))`);
  await db.query('DROP TABLE bench_map');
  await db.query('ANALYZE results');
  await db.query('INSERT INTO bench_shape VALUES ($1)', [shape]);
  log(`loaded in ${Math.round((performance.now() - t0) / 1000)} s`);
}

/**
 * One day as a table of its own: rows generated in time order (every target once per
 * interval, spread inside it by key) without indexes, then the two indexes built by sort and
 * ATTACH — which adopts
 * the matching indexes and, thanks to the CHECK constraint, skips its validation scan.
 */
async function fillDay(from: number, d: number): Promise<void> {
  const name = `results_p${from / DAY}`;
  const perDay = Math.floor(DAY / (INTERVAL_S * 1000)) * TARGETS;
  const client = await db.connect();
  try {
    await client.query(`SET synchronous_commit = off; SET maintenance_work_mem = '512MB'; SET work_mem = '64MB'`);
    await client.query(`DROP TABLE IF EXISTS ${name}`);
    await client.query(`CREATE TABLE ${name} (LIKE results INCLUDING DEFAULTS,
      CHECK (started_at >= ${from} AND started_at < ${from + DAY}))`);
    await client.query(
      `INSERT INTO ${name} (id, target_key, started_at, due_at, status, error_kind, error_phase, status_code, http_version, total_us, dns_us,
         connect_us, tls_us, ttfb_us, receive_us, response_bytes, connection_reused, sched_lag_us, loop_delay_us, endpoint_key, tls_key, detail)
       SELECT $4::int8 * $5 + g + 1, m.tkey, ts, ts - 2, s.status, s.kind, NULL, s.code, '2', 6762 + s.ttfb, 512, 1250, 4500, s.ttfb, 250, 2, false,
         2000, 750, m.ekey, 1, s.detail
       FROM generate_series(0::int8, $5::int8 - 1) AS g
       JOIN bench_map m ON m.i = g % $3
       CROSS JOIN LATERAL (SELECT $1::int8 + (g / $3) * $2::int8 + (m.tkey % $2::int8) AS ts, random() AS r) x
       CROSS JOIN LATERAL (SELECT CASE WHEN r < 0.97 THEN 'up' WHEN r < 0.985 THEN 'degraded' ELSE 'down' END AS status,
         CASE WHEN r < 0.97 THEN NULL WHEN r < 0.985 THEN 'slow_response' ELSE 'unexpected_status' END AS kind,
         CASE WHEN r < 0.985 THEN 200 ELSE 500 END::int2 AS code, CASE WHEN r < 0.985 THEN NULL ELSE 'status 500, expected 200-299' END AS detail,
         (5000 + (random() * 200000)::int8) AS ttfb) s`,
      [from, INTERVAL_S * 1000, TARGETS, d, perDay],
    );
    await client.query(`CREATE INDEX ON ${name} (target_key, started_at, id) INCLUDE (status, in_maintenance, total_us, dns_us, connect_us, tls_us, ttfb_us, receive_us)`);
    await client.query(`CREATE INDEX ON ${name} USING brin (started_at) WITH (pages_per_range = 32)`);
    await client.query(`ALTER TABLE results ATTACH PARTITION ${name} FOR VALUES FROM (${from}) TO (${from + DAY})`);
  } finally {
    client.release();
  }
}
const rows = (await db.query<{ n: number }>('SELECT count(*) AS n FROM results')).rows[0]?.n ?? 0;
const size = await store.sizeReport();

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(p * s.length)) - 1] as number;
}
async function time(name: string, fn: (id: string) => Promise<unknown>): Promise<string> {
  const ms: number[] = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    const id = `t${Math.floor(Math.random() * TARGETS)}`;
    const t = performance.now();
    await fn(id);
    ms.push(performance.now() - t);
  }
  return `| ${name} | ${pct(ms, 0.5).toFixed(1)} | ${pct(ms, 0.99).toFixed(1)} | ${Math.max(...ms).toFixed(1)} |`;
}

const now = END - 60_000;
log(`\n${new Date().toISOString()}  node ${process.version}  ${cpus().length} CPUs  load: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
log(`${rows.toLocaleString('en')} results (${TARGETS} targets, ${DAYS} d, every ${INTERVAL_S} s), store ${(size.fileBytes / 2 ** 30).toFixed(2)} GiB, ${SAMPLES} samples each (random target)\n`);
log('| read (one target) | p50 ms | p99 ms | max ms |\n|---|---|---|---|');
log(await time('uptime 24h', (id) => store.uptime(id, '24h', now)));
log(await time('uptime 7d', (id) => store.uptime(id, '7d', now)));
log(await time('uptime 30d', (id) => store.uptime(id, '30d', now)));
log(await time('latency 24h (6 phases, exact)', (id) => store.latency(id, now - DAY, now)));
log(await time('results page (100, newest)', (id) => store.queryResults({ targetId: id, fromMs: 0, toMs: now, limit: 100 })));

const key = (await db.query<{ key: number }>(`SELECT key FROM target_keys WHERE value = 't42'`)).rows[0]?.key;
for (const [name, sql, params] of [
  ['uptime (raw counts)', 'SELECT status, count(*) AS n FROM results WHERE target_key = $1 AND started_at >= $2 AND started_at < $3 GROUP BY status', [key, now - 7 * DAY, now]],
  ['latency (raw phases)', `SELECT ${PHASES.map((p) => PHASE_COLUMNS[p]).join(', ')} FROM results WHERE target_key = $1 AND started_at >= $2 AND started_at < $3`, [key, now - DAY, now]],
  ['results page', 'SELECT * FROM results WHERE target_key = $1 AND started_at >= $2 AND started_at < $3 ORDER BY started_at DESC, id DESC LIMIT 101', [key, 0, now]],
  ['uptime (rollups)', 'SELECT sum(up), sum(down) FROM rollups WHERE target_key = $1 AND hour_start >= $2 AND hour_start < $3', [key, now - 30 * DAY, now]],
] as const) {
  const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, [...params]);
  log(`\n-- ${name}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
}
await store.close();
