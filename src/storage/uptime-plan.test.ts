import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planUptime } from './uptime-plan.js';

const H = 3_600_000;
const T = 1_000 * H; // an hour boundary

test('raw head to the next hour, rollups to the watermark, raw tail after it', () => {
  assert.deepEqual(planUptime(T + 1_000, T + 30 * H + 5, null, T + 29 * H), { rollup: [T + H, T + 29 * H], raw: [[T + 1_000, T + H], [T + 29 * H, T + 30 * H + 5]], approximate: false });
  // an aligned start has no head
  assert.deepEqual(planUptime(T, T + 5 * H, null, T + 3 * H).raw, [[T + 3 * H, T + 5 * H]]);
});

test('raw only when nothing in the window is rolled up', () => {
  assert.deepEqual(planUptime(T + 10, T + 5 * H, null, null), { rollup: null, raw: [[T + 10, T + 5 * H]], approximate: false });
  assert.deepEqual(planUptime(T + 10, T + 5 * H, null, T + H), { rollup: null, raw: [[T + 10, T + 5 * H]], approximate: false });
});

test('a window ending before the watermark stops its rollups at its last whole hour', () => {
  assert.deepEqual(planUptime(T + 10, T + 5 * H + 7, null, T + 50 * H), { rollup: [T + H, T + 5 * H], raw: [[T + 10, T + H], [T + 5 * H, T + 5 * H + 7]], approximate: false });
});

test('a start before the raw floor takes its first hour whole from the rollups (approximate)', () => {
  assert.deepEqual(planUptime(T + 10, T + 40 * H, T + 20 * H, T + 30 * H), { rollup: [T, T + 30 * H], raw: [[T + 30 * H, T + 40 * H]], approximate: true });
  assert.deepEqual(planUptime(T + 20 * H, T + 40 * H, T + 20 * H, T + 30 * H).approximate, false);
});
