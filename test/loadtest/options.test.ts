import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KnobError, parseFaultMix } from '../../src/loadtest/options/knob-parsers.js';
import { KNOBS, helpText, parseInvocation } from '../../src/loadtest/options/load-test-options.js';

const parse = (env: Record<string, string>, argv: string[] = []) => parseInvocation(argv, env).options;

function refused(env: Record<string, string>, argv: string[] = []): KnobError {
  try {
    parseInvocation(argv, env);
  } catch (err) {
    assert.ok(err instanceof KnobError, `expected KnobError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the knobs to be refused');
}

test('defaults match the issue table', () => {
  const o = parse({});
  assert.deepEqual(
    [o.concurrency, o.durationSecs, o.timeoutMs, o.mockPorts, o.rampSecs, o.http2, o.tls, o.reportSecs, o.procs],
    [50_000, 30, 5_000, 16, 2, false, false, 1, 'auto'],
  );
  assert.deepEqual(o.mockDelayMs, { minMs: 0, maxMs: 0 });
  assert.deepEqual(o.mockFaults, []);
  assert.equal(o.jsonPath, null);
  assert.equal(o.baselinePath, null);
  assert.equal(o.maxRpsDropPct, 10);
  assert.equal(o.maxP99RisePct, 25);
});

test('flags override the environment, in both --flag v and --flag=v forms', () => {
  const o = parse({ CONCURRENCY: '10', HTTP2: '0', MOCK_DELAY_MS: '3' }, ['--concurrency', '20', '--http2', '--mock-delay-ms=1-9', '--procs=2']);
  assert.equal(o.concurrency, 20);
  assert.equal(o.http2, true);
  assert.deepEqual(o.mockDelayMs, { minMs: 1, maxMs: 9 });
  assert.equal(o.procs, 2);
});

for (const [env, value] of [
  ['HTTP2', 'yes'],
  ['CONCURRENCY', '0'],
  ['DURATION_SECS', '-1'],
  ['CONCURRENCY', '1e3'],
  ['TIMEOUT_MS', '5s'],
  ['PROCS', '0'],
  ['MOCK_DELAY_MS', '9-3'],
  ['MOCK_FAULTS', '500:0.6,reset:0.6'],
  ['MOCK_FAULTS', 'explode:0.1'],
  ['REPORT_SECS', ''],
  ['TLS', 'true'],
] as const) {
  test(`${env}=${JSON.stringify(value)} is refused, naming the variable and the accepted form`, () => {
    const err = refused({ [env]: value });
    assert.equal(err.knob, env);
    assert.match(err.message, new RegExp(`^${env}=".*" is invalid: expected .+`));
    assert.doesNotMatch(err.message, /\n/);
  });
}

test('a bad flag value names the variable too', () => {
  const err = refused({}, ['--concurrency', 'many']);
  assert.equal(err.knob, 'CONCURRENCY');
});

test('an unknown flag and a ramp longer than the duration are refused', () => {
  assert.match(refused({}, ['--concurrancy', '5']).message, /unknown flag "--concurrancy"/);
  assert.equal(refused({ DURATION_SECS: '2', RAMP_SECS: '3' }).knob, 'RAMP_SECS');
});

test('the default ramp shrinks to a shorter duration; an explicit one does not', () => {
  assert.equal(parse({ DURATION_SECS: '1' }).rampSecs, 1);
  assert.equal(parse({ DURATION_SECS: '1', RAMP_SECS: '0.5' }).rampSecs, 0.5);
  assert.equal(refused({ DURATION_SECS: '1', RAMP_SECS: '2' }).knob, 'RAMP_SECS');
});

test('fault mixes parse into shares', () => {
  assert.deepEqual(parseFaultMix('500:0.01,reset:0.005,slow:0.001,close:0.001'), [
    { fault: { type: 'status', statusCode: 500 }, probability: 0.01 },
    { fault: { type: 'reset' }, probability: 0.005 },
    { fault: { type: 'slow' }, probability: 0.001 },
    { fault: { type: 'close' }, probability: 0.001 },
  ]);
});

test('--help lists every knob with its default', () => {
  const text = helpText();
  for (const k of KNOBS) assert.match(text, new RegExp(`^  ${k.env} .* default ${k.defaultText ?? 'unset'}`, 'm'));
  assert.match(text, /--mocks-only/);
});
