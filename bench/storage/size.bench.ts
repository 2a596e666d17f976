// Database size per million results, and the cost of the hourly rollup over them.
// A fleet of 1,000 targets checked every 60 s (1,000 results per minute, so 1 M results
// span ≈ 16.7 h): 85 % HTTPS up (with TLS info), 5 % degraded, 5 % TCP up, 5 % down with a
// detail text. Run: node --import tsx bench/storage/size.bench.ts [results]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSyncSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { StoredResult } from '../../src/storage/store.js';
import { httpResult, tcpRefused } from '../../test/storage/store.fixtures.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
if (!Number.isInteger(TOTAL) || TOTAL < 10_000 || TOTAL > 5_000_000) {
  process.stderr.write('usage: size.bench.ts [results: 10000..5000000]\n');
  process.exit(2);
}
const TARGETS = 1_000;
const START = Date.UTC(2025, 0, 1);
const dir = mkdtempSync(join(tmpdir(), 'vigil-size-'));
const path = join(dir, 'size.db');

function resultAt(n: number): StoredResult {
  const targetIndex = n % TARGETS;
  const startedAt = START + Math.floor(n / TARGETS) * 60_000 + targetIndex * 60;
  const targetId = `target-${targetIndex}`;
  const roll = n % 20;
  if (roll === 0) {
    const r = tcpRefused(startedAt, targetId);
    return { ...r, result: { ...r.result, target: `10.0.${targetIndex >> 8}.${targetIndex & 255}:5432` } };
  }
  if (roll === 1) {
    const r = tcpRefused(startedAt, targetId);
    return { ...r, result: { ...r.result, status: 'up', errorKind: null, errorFamily: null, errorPhase: null, detail: null, target: `db-${targetIndex}:5432` } };
  }
  const status = roll === 2 ? 'degraded' : 'up';
  const r = httpResult(startedAt, { targetId, status, ttfbMs: 5 + ((n * 7919) % 2000) / 10 });
  return { ...r, result: { ...r.result, target: `https://svc-${targetIndex}.example.test/health` } };
}

const store = openSyncSqliteStore({ path });
const t0 = performance.now();
for (let done = 0; done < TOTAL; done += 10_000) {
  store.insertResults(Array.from({ length: Math.min(10_000, TOTAL - done) }, (_, i) => resultAt(done + i)));
}
const insertS = (performance.now() - t0) / 1000;
const t1 = performance.now();
const rollup = store.rollup(START + (TOTAL / TARGETS + 120) * 60_000);
const rollupS = (performance.now() - t1) / 1000;
store.close();

const db = new Database(path);
db.pragma('wal_checkpoint(TRUNCATE)');
const pageBytes = db.pragma('page_size', { simple: true }) as number;
// dbstat gives bytes per table/index when SQLite was built with it; fall back to totals
let perObject = '';
try {
  const rows = db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as Array<{ name: string; bytes: number }>;
  perObject = rows.map((r) => `  ${r.name.padEnd(28)} ${(r.bytes / 2 ** 20).toFixed(1).padStart(8)} MiB`).join('\n');
} catch {
  perObject = '  (dbstat not available in this SQLite build)';
}
db.close();
const fileBytes = statSync(path).size;
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
console.log(`results: ${TOTAL.toLocaleString('en')} for ${TARGETS} targets; page size ${pageBytes}`);
console.log(`insert: ${insertS.toFixed(1)} s (${Math.round(TOTAL / insertS).toLocaleString('en')} results/s, batches of 10,000, in-thread)`);
console.log(`file: ${mib(fileBytes)} = ${(fileBytes / TOTAL).toFixed(1)} bytes/result → ${mib((fileBytes / TOTAL) * 1e6)} per million`);
console.log(`rollup: ${rollup.hours} hours, ${rollup.rows} rollup rows in ${rollupS.toFixed(1)} s`);
console.log(perObject);
rmSync(dir, { recursive: true, force: true });
