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

test('with maxWaitMs 0 the global cap fails fast and counts every dropped check', async () => {
  const clock = new FakeClock();
  const jobs: ScheduledJob[] = [];
  const scheduler = new Scheduler({ clock, maxInFlight: 3, maxWaitMs: 0, run: sleeper(clock, () => 900, jobs) });
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

/**
 * A short stall: n targets whose phases lie within 300 ms of each other, and the loop blocked
 * from before the first of them is due until 300 ms after it — they all fire in one turn.
 */
async function burst(options: { n: number; maxInFlight: number; checkMs: number; intervalMs: number; maxWaitMs?: number; runFor: number }) {
  const clock = new FakeClock(1_700_000_000_000 - (1_700_000_000_000 % options.intervalMs)); // at phase 0
  const ids: string[] = [];
  for (let i = 0; ids.length < options.n; i++) {
    const phase = phaseOf(`t${i}`, options.intervalMs);
    if (phase >= 10_000 && phase < 10_300) ids.push(`t${i}`);
  }
  const jobs: ScheduledJob[] = [];
  const scheduler = new Scheduler({ clock, maxInFlight: options.maxInFlight, ...(options.maxWaitMs === undefined ? {} : { maxWaitMs: options.maxWaitMs }), run: sleeper(clock, () => options.checkMs, jobs) });
  for (const id of ids) scheduler.upsert(id, options.intervalMs);
  scheduler.start();
  await clock.advance(9_999);
  clock.jump(301); // every one is now due, and the loop was blocked
  await clock.advance(0);
  const waitingAfterStall = scheduler.counters().waiting;
  await clock.advance(options.runFor);
  scheduler.stop();
  await clock.advance(options.checkMs);
  await scheduler.idle();
  return { counters: scheduler.counters(), jobs, waitingAfterStall };
}

test('after a short stall, due checks that find the cap full wait and start as places free up (none dropped, their lag recorded)', async () => {
  const { counters, jobs, waitingAfterStall } = await burst({ n: 6, maxInFlight: 3, checkMs: 100, intervalMs: 60_000, runFor: 1_000 });
  assert.equal(waitingAfterStall, 3, 'three started, three waiting');
  assert.equal(counters.startedTotal, 6);
  assert.equal(counters.waitedTotal, 3);
  assert.deepEqual(counters.drops, { skipped_in_flight: 0, dropped_global_cap: 0, missed_late: 0 });
  assert.equal(counters.waiting, 0);
  // the three that waited started when the first three finished (100 ms later), in due order,
  // and their lag says so — nothing hidden
  const stallEnd = jobs[0]!.startedAt;
  assert.deepEqual(jobs.map((j) => j.startedAt - stallEnd), [0, 0, 0, 100, 100, 100]);
  for (let i = 1; i < jobs.length; i++) assert.ok(jobs[i]!.dueAt >= jobs[i - 1]!.dueAt, 'due order');
  assert.ok(jobs.slice(3).every((j) => j.startedAt - j.dueAt >= 100));
  // fail-fast (the behaviour before): the same stall drops the three
  const failFast = await burst({ n: 6, maxInFlight: 3, checkMs: 100, intervalMs: 60_000, maxWaitMs: 0, runFor: 1_000 });
  assert.deepEqual([failFast.counters.startedTotal, failFast.counters.drops.dropped_global_cap], [3, 3]);
});

test('sustained overload still drops, counted: a check that cannot start within maxWaitMs of its due time is dropped', async () => {
  // checks take 5 s; with three places, the three waiting cannot start within 2 s of their due time
  const { counters } = await burst({ n: 6, maxInFlight: 3, checkMs: 5_000, intervalMs: 60_000, maxWaitMs: 2_000, runFor: 6_000 });
  assert.equal(counters.startedTotal, 3);
  assert.equal(counters.waitedTotal, 0);
  assert.equal(counters.drops.dropped_global_cap, 3, 'every due check either ran or was counted');
  assert.equal(counters.waiting, 0);
});

test('the wait queue is bounded: beyond maxInFlight waiting checks a due check is dropped at once; stop() counts those still waiting', async () => {
  const { counters, waitingAfterStall } = await burst({ n: 10, maxInFlight: 2, checkMs: 10_000, intervalMs: 60_000, runFor: 100 });
  assert.equal(waitingAfterStall, 2, 'two run, two wait');
  assert.equal(counters.startedTotal, 2);
  assert.equal(counters.drops.dropped_global_cap, 8, 'six dropped at once, two when stopped while waiting');
});

test('a waiting check of a target removed meanwhile neither runs nor counts as dropped', async () => {
  const clock = new FakeClock();
  const jobs: ScheduledJob[] = [];
  const scheduler = new Scheduler({ clock, maxInFlight: 1, run: sleeper(clock, () => 100, jobs) });
  scheduler.upsert('a', 60_000);
  scheduler.upsert('b', 60_000);
  scheduler.start();
  clock.jump(59_999);
  await clock.advance(0);
  assert.equal(scheduler.counters().waiting, 1);
  const waitingId = jobs[0]!.targetId === 'a' ? 'b' : 'a';
  scheduler.remove(waitingId);
  await clock.advance(200);
  scheduler.stop();
  const c = scheduler.counters();
  assert.deepEqual([c.startedTotal, c.waitedTotal, c.drops.dropped_global_cap, c.waiting], [1, 0, 0, 0]);
});

test('under sustained overload the wait queue never runs empty, and its storage stays bounded (no growth per waited check)', async () => {
  const clock = new FakeClock();
  const jobs: ScheduledJob[] = [];
  const scheduler = new Scheduler({ clock, maxInFlight: 2, run: sleeper(clock, () => 300, jobs) });
  for (let i = 0; i < 50; i++) scheduler.upsert(`t${i}`, 1_000);
  scheduler.start();
  let largest = 0;
  for (let t = 0; t < 200_000; t += 100) {
    await clock.advance(100);
    largest = Math.max(largest, (scheduler as unknown as { waiting: unknown[] }).waiting.length);
  }
  scheduler.stop();
  await clock.advance(300);
  await scheduler.idle();
  const c = scheduler.counters();
  assert.ok(c.waitedTotal > 1_000, `the queue was used all along (${c.waitedTotal} started from it)`);
  assert.ok(largest <= 4, `the queue's array held ${largest} entries at most (2 × maxInFlight = 4)`);
  assert.ok(c.drops.dropped_global_cap > 0, 'the overload still shows as drops');
});
