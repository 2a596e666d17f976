/**
 * Three real `vigil serve` processes on one Postgres share N targets (issue 13: 100,000 at
 * 60 s on this box), against the scale bench's mock HTTP targets on loopback (a worker thread
 * of this process). Bounded: startup, one warm-up interval, then `--intervals` measured
 * intervals; every node is stopped with SIGTERM (results flushed) and the schema dropped.
 *
 *   npm run build && node dist/bench/daemon/cluster-scale.js --targets 100000 --interval 60s --intervals 3
 *
 * Counted from the stored results, by due time: a target is due exactly once per interval
 * (phase-aligned, the same grid on every node), so a window of k intervals holds exactly k
 * due times per target. missed = due times with no stored result; double-checked = due
 * times with more than one. Scheduling lag p50/p99/max over the window's results, per-node
 * CPU (from /proc) and the nodes' own drop counters (/metrics) beside them.
 *   env VIGIL_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test); schema vigil_bench_cluster_<pid>, dropped after
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseDurationMs } from '../../src/config/duration.js';
import { startMockFleet } from './mock-fleet.js';
import { scaleConfigText } from './scale-config.js';

const MAIN = new URL('../../src/cli/main.js', import.meta.url).pathname;
const BASE = process.env.VIGIL_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// its own schema per run: two runs at once (helpers on one box) must not drop each other's
const SCHEMA = `vigil_bench_cluster_${process.pid}`;
const NODES = 3;
const START_TIMEOUT_MS = 600_000;
/** set to a folder to keep each node's log there (startup timings, errors) */
const LOG_DIR = process.env.VIGIL_BENCH_LOG_DIR;
/** extra node flags for every node, space-separated (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`: a profile per node, written at its SIGTERM) */
const NODE_ARGS = (process.env.VIGIL_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : (process.argv[i + 1] ?? '');
}
const targets = Number(flag('--targets', '100000'));
const intervalMs = parseDurationMs(flag('--interval', '60s'));
const intervals = Number(flag('--intervals', '3'));
if (!Number.isInteger(targets) || targets < 1 || targets > 200_000) throw new Error('--targets: expected an integer from 1 to 200000');
if (intervalMs === null || intervalMs < 1_000 || intervalMs > 300_000) throw new Error('--interval: expected a duration from 1s to 5m');
if (!Number.isInteger(intervals) || intervals < 1 || intervals > 10) throw new Error('--intervals: expected an integer from 1 to 10');

