/**
 * Daemon scale bench: the real scheduler, executor (fresh connection per check, breaker),
 * result pipeline, SQLite store (worker thread) and incident tracker — the same Daemon class
 * `vigil serve` runs — against mock HTTP targets on several loopback addresses and ports.
 *
 *   node --import tsx bench/daemon/scale.ts --targets 100000 --interval 60s --duration 5m
 *   node --import tsx bench/daemon/scale.ts --targets 10000 --interval 10s --duration 5m
 *
 * Reports: checks started vs due, every drop by reason ("missed schedules"), scheduling lag
 * percentiles, event-loop delay, results written/dropped, RSS peak, database growth.
 */
import { DEFAULT_API_SETTINGS } from '../../src/config/api-settings.js';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { buildClients, executeCheck } from '../../src/check/index.js';
import { createAlertDispatcher } from '../../src/alerts/alert-dispatcher.js';
import { DEFAULT_PROBE_SETTINGS } from '../../src/config/probe-settings.js';
import { DEFAULT_STORAGE_SETTINGS } from '../../src/config/storage-settings.js';
import { BUILTIN_TARGET_DEFAULTS } from '../../src/config/target-definition.js';
import { parseTargetList, type DaemonConfig } from '../../src/config/daemon-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { createIncidentPort } from '../../src/daemon/incident-adapter.js';
import { createMemoryLogger } from '../../src/daemon/logger.js';
import { startLoopDelaySampler } from '../../src/daemon/loop-delay.js';
import { createDaemonMetrics } from '../../src/metrics/daemon-metrics.js';
import { ResultBatcher } from '../../src/pipeline/result-batcher.js';
import { createCircuitBreaker } from '../../src/resilience/circuit-breaker.js';
import { createSystemClock } from '../../src/scheduler/clock.js';
import { openWorkerSqliteStore } from '../../src/storage/sqlite/worker-store.js';
import { startMockFleet } from './mock-fleet.js';
import { parseScaleOptions, type ScaleOptions } from './scale-options.js';
import { cpuBetween, sampleCpu } from './thread-cpu.js';

function buildConfig(o: ScaleOptions, endpoints: ReadonlyArray<{ address: string; port: number }>): DaemonConfig {
  const defaults = { ...BUILTIN_TARGET_DEFAULTS, intervalMs: o.intervalMs, allowPrivateTargets: true };
  const inputs = Array.from({ length: o.targets }, (_, i) => {
    const e = endpoints[i % endpoints.length]!;
    return { id: `t${i}`, name: `target ${i}`, check: { url: `http://${e.address}:${e.port}/t${i}`, timeoutMs: 5_000 } };
  });
  const { targets, errors } = parseTargetList(inputs, defaults);
  if (errors.length > 0) throw new Error(`bench config: ${errors[0]?.field}: ${errors[0]?.message}`);
  return { defaults, probe: { ...DEFAULT_PROBE_SETTINGS, maxInFlight: o.maxInFlight }, storage: DEFAULT_STORAGE_SETTINGS, webhooks: [], channels: [], api: DEFAULT_API_SETTINGS, maintenanceWindows: [], targets, targetErrors: [] };
}

