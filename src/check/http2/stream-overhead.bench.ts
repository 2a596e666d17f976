/**
 * Client CPU per HTTP/2 stream: bare node:http2 `session.request()` vs this engine
 * (H2SessionPool.exchange → exchangeHttp2, with the PhaseTimer and CheckContext a check
 * needs), both on one h2c session to a server in another process. Rounds alternate A/B to
 * spread the noise of a shared machine. Bounded: ROUNDS × REQUESTS per variant, 60 s cap.
 *
 * Run it compiled (`npm run build`, then node dist/src/check/http2/stream-overhead.bench.js
 * [requestsPerRound] [rounds] [concurrency]): under tsx, esbuild's keepNames helper adds
 * per-closure work that production code does not have.
 */
import { spawn } from 'node:child_process';
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import { cpus } from 'node:os';
import { CheckContext } from '../net/connection-types.js';
import { PhaseTimer } from '../timing/phase-timer.js';
import type { HopRequest } from '../http/exchange-types.js';
import { H2SessionPool } from './session-pool.js';
import { exchangeHttp2 } from './exchange.js';

const REQUESTS = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const CONCURRENCY = Number(process.argv[4] ?? 64);
const HARD_STOP_MS = 60_000;

const SERVER = `
import http2 from 'node:http2';
const s = http2.createServer();
s.on('stream', (st) => { st.respond({ ':status': 200, 'content-type': 'text/plain' }); st.end('ok'); });
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

async function startServer(): Promise<{ port: number; stop(): void }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  return { port, stop: () => child.kill() };
}

function bare(session: ClientHttp2Session): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'GET', ':scheme': 'http', ':authority': 'bench', ':path': '/ok', 'user-agent': 'bench' }, { endStream: true });
    const chunks: Buffer[] = [];
    let status = 0;
    stream.on('response', (h) => (status = h[':status'] ?? 0));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('close', () => (status === 200 ? resolve() : reject(new Error(`status ${status}`))));
  });
}

async function loop(count: number, one: () => Promise<void>): Promise<number> {
  const start = process.cpuUsage();
  let started = 0;
  const deadline = performance.now() + HARD_STOP_MS;
  const worker = async (): Promise<void> => {
    while (started < count && performance.now() < deadline) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / started;
}

async function main(): Promise<void> {
  const server = await startServer();
  const origin = `http://127.0.0.1:${server.port}`;
  const session = connectHttp2(origin);
  const pool = new H2SessionPool({ sessionsPerOrigin: 1 });
  const url = new URL(`${origin}/ok`);
  const limits = { maxBodyBytes: 1 << 20, maxDecodedBytes: 8 << 20, maxHeaderBytes: 64 << 10 };
  const request: HopRequest = { method: 'GET', url, headers: [['user-agent', 'bench']], body: null, expectBody: true, needBody: false, limits };
  const ours = async (): Promise<void> => {
    const ctx = new CheckContext(new PhaseTimer(), performance.now() + 10_000);
    const response = await pool.exchange(origin, () => connectHttp2(origin), request, ctx);
    if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
  };
  const engineOnly = async (): Promise<void> => {
    const ctx = new CheckContext(new PhaseTimer(), performance.now() + 10_000);
    const response = await exchangeHttp2(session, request, ctx);
    if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
  };
  await loop(2000, () => bare(session));
  await loop(2000, ours);
  await loop(2000, engineOnly);
  const bareUs: number[] = [];
  const oursUs: number[] = [];
  const engineUs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bareUs.push(await loop(REQUESTS, () => bare(session)));
    oursUs.push(await loop(REQUESTS, ours));
    engineUs.push(await loop(REQUESTS, engineOnly));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const b = median(bareUs);
  const o = median(oursUs);
  console.log(JSON.stringify({ node: process.version, cpus: cpus().length, date: new Date().toISOString().slice(0, 10), requests: REQUESTS, rounds: ROUNDS, concurrency: CONCURRENCY }));
  console.log(`bare node:http2   µs CPU/stream: median ${b.toFixed(1)}  rounds ${bareUs.map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`vigil pooled h2c  µs CPU/stream: median ${o.toFixed(1)}  rounds ${oursUs.map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`exchangeHttp2 only µs CPU/stream: median ${median(engineUs).toFixed(1)}  rounds ${engineUs.map((x) => x.toFixed(1)).join(' ')}`);
  // Rounds are paired (bare, pooled, engine back to back), so the median of per-round ratios
  // is less sensitive to load from other processes than the ratio of medians.
  const pooledRatio = median(oursUs.map((x, i) => x / (bareUs[i] as number)));
  const engineRatio = median(engineUs.map((x, i) => x / (bareUs[i] as number)));
  console.log(`ratio of medians ${(o / b).toFixed(3)} (added ${(o - b).toFixed(1)} µs/stream)`);
  console.log(`median paired ratio: pooled ${pooledRatio.toFixed(3)}, exchangeHttp2 only ${engineRatio.toFixed(3)}`);
  session.destroy();
  await pool.close();
  server.stop();
}

await main();
