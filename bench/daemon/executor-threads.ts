/**
 * Does sharding the executor over worker threads raise the fresh-check rate this machine
 * sustains? Runs the executor alone at a fixed total rate, either on the main thread
 * (--threads 0) or split over N worker threads (each with its own clients), against the
 * scale bench's mock targets. Compiled JS only:
 *
 *   node dist/bench/daemon/executor-threads.js --threads 2 --rate 1700 --duration 30s
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism, loadavg } from 'node:os';
import { parseDurationMs } from '../../src/config/duration.js';
import { runFixedRate, type FixedRateOptions, type FixedRateReport } from './fixed-rate.js';
import { startMockFleet } from './mock-fleet.js';
import { cpuBetween, sampleCpu } from './thread-cpu.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : (process.argv[i + 1] ?? '');
}

function runInWorker(options: FixedRateOptions): Promise<FixedRateReport> {
  const worker = new Worker(new URL('./executor-thread-worker.js', import.meta.url), { workerData: options });
  return new Promise((resolve, reject) => {
    worker.once('message', (r: FixedRateReport) => void worker.terminate().then(() => resolve(r)));
    worker.once('error', reject);
  });
}

async function main(): Promise<void> {
  const threads = Number(flag('--threads', '0'));
  const rate = Number(flag('--rate', '1700'));
  const durationMs = parseDurationMs(flag('--duration', '30s'));
  if (!Number.isInteger(threads) || threads < 0 || threads > 8) throw new Error('--threads: expected an integer from 0 to 8');
  if (!Number.isInteger(rate) || rate < 1 || rate > 20_000) throw new Error('--rate: expected an integer from 1 to 20000');
  if (durationMs === null || durationMs < 1_000 || durationMs > 600_000) throw new Error('--duration: expected a duration from 1s to 10m');
  const addresses = Array.from({ length: 4 }, (_, i) => `127.0.0.${i + 1}`);
  const fleet = await startMockFleet(addresses, 4);
  const load = loadavg()[0];
  const cpu0 = sampleCpu();
  const t0 = performance.now();
  const base = { endpoints: fleet.endpoints, durationMs, maxInFlight: 1024 };
  const reports = threads === 0
    ? [await runFixedRate({ ...base, ratePerSecond: rate })]
    : await Promise.all(Array.from({ length: threads }, () => runInWorker({ ...base, ratePerSecond: rate / threads })));
  const wallMs = performance.now() - t0;
  const completed = reports.reduce((n, r) => n + r.completed, 0);
  const cpu = cpuBetween(cpu0, sampleCpu(), wallMs, completed);
  await fleet.close();
  console.log(JSON.stringify({
    threads, ratePerSecond: rate, durationMs, due: reports.reduce((n, r) => n + r.due, 0), completed,
    completedPerSecond: Math.round(completed / (durationMs / 1000)), droppedAtCap: reports.reduce((n, r) => n + r.droppedAtCap, 0),
    statuses: reports.map((r) => r.statuses), checkThreadsEventLoopUtilization: reports.map((r) => r.eventLoopUtilization),
    mainThreadMsPerCheck: threads === 0 ? cpu.mainMsPerCheck : null, processCores: cpu.processCores, machine: { cpus: availableParallelism(), node: process.version, loadAvg1m: load },
  }));
}

main().catch((err: unknown) => {
  console.error(`executor-threads: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
