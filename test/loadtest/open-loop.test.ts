// The open loop (RATE): the knobs, the schedule's arithmetic, and short real runs against the
// mock servers (a second or two each). Assertions are about counts and relations that hold
// on any machine, not about how fast this one is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLoadTest, type LoadTestReport } from '../../src/loadtest/index.js';
import { KnobError } from '../../src/loadtest/options/knob-parsers.js';
import { parseInvocation } from '../../src/loadtest/options/load-test-options.js';
import { formatSummary } from '../../src/loadtest/report/format-summary.js';
import { parseReport } from '../../src/loadtest/report/report-schema.js';
import { slotOffsetMs, slotsDueBefore } from '../../src/loadtest/workers/drive-open-loop.js';

function refusal(env: Record<string, string>): string {
  try {
    parseInvocation([], env);
  } catch (err) {
    assert.ok(err instanceof KnobError);
    return err.message;
  }
  return assert.fail('expected the knobs to be refused');
}

test('RATE: a fixed rate or a ramp; the ramp sets the duration; the closed loop stays the default', () => {
  assert.equal(parseInvocation([], {}).options.rate, null);
  const fixed = parseInvocation(['--rate', '5000'], {}).options;
  assert.deepEqual(fixed.rate, { fromPerSec: 5000, toPerSec: 5000, overSecs: null });
  assert.equal(fixed.rampSecs, 0, 'no worker ramp in the open loop');
  assert.equal(fixed.kneeP99Ms, 100);
  const ramp = parseInvocation([], { RATE: '1000..20000/10s', KNEE_P99_MS: '50' }).options;
  assert.deepEqual(ramp.rate, { fromPerSec: 1000, toPerSec: 20000, overSecs: 10 });
  assert.equal(ramp.durationSecs, 10);
  assert.equal(ramp.kneeP99Ms, 50);
  assert.equal(parseInvocation([], { RATE: '100..200/5s', DURATION_SECS: '5' }).options.durationSecs, 5);
  for (const bad of ['0', '-5', 'abc', '1e3', '1000..', '1000..20000', '1000..20000/0s', '1000..20000/10', '1000..2000000/10s', '..5/1s']) {
    assert.match(refusal({ RATE: bad }), new RegExp(`^RATE=${JSON.stringify(bad).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is invalid: expected checks per second`), bad);
  }
  assert.match(refusal({ RATE: '100', RAMP_SECS: '1' }), /^RAMP_SECS="1" is invalid: expected unset with RATE/);
  assert.match(refusal({ RATE: '100..200/5s', DURATION_SECS: '7' }), /^DURATION_SECS="7" is invalid: expected unset or 5 with RATE=100\.\.200\/5s/);
  assert.match(refusal({ KNEE_P99_MS: '0' }), /^KNEE_P99_MS="0" is invalid/);
});

test('the schedule: slot k of a fixed rate is due at k / rate; a ramp inverts its own count', () => {
  const fixed = { fromPerSec: 4000, toPerSec: 4000, overSecs: null };
  assert.equal(slotOffsetMs(fixed, 0), 0);
  assert.equal(slotOffsetMs(fixed, 4000), 1000);
  assert.equal(slotsDueBefore(fixed, 1000), 4000);
  const ramp = { fromPerSec: 1000, toPerSec: 3000, overSecs: 2 };
  // N(2 s) = 1000·2 + (1000/s²)·2²/2 = 4000 slots; the rate at 1 s is 2000/s
  assert.equal(slotsDueBefore(ramp, 2000), 4000);
  assert.equal(slotsDueBefore(ramp, 1000), 1500);
  for (const k of [0, 1, 10, 1499, 1500, 3999]) assert.ok(Math.abs(slotsDueBefore(ramp, slotOffsetMs(ramp, k)) - k) <= 1, `slot ${k}`);
  const offsets = [0, 1, 2, 3, 4].map((k) => slotOffsetMs(ramp, k));
  assert.deepEqual([...offsets].sort((a, b) => a - b), offsets, 'increasing');
});

async function run(env: Record<string, string>): Promise<LoadTestReport> {
  const options = parseInvocation([], { MOCK_PORTS: '2', REPORT_SECS: '0', PROCS: '1', ...env }).options;
  const report = await runLoadTest(options);
  assert.ok(parseReport(JSON.parse(JSON.stringify(report))).ok, 'the report matches its schema');
  return report;
}

