import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../test/helpers/fake-clock.js';
import { Scheduler, type ScheduledJob } from './scheduler.js';
import { phaseOf } from './phase.js';

function sleeper(clock: FakeClock, durationMs: (job: ScheduledJob) => number, jobs: ScheduledJob[]) {
  return (job: ScheduledJob) =>
    new Promise<void>((resolve) => {
      jobs.push(job);
      clock.setTimer(resolve, durationMs(job));
    });
}

test('phases are stable per id and spread a fleet evenly over the interval', () => {
  const intervalMs = 10_000;
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < 5_000; i++) {
    const phase = phaseOf(`target-${i}`, intervalMs);
    assert.ok(phase >= 0 && phase < intervalMs);
    buckets[Math.floor(phase / 1_000)]! += 1;
  }
  // 500 expected per 1 s bucket; a uniform hash stays well within ±20 %.
  for (const count of buckets) assert.ok(count > 400 && count < 600, `bucket ${count}`);
  assert.equal(phaseOf('api', 60_000), phaseOf('api', 60_000));
  assert.notEqual(phaseOf('api-1', 60_000), phaseOf('api-2', 60_000));
});

test('fires at due = phase + k × interval, with no drift when checks run long', async () => {
  const clock = new FakeClock(1_700_000_000_000);
  const jobs: ScheduledJob[] = [];
  const scheduler = new Scheduler({ clock, run: sleeper(clock, () => 700, jobs) });
  scheduler.upsert('a', 1_000);
  scheduler.start();
  await clock.advance(10_000);
  scheduler.stop();
  assert.ok(jobs.length >= 9 && jobs.length <= 10, `${jobs.length} jobs`);
  const phase = phaseOf('a', 1_000);
  for (const [i, job] of jobs.entries()) {
    assert.equal(job.dueAt % 1_000, phase);
    assert.equal(job.startedAt, job.dueAt, 'fake clock: no lag');
    if (i > 0) assert.equal(job.dueAt - jobs[i - 1]!.dueAt, 1_000);
  }
  assert.deepEqual(scheduler.counters().drops, { skipped_in_flight: 0, dropped_global_cap: 0, missed_late: 0 });
});

test('a restart keeps the same due times', async () => {
  const dues: number[][] = [];
  for (let run = 0; run < 2; run++) {
    const clock = new FakeClock(1_700_000_000_000 + run * 123_457);
    const jobs: ScheduledJob[] = [];
    const scheduler = new Scheduler({ clock, run: sleeper(clock, () => 1, jobs) });
    scheduler.upsert('same-id', 5_000);
    scheduler.start();
    await clock.advance(5_000);
    scheduler.stop();
    assert.equal(jobs.length, 1);
    dues.push(jobs.map((j) => j.dueAt % 5_000));
  }
  assert.deepEqual(dues[0], dues[1]);
});

test('the in-flight guard skips ticks while the previous check runs, and counts them', async () => {
  const clock = new FakeClock();
  const jobs: ScheduledJob[] = [];
  const scheduler = new Scheduler({ clock, run: sleeper(clock, () => 2_500, jobs) });
  scheduler.upsert('slow', 1_000);
  scheduler.start();
  const first = clock.now();
  await clock.advance(phaseOf('slow', 1_000) + 9_500);
  scheduler.stop();
  // dues 0..9: runs at 0, 3, 6, 9 (each lasts 2.5 intervals); the 6 in between are skipped.
  assert.equal(jobs.length, 4);
  assert.deepEqual(jobs.map((j) => (j.dueAt - jobs[0]!.dueAt) / 1_000), [0, 3, 6, 9]);
  const { drops, startedTotal } = scheduler.counters();
  assert.equal(drops.skipped_in_flight, 6);
  assert.equal(startedTotal, 4);
  assert.ok(jobs[0]!.dueAt >= first);
});