const log = (s: string) => process.stdout.write(`${s}\n`);
const stamp = () => `${new Date().toISOString()} load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Node { name: string; child: ChildProcess; api: string; output: string[] }
const spawned: ChildProcess[] = [];

function startNode(name: string, config: string, storeUrl: string): Promise<Node> {
  const child = spawn(process.execPath, [...NODE_ARGS, MAIN, 'serve', '--config', config, '--port', '0', '--store', storeUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.push(child); // killed in the finally below even if it never came up
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in ${START_TIMEOUT_MS} ms:\n${output.join('').slice(-2_000)}`)), START_TIMEOUT_MS);
    const onData = (c: Buffer) => {
      output.push(c.toString());
      if (LOG_DIR !== undefined) appendFileSync(join(LOG_DIR, `node-${name}.log`), c);
      if (output.length > 200) output.splice(0, output.length - 200);
      const api = /vigil serve: (\d+) targets, API on (http:\/\/[^\s]+)/.exec(output.join(''));
      if (api !== null) {
        clearTimeout(timer);
        if (Number(api[1]) !== targets) reject(new Error(`${name} loaded ${api[1]} of ${targets} targets:\n${output.join('').slice(-2_000)}`));
        resolve({ name, child, api: api[2] as string, output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited ${code}:\n${output.join('').slice(-2_000)}`)));
  });
}

/** user + system CPU seconds of a process so far (utime, stime from /proc/<pid>/stat) */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** resident set size of a process now, MiB (VmRSS from /proc) */
function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb ?? 0) / 1024);
}

/** the nodes' own drop lines from /metrics (everything that says dropped, missed or skipped) and the checks that started after waiting for a place under the cap */
async function metricLines(api: string): Promise<string[]> {
  const text = await (await fetch(`${api}/metrics`)).text();
  return text.split('\n').filter((l) => !l.startsWith('#') && /dropped|missed|skipped|waited/.test(l) && !/ 0$/.test(l));
}

const admin = new pg.Client({ connectionString: BASE });
await admin.connect();
const dir = mkdtempSync(join(tmpdir(), 'vigil-cluster-scale-'));
const fleet = await startMockFleet(['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'], 4);
const nodes: Node[] = [];
let fleetClosed: Promise<number> | null = null;
const closeFleet = () => (fleetClosed ??= fleet.close());
try {
  const config = join(dir, 'vigil.yaml');
  writeFileSync(config, scaleConfigText(targets, intervalMs, (i) => {
    const e = fleet.endpoints[i % fleet.endpoints.length]!;
    return `http://${e.address}:${e.port}/t${i}`;
  }));
  const storeUrl = `${BASE}?schema=${SCHEMA}`;
  log(`${stamp()}  node ${process.version}  ${cpus().length} CPUs; ${targets} targets every ${intervalMs / 1000} s, ${NODES} nodes, ${intervals} measured intervals`);
  const t0 = performance.now();
  // all at once (each upserts the config's targets at start; the same rows in the same order)
  await Promise.all(Array.from({ length: NODES }, async (_, n) => {
    const node = await startNode(String.fromCharCode(97 + n), config, storeUrl);
    nodes.push(node);
    log(`${stamp()}  node ${node.name} up after ${((performance.now() - t0) / 1000).toFixed(1)} s (${node.api})`);
  }));
  const splitDeadline = Date.now() + 60_000;
  let split: number[] = [];
  while (Date.now() < splitDeadline) {
    const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.shard_leases WHERE expires_at > now() AND owner IS NOT NULL GROUP BY owner`);
    split = rows.map((r) => r.n);
    if (split.length === NODES && split.reduce((a, b) => a + b, 0) === 64) break;
    await sleep(1_000);
  }
  log(`${stamp()}  shard split ${split.join(' / ')}`);
  // the window starts one whole interval after the split settled, on the interval grid
  const windowFrom = (Math.floor(Date.now() / intervalMs) + 2) * intervalMs;
  const windowTo = windowFrom + intervals * intervalMs;
  await sleep(windowFrom - Date.now());
  log(`${stamp()}  window starts (${new Date(windowFrom).toISOString()} → ${new Date(windowTo).toISOString()})`);
  const cpuW0 = nodes.map((n) => cpuSeconds(n.child.pid as number));
  const loads: string[] = [];
  while (Date.now() < windowTo) {
    await sleep(Math.min(intervalMs / 2, windowTo - Date.now()));
    loads.push(loadavg()[0]!.toFixed(2));
  }
  const cpuW1 = nodes.map((n) => cpuSeconds(n.child.pid as number));
  const rss = nodes.map((n) => rssMiB(n.child.pid as number));
  await sleep(8_000); // the last checks finish (timeout 5 s) and the batchers flush (500 ms)
  const metrics = await Promise.all(nodes.map((n) => metricLines(n.api)));
  for (const n of nodes) n.child.kill('SIGTERM');
  await Promise.all(nodes.map((n) => new Promise((r) => (n.child.exitCode !== null ? r(null) : n.child.once('exit', r)))));
  const answered = await closeFleet();

  const { rows: [dues] } = await admin.query<{ stored: number; distinct_dues: number; doubled: number; targets_seen: number }>(
    `SELECT count(*)::int AS stored, count(DISTINCT (target_key, due_at))::int AS distinct_dues,
       (SELECT count(*)::int FROM (SELECT 1 FROM ${SCHEMA}.results WHERE due_at >= $1 AND due_at < $2 GROUP BY target_key, due_at HAVING count(*) > 1) d) AS doubled,
       count(DISTINCT target_key)::int AS targets_seen
     FROM ${SCHEMA}.results WHERE due_at >= $1 AND due_at < $2`,
    [windowFrom, windowTo],
  );
  const { rows: [lag] } = await admin.query<{ p50: number | null; p99: number | null; max: number | null }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY sched_lag_us) / 1000 AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY sched_lag_us) / 1000 AS p99,
       max(sched_lag_us) / 1000.0::float8 AS max FROM ${SCHEMA}.results WHERE due_at >= $1 AND due_at < $2`,
    [windowFrom, windowTo],
  );
  const { rows: perWindow } = await admin.query<{ w: number; n: number; p99: number }>(
    `SELECT (due_at - $1) / 10000 AS w, count(*)::int AS n, percentile_cont(0.99) WITHIN GROUP (ORDER BY sched_lag_us) / 1000 AS p99
     FROM ${SCHEMA}.results WHERE due_at >= $1 AND due_at < $2 GROUP BY 1 ORDER BY 1`,
    [windowFrom, windowTo],
  );
  const { rows: [total] } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.results`);
  const expected = targets * intervals;
  const missed = expected - (dues?.distinct_dues ?? 0);
  const windowS = (windowTo - windowFrom) / 1000;
  log(`${stamp()}  done`);
  log(`due in the window: ${expected.toLocaleString('en')} (${targets} × ${intervals}); stored results due in it ${dues?.stored.toLocaleString('en')}, distinct (target, due) ${dues?.distinct_dues.toLocaleString('en')}, targets seen ${dues?.targets_seen}`);
  log(`missed ${missed.toLocaleString('en')} (${((missed / expected) * 100).toFixed(3)} %), double-checked ${dues?.doubled ?? 0}`);
  log(`scheduling lag ms: p50 ${lag?.p50?.toFixed(1)}  p99 ${lag?.p99?.toFixed(1)}  max ${lag?.max?.toFixed(1)}`);
  log(`lag p99 per 10 s of due time: ${perWindow.map((w) => w.p99.toFixed(0)).join(' ')}`);
  log(`node CPU in the window (share of one core): ${nodes.map((n, i) => `${n.name} ${((cpuW1[i]! - cpuW0[i]!) / windowS).toFixed(2)}`).join(', ')}; load (1 min) every ${intervalMs / 2000} s: ${loads.join(' ')}`);
  log(`node RSS at the window's end (MiB): ${nodes.map((n, i) => `${n.name} ${rss[i]}`).join(', ')}; node CPU from spawn to the window's end (s): ${nodes.map((n, i) => `${n.name} ${cpuW1[i]!.toFixed(1)}`).join(', ')}`);
  log(`mock requests answered over the whole run ${answered.toLocaleString('en')}, results stored ${total?.n.toLocaleString('en')}`);
  if (total?.n === 0) log(`nothing stored; node a said:\n${nodes[0]?.output.join('').slice(-3_000)}`);
  for (const [i, lines] of metrics.entries()) log(`node ${nodes[i]!.name} non-zero drop counters: ${lines.length === 0 ? 'none' : lines.join('; ')}`);
} finally {
  for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await closeFleet();
  await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