test('RATE=200 for 1 s: 200 slots scheduled, each started or dropped, latency from intended ≥ from start', async () => {
  const r = await run({ RATE: '200', DURATION_SECS: '1', CONCURRENCY: '100' });
  const open = r.openLoop;
  assert.ok(open !== null);
  assert.equal(open.scheduled, 200);
  assert.equal(open.started + open.dropped, open.scheduled);
  assert.equal(r.totals.checks + r.totals.cancelled, open.started, 'every started check is counted once');
  assert.equal(open.askedRatePerSec, 200);
  assert.equal(open.achievedRatePerSec, open.started);
  const fromIntended = open.latencyFromIntendedMs;
  const fromStart = open.latencyFromStartMs;
  assert.deepEqual(fromStart, r.latencyMs);
  for (const p of ['p50', 'p99', 'max'] as const) assert.ok((fromIntended[p] ?? -1) >= (fromStart[p] ?? Infinity) - 0.01, `${p}: intended ${fromIntended[p]} ≥ start ${fromStart[p]}`);
  assert.ok(open.scheduleLagMs.p50 !== null && open.scheduleLagMs.p50 >= 0);
  assert.equal(open.windows.length, 1);
  assert.equal(open.windows[0]?.scheduled, 200);
  assert.equal(open.windows[0]?.ratePerSec, 200);
  assert.equal(r.phasesMs.dns.count, 0, 'the mocks are IP literals');
  assert.equal(r.phasesMs.tls.count, 0);
  assert.equal(r.phasesMs.connect.count, r.totals.success);
  const text = formatSummary(r);
  assert.match(text, /open loop \(RATE 200\/s, at most 100 in flight\)/);
  assert.match(text, /^schedule +200 scheduled · \d+ started · \d+ dropped \(cap reached\)$/m);
  assert.match(text, /^latency ms .*\(from the intended start: coordinated omission corrected\)$/m);
  assert.match(text, /^ +p50 .*\(from the actual start\)$/m);
  assert.match(text, /^schedule lag +p50 /m);
  assert.match(text, /^knee +/m);
  assert.doesNotMatch(text, /^workers /m);
});

test('a slot due while CONCURRENCY checks are in flight is dropped, never started late', async () => {
  // 2 in flight at most, each held 300 ms by the mock: about 2 starts per 300 ms of 100 slots/s
  const r = await run({ RATE: '100', DURATION_SECS: '1', CONCURRENCY: '2', MOCK_DELAY_MS: '300' });
  const open = r.openLoop;
  assert.ok(open !== null);
  assert.equal(open.scheduled, 100);
  assert.ok(open.started <= 2 * Math.ceil(1000 / 300) + 2, `started ${open.started}`);
  assert.equal(open.dropped, open.scheduled - open.started);
  assert.ok(open.dropped >= 80, `dropped ${open.dropped}`);
  assert.ok((open.latencyFromIntendedMs.p50 ?? 0) >= 300, 'every completed check waited for the mock');
  assert.ok(r.warnings.some((w) => w.startsWith(`${open.dropped} of 100 scheduled checks were dropped`)));
  assert.equal(open.knee.ratePerSec, null, 'dropping 80 % is past any knee');
});

test('RATE=50..150/2s: two windows at the ramp\'s rates; the knee is the highest under the bound', async () => {
  const generous = await run({ RATE: '50..150/2s', CONCURRENCY: '100', KNEE_P99_MS: '600000' });
  const open = generous.openLoop;
  assert.ok(open !== null);
  assert.equal(generous.config.durationSecs, 2);
  assert.equal(open.scheduled, 200);
  assert.deepEqual(open.windows.map((w) => [w.fromSecs, w.ratePerSec, w.scheduled]), [[0, 75, 75], [1, 125, 125]]);
  assert.equal(open.knee.ratePerSec, 125);
  assert.match(formatSummary(generous), /^knee +125 checks\/s: the highest rate with p99 \(from intended\) < 600000 ms/m);
  assert.match(formatSummary(generous), /^windows +from s +rate\/s/m);
  const strict = await run({ RATE: '50..150/2s', CONCURRENCY: '100', KNEE_P99_MS: '0.001' });
  assert.equal(strict.openLoop?.knee.ratePerSec, null, 'no check completes within 1 µs');
});