test('the global cap fails fast and counts every dropped check', async () => {
  const clock = new FakeClock();
  const jobs: ScheduledJob[] = [];
  const scheduler = new Scheduler({ clock, maxInFlight: 3, run: sleeper(clock, () => 900, jobs) });
  for (let i = 0; i < 10; i++) scheduler.upsert(`t${i}`, 1_000);
  scheduler.start();
  await clock.advance(1_000);
  scheduler.stop();
  await clock.advance(1_000);
  await scheduler.idle();
  const c = scheduler.counters();
  assert.equal(c.drops.dropped_global_cap + c.startedTotal, 10, 'every due check either ran or was counted');
  assert.ok(c.drops.dropped_global_cap > 0);
  assert.equal(c.completedTotal, c.startedTotal);
  assert.equal(c.inFlight, 0);
});

test('waking late (blocked loop) runs once for the latest slot and counts the missed ones', async () => {
  const clock = new FakeClock();
  const jobs: ScheduledJob[] = [];
  const scheduler = new Scheduler({ clock, run: sleeper(clock, () => 10, jobs) });
  scheduler.upsert('a', 1_000);
  scheduler.start();
  await clock.advance(1_000);
  assert.equal(jobs.length, 1);
  clock.jump(3_500);
  await clock.advance(0);
  scheduler.stop();
  assert.equal(jobs.length, 2);
  assert.equal(scheduler.counters().drops.missed_late, 2);
  const late = jobs[1]!;
  assert.equal(late.dueAt % 1_000, phaseOf('a', 1_000));
  assert.ok(late.startedAt - late.dueAt < 1_000, 'lag is measured against the latest slot');
});

test('removing a target stops it; changing its interval re-phases it', async () => {
  const clock = new FakeClock();
  const jobs: ScheduledJob[] = [];
  const scheduler = new Scheduler({ clock, run: sleeper(clock, () => 1, jobs) });
  scheduler.upsert('a', 1_000);
  scheduler.upsert('b', 1_000);
  scheduler.start();
  await clock.advance(2_000);
  scheduler.remove('a');
  scheduler.upsert('b', 2_000);
  jobs.length = 0;
  await clock.advance(10_000);
  scheduler.stop();
  assert.ok(jobs.every((j) => j.targetId === 'b'));
  assert.equal(jobs.length, 5);
  for (const j of jobs) assert.equal(j.dueAt % 2_000, phaseOf('b', 2_000));
  assert.equal(scheduler.counters().targets, 1);
});

test('targets added long before start are not late for slots that passed before it', async () => {
  const clock = new FakeClock();
  const jobs: ScheduledJob[] = [];
  const scheduler = new Scheduler({ clock, run: sleeper(clock, () => 1, jobs) });
  for (let i = 0; i < 50; i++) scheduler.upsert(`t${i}`, 1_000);
  clock.jump(5_000);
  scheduler.start();
  await clock.advance(1_000);
  scheduler.stop();
  assert.equal(jobs.length, 50);
  assert.ok(jobs.every((j) => j.startedAt === j.dueAt));
  assert.equal(scheduler.counters().drops.missed_late, 0);
});

test('a backlog after a stall starts in bounded turns, harvesting completions between them instead of dropping at the cap', async () => {
  const run = (bounded: boolean) => async () => {
    const clock = new FakeClock();
    const jobs: ScheduledJob[] = [];
    // checks that finish at once: only unharvested completions can fill the cap
    const scheduler = new Scheduler({ clock, maxInFlight: 3, maxDuePerTurn: bounded ? 3 : 1_000, run: async (job) => void jobs.push(job) });
    for (let i = 0; i < 10; i++) scheduler.upsert(`t${i}`, 10_000);
    scheduler.start();
    clock.jump(10_000); // every target is now due, and the loop was blocked
    await clock.advance(0);
    scheduler.stop();
    await scheduler.idle();
    return scheduler.counters();
  };
  const bounded = await run(true)();
  assert.deepEqual([bounded.startedTotal, bounded.drops.dropped_global_cap], [10, 0]);
  const unbounded = await run(false)();
  assert.deepEqual([unbounded.startedTotal, unbounded.drops.dropped_global_cap], [3, 7], 'one long turn fills the cap with checks that already finished');
});
