import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseAction } from '../../src/loadtest/mock-servers/mock-behaviour.js';
import { parseFaultMix } from '../../src/loadtest/options/knob-parsers.js';

const config = { delayMs: { minMs: 0, maxMs: 0 }, faults: parseFaultMix('500:0.1,reset:0.1,close:0.1,slow:0.1'), slowMs: 1234 };

test('each fault takes its slice of the draw; the rest answer 200', () => {
  const at = (draw: number) => chooseAction(config, () => draw);
  assert.deepEqual(at(0.05), { type: 'status', statusCode: 500, delayMs: 0 });
  assert.deepEqual(at(0.15), { type: 'reset' });
  assert.deepEqual(at(0.25), { type: 'close' });
  assert.deepEqual(at(0.35), { type: 'slow', delayMs: 1234 });
  assert.deepEqual(at(0.45), { type: 'ok', delayMs: 0 });
});

test('a delay range is spread uniformly and inclusively', () => {
  const ranged = { delayMs: { minMs: 10, maxMs: 20 }, faults: [], slowMs: 0 };
  assert.deepEqual(chooseAction(ranged, () => 0), { type: 'ok', delayMs: 10 });
  assert.deepEqual(chooseAction(ranged, () => 0.9999), { type: 'ok', delayMs: 20 });
});
