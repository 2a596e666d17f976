/**
 * The scheduler alone (min-heap + one timer, real clock) with a runner that resolves at once:
 * how much of the scale goal the timing structure itself can carry, without the executor.
 *   node --import tsx bench/daemon/scheduler-only.ts [targets=100000] [intervalMs=60000] [durationMs=60000]
 */
import * as hdr from 'hdr-histogram-js';
import { createSystemClock } from '../../src/scheduler/clock.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';

const [targets = 100_000, intervalMs = 60_000, durationMs = 60_000] = process.argv.slice(2).map(Number);
const clock = createSystemClock();
const lagUs = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
const scheduler = new Scheduler({
  clock,
  run: (job) => {
    lagUs.recordValue(Math.max(1, Math.round((job.startedAt - job.dueAt) * 1000)));
    return Promise.resolve();
  },
});
const t0 = performance.now();
for (let i = 0; i < targets; i++) scheduler.upsert(`t${i}`, intervalMs);
const insertMs = performance.now() - t0;
const cpu0 = process.cpuUsage();
scheduler.start();
setTimeout(() => {
  scheduler.stop();
  const cpu = process.cpuUsage(cpu0);
  const c = scheduler.counters();
  console.log(JSON.stringify({
    targets, intervalMs, durationMs, insertMs: Math.round(insertMs),
    dueExpected: Math.round((targets * durationMs) / intervalMs), started: c.startedTotal, drops: c.drops,
    lagMs: { p50: lagUs.getValueAtPercentile(50) / 1000, p99: lagUs.getValueAtPercentile(99) / 1000, max: lagUs.maxValue / 1000 },
    cpuMsPerSecond: Math.round((cpu.user + cpu.system) / 1000 / (durationMs / 1000)),
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  }, null, 2));
}, durationMs);
