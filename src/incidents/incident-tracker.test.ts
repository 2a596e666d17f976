import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CheckStatus } from '../domain/check-result.js';
import type { ErrorKind } from '../domain/error-kind.js';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.js';
import type { IncidentEvent } from './incident-events.js';
import type { Observation } from './incident-state.js';
import { IncidentTracker } from './incident-tracker.js';
import { recordIncidentEvent } from './record-incident-event.js';

// U up, G degraded, D down (connection_refused), T down (timeout), E error (internal),
// C error (circuit_open: the breaker refused the check); lower case: the same, taken while the
// probe was degraded (domain/probe-load.ts)
const CODES: Record<string, [CheckStatus, ErrorKind | null]> = {
  U: ['up', null], G: ['degraded', 'slow_response'], D: ['down', 'connection_refused'], T: ['down', 'timeout'], E: ['error', 'internal'], C: ['error', 'circuit_open'],
};

function obs(code: string, i: number): Observation {
  const [status, errorKind] = CODES[code.toUpperCase()] as [CheckStatus, ErrorKind | null];
  return { status, errorKind, detail: errorKind === null ? null : `${errorKind} #${i}`, startedAt: i * 1_000, probeDegraded: code !== code.toUpperCase() };
}

/** Runs a sequence; returns "index:type" for each event. */
function run(sequence: string, confirmations = 2, tracker = new IncidentTracker()): { events: IncidentEvent[]; summary: string[] } {
  const events: IncidentEvent[] = [];
  const summary: string[] = [];
  [...sequence].forEach((code, i) => {
    const event = tracker.observe('web', confirmations, obs(code, i));
    if (event !== null) {
      events.push(event);
      summary.push(`${i}:${event.type}`);
    }
  });
  return { events, summary };
}

describe('IncidentTracker', () => {
  it('opens after 2 consecutive bad results, dated at the first, and resolves after 2 good', () => {
    const { events, summary } = run('UUDDDUU');
    assert.deepEqual(summary, ['3:opened', '6:resolved']);
    assert.deepEqual(events[0], { type: 'opened', targetId: 'web', at: 2_000, errorKind: 'connection_refused', detail: 'connection_refused #3', failureCount: 2, probeDegraded: false });
    assert.deepEqual(events[1], {
      type: 'resolved', targetId: 'web', at: 5_000, durationMs: 3_000, failuresAdded: 1, lastErrorKind: 'connection_refused', lastDetail: 'connection_refused #4', reason: 'recovered',
    });
  });

  it('an incident opened only by results taken while the probe was degraded is marked; one clean result unmarks it', () => {
    const opened = (sequence: string): boolean => (run(sequence).events.find((e) => e.type === 'opened') as { probeDegraded: boolean }).probeDegraded;
    assert.equal(opened('Udd'), true);
    assert.equal(opened('uDD'), false, 'a degraded good result before the streak does not count');
    assert.equal(opened('dD'), false);
    assert.equal(opened('Dd'), false);
    assert.equal(opened('dUdd'), true, 'a new streak starts clean');
    assert.equal(opened('DUdd'), true);
    const three = (sequence: string): unknown => (run(sequence, 3).events[0] as { probeDegraded: boolean } | undefined)?.probeDegraded;
    assert.equal(three('ddd'), true);
    assert.equal(three('dDd'), false, 'one clean result in the streak is enough');
  });

  it('a single bad result between good ones opens nothing (flapping is absorbed)', () => {
    assert.deepEqual(run('UDUDUEUDU').summary, []);
  });

  it('error counts as bad and degraded as good', () => {
    assert.deepEqual(run('EEGGG').summary, ['1:opened', '3:resolved']);
    assert.deepEqual(run('GGGG').summary, []);
  });

  it('a single good result while down does not resolve; the good streak restarts', () => {
    assert.deepEqual(run('DDUDUDUU').summary, ['1:opened', '7:resolved']);
    const { events } = run('DDUDUDUU');
    assert.equal((events[1] as { at: number }).at, 6_000);
  });

  it('emits updated when the error kind changes while down, with the failures since the last event', () => {
    const { events, summary } = run('DDDTTDUU');
    assert.deepEqual(summary, ['1:opened', '3:updated', '5:updated', '7:resolved']);
    assert.deepEqual(events[1], { type: 'updated', targetId: 'web', at: 3_000, errorKind: 'timeout', detail: 'timeout #3', failuresAdded: 2 });
    assert.deepEqual([(events[2] as { failuresAdded: number }).failuresAdded, (events[3] as { failuresAdded: number }).failuresAdded], [2, 0]);
  });

  it('honours confirmations 1 and 3', () => {
    assert.deepEqual(run('UDU', 1).summary, ['1:opened', '2:resolved']);
    assert.deepEqual(run('DDUDDDUUUU', 3).summary, ['5:opened', '8:resolved']);
  });

  it('restoreOpen continues an incident that was open before a restart', () => {
    const tracker = new IncidentTracker();
    tracker.restoreOpen('web', { openedAt: 0, lastErrorKind: 'timeout', lastDetail: null });
    assert.equal(tracker.phaseOf('web'), 'down');
    const { events } = run('UU', 2, tracker);
    assert.deepEqual(events, [{ type: 'resolved', targetId: 'web', at: 0, durationMs: 0, failuresAdded: 0, lastErrorKind: 'timeout', lastDetail: null, reason: 'recovered' }]);
    assert.equal(tracker.phaseOf('web'), 'up');
  });

  it('circuit_open never opens, resolves or becomes the cause of an incident by itself', () => {
    // a new target whose checks the breaker refuses is never paged
    assert.deepEqual(run('CCCCCCCC').summary, []);
    assert.deepEqual(run('UUCCCCCC').summary, []);
    // while down, refused checks neither resolve nor update; the target's own good checks resolve
    assert.deepEqual(run('DDCCCCUCCU').summary, ['1:opened', '9:resolved']);
    const { events } = run('DDCTCCUCU');
    assert.deepEqual(events.map((e) => e.type), ['opened', 'updated', 'resolved']);
    assert.equal(events[1]?.type === 'updated' ? events[1].errorKind : 'x', 'timeout', 'only a real result changes the cause');
    assert.equal(events[2]?.type === 'resolved' ? events[2].lastErrorKind : 'x', 'timeout');
  });

  it('a refused check continues a bad streak the target itself started, with its own failure as the cause', () => {
    const { events, summary } = run('UDC');
    assert.deepEqual(summary, ['2:opened']);
    const opened = events[0];
    assert.equal(opened?.type, 'opened');
    if (opened?.type !== 'opened') return;
    assert.equal(opened.errorKind, 'connection_refused');
    assert.equal(opened.detail, 'connection_refused #1', 'the detail of its own last real failure');
    assert.equal(opened.at, 1_000, 'dated at its own first failure');
  });

  it('keeps targets apart', () => {
    const tracker = new IncidentTracker();
    assert.equal(tracker.observe('a', 2, obs('D', 0)), null);
    assert.equal(tracker.observe('b', 2, obs('D', 1)), null);
    assert.equal(tracker.observe('a', 2, obs('D', 2))?.type, 'opened');
    assert.equal(tracker.phaseOf('b'), 'unknown');
    assert.equal(tracker.remove('b', 5), null, 'b had no open incident');
    assert.equal(tracker.remove('a', 5_000)?.type, 'resolved');
    assert.equal(tracker.phaseOf('a'), 'unknown');
  });

  it('removing a target closes its open incident once, dated at the removal, with the right duration', () => {
    const tracker = new IncidentTracker();
    tracker.observe('a', 2, obs('D', 1));
    tracker.observe('a', 2, obs('T', 2));
    assert.deepEqual(tracker.remove('a', 10_000), {
      type: 'resolved', targetId: 'a', at: 10_000, durationMs: 9_000, failuresAdded: 0, lastErrorKind: 'timeout', lastDetail: 'timeout #2', reason: 'target_removed',
    });
    assert.equal(tracker.remove('a', 11_000), null, 'a second removal closes nothing');
  });

  it('a changed check restarts the streak but keeps an open incident open (no second opened)', () => {
    const tracker = new IncidentTracker();
    tracker.observe('a', 2, obs('D', 1));
    assert.equal(tracker.observe('a', 2, obs('D', 2))?.type, 'opened');
    tracker.resetStreak('a');
    assert.equal(tracker.phaseOf('a'), 'down');
    assert.equal(tracker.observe('a', 2, obs('D', 3)), null);
    assert.equal(tracker.observe('a', 2, obs('U', 4)), null);
    const resolved = tracker.observe('a', 2, obs('U', 5));
    assert.equal(resolved?.type === 'resolved' ? resolved.durationMs : 'x', 3_000, 'from the first failure, not the reset');
  });
});