async function main(): Promise<void> {
  const o = parseScaleOptions(process.argv.slice(2));
  const addresses = Array.from({ length: o.addresses }, (_, i) => `127.0.0.${i + 1}`);
  const fleet = await startMockFleet(addresses, o.portsPerAddress);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-scale-'));
  const store = await openWorkerSqliteStore({ path: join(dir, 'vigil.db') });
  const pipeline = new ResultBatcher({ sink: store });
  const breaker = createCircuitBreaker();
  const loopDelay = startLoopDelaySampler();
  const clients = buildClients({ allowPrivateTargets: true });
  const config = buildConfig(o, fleet.endpoints);
  const log = createMemoryLogger();
  const daemon = new Daemon({
    store, pipeline, incidents: createIncidentPort(store), alerts: createAlertDispatcher({ store, channels: [], log, owner: 'bench' }), execute: breaker.wrap(executeCheck),
    clients: { guarded: clients, private: clients }, clock: createSystemClock(), loopDelayMs: () => loopDelay.currentMs(),
    breakerStats: () => ({ closed: 0, open: breaker.snapshot().open, halfOpen: breaker.snapshot().half_open }), config, log,
  });
  const lagUs = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  // the same, per 10 s progress window: shows whether lag is a start-up transient or steady
  const windowLagUs = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  const statuses: Record<string, number> = {};
  let maxLoopDelayMs = 0;
  daemon.onResult((e) => {
    lagUs.recordValue(Math.max(1, Math.round(e.schedulingLagMs * 1000)));
    windowLagUs.recordValue(Math.max(1, Math.round(e.schedulingLagMs * 1000)));
    const key = e.result.errorKind ?? e.result.status;
    statuses[key] = (statuses[key] ?? 0) + 1;
    maxLoopDelayMs = Math.max(maxLoopDelayMs, e.eventLoopDelayMs);
  });
  // what `vigil serve` adds per result: the Prometheus metrics, scraped every 15 s
  const metrics = createDaemonMetrics(daemon);
  const scrape = setInterval(() => void metrics.render(), 15_000);
  let rssPeak = 0;
  const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 1_000);

  const t0 = performance.now();
  await daemon.start(config);
  const startupMs = performance.now() - t0;
  const sizeAtStart = await store.sizeReport();
  console.log(`[start] ${o.targets} targets every ${o.intervalMs / 1000}s on ${fleet.endpoints.length} endpoints; startup ${(startupMs / 1000).toFixed(1)} s`);
  const runStart = performance.now();
  const cpuAtStart = sampleCpu();
  const completedAtStart = daemon.stats().scheduler.completedTotal;
  const loadAtStart = loadavg()[0] ?? 0;
  const progress = setInterval(() => {
    const s = daemon.stats();
    const elapsed = ((performance.now() - runStart) / 1000).toFixed(0);
    console.log(`[+${elapsed}s] started=${s.scheduler.startedTotal} inFlight=${s.scheduler.inFlight} drops=${JSON.stringify(s.scheduler.drops)} written=${s.pipeline.writtenTotal} queue=${s.pipeline.queueDepth} lagP99=${(windowLagUs.getValueAtPercentile(99) / 1000).toFixed(1)}ms loopDelay=${s.probe.eventLoopDelayMs.toFixed(1)}ms rss=${(process.memoryUsage().rss / 2 ** 20).toFixed(0)}MiB`);
    windowLagUs.reset();
  }, 10_000);
  await new Promise((r) => setTimeout(r, o.durationMs));
  clearInterval(progress);
  const before = daemon.stats();
  const cpu = cpuBetween(cpuAtStart, sampleCpu(), performance.now() - runStart, before.scheduler.completedTotal - completedAtStart);
  const loadAtEnd = loadavg()[0] ?? 0;
  clearInterval(scrape);
  metrics.close();
  const sizeAtEnd = await store.sizeReport();
  await daemon.shutdown();
  clearInterval(rssTimer);
  loopDelay.close();
  await clients.close();
  const answered = await fleet.close();
  const counters = pipeline.counters();
  const dbBytes = statSync(join(dir, 'vigil.db')).size;
  const dueExpected = Math.round((o.targets * o.durationMs) / o.intervalMs);
  const drops = before.scheduler.drops;
  const report = {
    options: o,
    startupMs: Math.round(startupMs),
    dueExpected,
    started: before.scheduler.startedTotal,
    missedSchedules: drops.skipped_in_flight + drops.dropped_global_cap + drops.missed_late,
    drops,
    lagMs: { p50: lagUs.getValueAtPercentile(50) / 1000, p99: lagUs.getValueAtPercentile(99) / 1000, max: lagUs.maxValue / 1000 },
    maxEventLoopDelayMs: maxLoopDelayMs,
    cpu,
    machine: { cpus: availableParallelism(), node: process.version, loadAvg1mAtStart: loadAtStart, loadAvg1mAtEnd: loadAtEnd },
    statuses,
    mockAnswered: answered,
    results: { written: counters.written, dropped: counters.dropped, accepted: counters.accepted },
    rssPeakMiB: Math.round(rssPeak / 2 ** 20),
    db: { bytesAtStart: sizeAtStart.fileBytes + sizeAtStart.walBytes, bytesAtEnd: sizeAtEnd.fileBytes + sizeAtEnd.walBytes, fileAfterCheckpoint: dbBytes, rawResults: sizeAtEnd.rawResults },
  };
  console.log('---');
  console.log(JSON.stringify(report, null, 2));
  if (o.jsonPath !== null) writeFileSync(o.jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(`scale bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
