import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PhaseTimer } from './phase-timer.js';

describe('PhaseTimer', () => {
  it('turns marks into phases in ms with µs precision; a phase without both marks is null', () => {
    const timer = new PhaseTimer(1000);
    timer.mark('connectStart', 1000.25);
    timer.mark('connectEnd', 1001.5004);
    timer.mark('requestWritten', 1001.6);
    timer.mark('headers', 1003.6);
    assert.deepEqual(timer.finish(1004.1234), {
      dnsMs: null,
      connectMs: 1.25,
      tlsMs: null,
      ttfbMs: 2,
      receiveMs: null,
      totalMs: 4.123,
    });
  });

  it('phases never add up to more than totalMs, whatever the rounding', () => {
    const timer = new PhaseTimer(10.0004);
    const marks = ['dnsStart', 'dnsEnd', 'connectStart', 'connectEnd', 'tlsEnd', 'requestWritten', 'headers', 'bodyEnd'] as const;
    marks.forEach((name, i) => timer.mark(name, 10.0004 + i * 0.3333337));
    const t = timer.finish(10.0004 + 7 * 0.3333337);
    const sum = [t.dnsMs, t.connectMs, t.tlsMs, t.ttfbMs, t.receiveMs].reduce<number>((a, b) => a + (b ?? 0), 0);
    assert.ok(sum <= t.totalMs + 1e-9, `phases ${sum} > total ${t.totalMs}`);
    for (const v of [t.dnsMs, t.connectMs, t.tlsMs, t.ttfbMs, t.receiveMs]) assert.notEqual(v, null);
  });

  it('a mark before the start counts as the start, and marks out of order give null, not a negative phase', () => {
    const timer = new PhaseTimer(50);
    timer.mark('requestWritten', 49);
    timer.mark('headers', 50.5);
    timer.mark('bodyEnd', 50.2);
    const t = timer.finish(51);
    assert.equal(t.ttfbMs, 0.5);
    assert.equal(t.receiveMs, null);
  });

  it('resetHop clears the phases of the earlier hop but not the total', () => {
    const timer = new PhaseTimer(0);
    timer.mark('dnsStart', 1);
    timer.mark('dnsEnd', 2);
    timer.resetHop();
    timer.mark('requestWritten', 5);
    timer.mark('headers', 7);
    const t = timer.finish(8);
    assert.equal(t.dnsMs, null);
    assert.equal(t.ttfbMs, 2);
    assert.equal(t.totalMs, 8);
  });
});
