import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySignal, freshFacts, judgeDue, nextDueAt } from './heartbeat-rhythm.js';

const T0 = Date.UTC(2030, 0, 1);
const rhythm = { periodMs: 60_000, graceMs: 10_000 };

test('silence: missed at last ping + period + grace, then once a period; a success starts the period again', () => {
  const facts = freshFacts(T0);
  assert.equal(nextDueAt(facts, rhythm), T0 + 70_000, 'no ping yet: from when watching began');
  assert.deepEqual(judgeDue(facts, rhythm, T0 + 69_999), []);
  const [missed] = judgeDue(facts, rhythm, T0 + 70_000);
  assert.equal(missed?.errorKind, 'heartbeat_missed');
  assert.match(missed?.detail ?? '', /no ping since 2030-01-01T00:00:00.000Z \(when Vigil began watching the target\)/);
  assert.equal(nextDueAt(facts, rhythm), T0 + 130_000, 'the next one a period later');
  assert.deepEqual(judgeDue(facts, rhythm, T0 + 129_000), []);
  assert.equal(judgeDue(facts, rhythm, T0 + 130_000).length, 1);
  assert.equal(applySignal(facts, { type: 'success', exitCode: null, at: T0 + 131_000 })?.failed, false);
  assert.deepEqual([facts.lastSeenAt, facts.missedAt], [T0 + 131_000, null]);
  assert.equal(nextDueAt(facts, rhythm), T0 + 201_000);
  // a facts object read back after days of downtime: one missed report at once, not one per period
  assert.equal(judgeDue(facts, rhythm, T0 + 5 * 86_400_000).length, 1);
  assert.equal(facts.missedAt, T0 + 5 * 86_400_000);
});

test('a run: start, then success within grace records its duration; without an end it is overdue once', () => {
  const facts = freshFacts(T0);
  applySignal(facts, { type: 'success', exitCode: null, at: T0 });
  assert.equal(applySignal(facts, { type: 'start', exitCode: null, at: T0 + 1_000 }), null);
  assert.equal(nextDueAt(facts, rhythm), T0 + 11_000, 'judged by the run\'s grace, not the period');
  const done = applySignal(facts, { type: 'fail', exitCode: 3, at: T0 + 4_000 });
  assert.deepEqual([done?.errorKind, done?.detail, done?.totalMs], ['heartbeat_failed', 'the job exited with code 3 after running 3000 ms', 3_000]);

  applySignal(facts, { type: 'start', exitCode: null, at: T0 + 50_000 });
  assert.deepEqual(judgeDue(facts, rhythm, T0 + 59_999), []);
  const [overdue, ...rest] = judgeDue(facts, rhythm, T0 + 60_000);
  assert.deepEqual([overdue?.errorKind, overdue?.totalMs, rest.length], ['heartbeat_run_overdue', 10_000, 0]);
  assert.equal(facts.runStartedAt, null);
  assert.deepEqual(judgeDue(facts, rhythm, T0 + 60_000), [], 'reported once');
  // the period goes on from the last ping (the fail at T0 + 4 s)
  assert.equal(nextDueAt(facts, rhythm), T0 + 74_000);
  // a run still open when the period also ran out (a daemon stopped meanwhile): both at once
  applySignal(facts, { type: 'start', exitCode: null, at: T0 + 70_000 });
  assert.deepEqual(judgeDue(facts, rhythm, T0 + 90_000).map((v) => v.errorKind), ['heartbeat_run_overdue', 'heartbeat_missed']);
});

test('a push applied late never moves the last ping backwards', () => {
  const facts = freshFacts(T0);
  applySignal(facts, { type: 'success', exitCode: null, at: T0 + 50_000 });
  const late = applySignal(facts, { type: 'fail', exitCode: null, at: T0 + 20_000 });
  assert.equal(late?.at, T0 + 20_000, 'its result keeps the time it arrived');
  assert.equal(facts.lastSeenAt, T0 + 50_000);
});