describe('recordIncidentEvent (real SQLite store)', () => {
  it('stores open, update and resolve with the failure count and the last detail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-incidents-'));
    const store = openSqliteStore({ path: join(dir, 'vigil.db') });
    try {
      const { events } = run('DDDTTUU');
      const fresh = [];
      for (const e of events) fresh.push((await recordIncidentEvent(store, e)).fresh);
      assert.deepEqual(fresh, events.map(() => true));
      const [incident] = (await store.listIncidents()).items;
      assert.deepEqual(
        [incident?.openedAt, incident?.closedAt, incident?.errorKind, incident?.lastErrorKind, incident?.lastDetail, incident?.failureCount],
        [0, 5_000, 'connection_refused', 'timeout', 'timeout #4', 5],
      );
      assert.deepEqual(await recordIncidentEvent(store, { type: 'resolved', targetId: 'web', at: 9, durationMs: 0, failuresAdded: 0, lastErrorKind: null, lastDetail: null, reason: 'recovered' }), { incident: null, fresh: false });
      // a second writer (another cluster node taking over) finds the incident already open
      const opened = { type: 'opened' as const, targetId: 'web', at: 10_000, errorKind: 'timeout' as const, detail: 'first', failureCount: 2, probeDegraded: false };
      assert.equal((await recordIncidentEvent(store, opened)).fresh, true);
      const again = await recordIncidentEvent(store, { ...opened, at: 12_000, detail: 'second', failureCount: 3 });
      assert.deepEqual([again.fresh, again.incident?.openedAt, again.incident?.failureCount, again.incident?.lastDetail], [false, 10_000, 5, 'second']);
      const resolved = { type: 'resolved' as const, targetId: 'web', at: 20_000, durationMs: 10_000, failuresAdded: 0, lastErrorKind: 'timeout' as const, lastDetail: 'second', reason: 'recovered' as const };
      assert.equal((await recordIncidentEvent(store, resolved)).fresh, true);
      assert.equal((await recordIncidentEvent(store, { ...resolved, at: 21_000 })).fresh, false);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
