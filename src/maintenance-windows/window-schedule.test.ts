import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMaintenanceWindow, WindowInputError } from './maintenance-window.js';
import { compileWindow } from './window-schedule.js';
import { MaintenanceWindowSet } from './window-set.js';

const at = (iso: string): number => Date.parse(iso);
const HOUR = 3_600_000;

function recurring(cron: string, duration: string, timezone: string) {
  return compileWindow(parseMaintenanceWindow({ id: 'w', cron, duration, timezone, global: true }, 'config'));
}

describe('maintenance window schedule', () => {
  it('a one-off window is open on [from, to)', () => {
    const w = compileWindow(parseMaintenanceWindow({ id: 'once', from: '2026-12-05T02:00:00Z', to: '2026-12-05T04:00:00+00:00', targets: ['api'] }, 'api'));
    assert.equal(w.openAt(at('2026-12-05T01:59:59.999Z')), null);
    assert.deepEqual(w.openAt(at('2026-12-05T02:00:00Z')), { windowId: 'once', title: 'once', startMs: at('2026-12-05T02:00:00Z'), endMs: at('2026-12-05T04:00:00Z') });
    assert.notEqual(w.openAt(at('2026-12-05T03:59:59.999Z')), null);
    assert.equal(w.openAt(at('2026-12-05T04:00:00Z')), null);
  });

  it('a recurring window keeps its local start across the spring-forward change and lasts elapsed time', () => {
    // 01:00 Europe/Berlin for 3 h. 2026-03-29 02:00 CET jumps to 03:00 CEST.
    const w = recurring('0 1 * * *', '3h', 'Europe/Berlin');
    // Saturday: 01:00 CET = 00:00Z, open until 03:00Z
    assert.equal(w.openAt(at('2026-03-28T00:00:00Z'))?.startMs, at('2026-03-28T00:00:00Z'));
    // Sunday (the change): 01:00 CET = 00:00Z; 3 real hours end at 03:00Z = 05:00 CEST (not 04:00 local)
    const sunday = w.openAt(at('2026-03-29T02:59:59Z'));
    assert.deepEqual([sunday?.startMs, sunday?.endMs], [at('2026-03-29T00:00:00Z'), at('2026-03-29T03:00:00Z')]);
    assert.equal(w.openAt(at('2026-03-29T03:00:00Z')), null);
    // Monday: 01:00 CEST = 23:00Z the day before, an hour earlier in UTC
    assert.equal(w.openAt(at('2026-03-29T22:59:59Z')), null);
    assert.equal(w.openAt(at('2026-03-29T23:00:00Z'))?.startMs, at('2026-03-29T23:00:00Z'));
    const next = w.occurrences(at('2026-03-27T12:00:00Z'), at('2026-03-31T12:00:00Z'), 10).map((o) => new Date(o.startMs).toISOString());
    assert.deepEqual(next, ['2026-03-28T00:00:00.000Z', '2026-03-29T00:00:00.000Z', '2026-03-29T23:00:00.000Z', '2026-03-30T23:00:00.000Z']);
  });

  it('a start time that does not exist runs at the next valid minute; an ambiguous one runs once', () => {
    const spring = recurring('30 2 * * *', '30m', 'Europe/Berlin');
    // 02:30 does not exist on 2026-03-29: it runs at 03:30 CEST = 01:30Z
    assert.equal(spring.openAt(at('2026-03-29T01:45:00Z'))?.startMs, at('2026-03-29T01:30:00Z'));
    const autumn = recurring('30 2 * * *', '30m', 'Europe/Berlin');
    // 02:30 happens twice on 2026-10-25 (CEST 00:30Z, then CET 01:30Z): the window opens at the first only
    assert.notEqual(autumn.openAt(at('2026-10-25T00:45:00Z')), null);
    assert.equal(autumn.openAt(at('2026-10-25T01:45:00Z')), null);
  });

  it('a window crossing midnight and a window open at the query start are found', () => {
    const w = recurring('0 23 * * *', '2h', 'UTC');
    assert.equal(w.openAt(at('2026-05-02T00:30:00Z'))?.startMs, at('2026-05-01T23:00:00Z'));
    const list = w.occurrences(at('2026-05-02T00:30:00Z'), at('2026-05-03T00:00:00Z'), 5);
    assert.deepEqual(list.map((o) => o.startMs), [at('2026-05-01T23:00:00Z'), at('2026-05-02T23:00:00Z')]);
    assert.equal(list[0]?.endMs, at('2026-05-02T01:00:00Z'));
  });

  it('matches targets by id, tag or globally', () => {
    const set = new MaintenanceWindowSet([
      parseMaintenanceWindow({ id: 'db', from: 0, to: 10 * HOUR, tags: ['db'] }, 'config'),
      parseMaintenanceWindow({ id: 'one', from: 20 * HOUR, to: 30 * HOUR, targets: ['api'] }, 'config'),
    ]);
    assert.equal(set.openFor({ id: 'x', tags: ['db'] }, HOUR)?.windowId, 'db');
    assert.equal(set.openFor({ id: 'x', tags: ['web'] }, HOUR), null);
    assert.equal(set.openFor({ id: 'api', tags: [] }, 25 * HOUR)?.windowId, 'one');
    assert.equal(set.openFor({ id: 'api', tags: [] }, 30 * HOUR), null);
    assert.deepEqual(set.upcoming(5 * HOUR, 40 * HOUR, 5).map((o) => o.window.id), ['one']);
  });

  it('refuses bad input naming the field', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ id: 'a', from: '2026-12-05T02:00:00', to: '2026-12-05T03:00:00Z', global: true }, 'from', /zone/],
      [{ id: 'a', from: '2026-12-05T04:00:00Z', to: '2026-12-05T03:00:00Z', global: true }, 'to', /after from/],
      [{ id: 'a', from: '2026-12-05T02:00:00Z', global: true }, 'to', /missing/],
      [{ id: 'a', cron: '0 3 * * *', duration: '1h', global: true }, 'timezone', /IANA/],
      [{ id: 'a', cron: '0 3 * * *', duration: '1h', timezone: 'Mars/Olympus', global: true }, 'timezone', /unknown/],
      [{ id: 'a', cron: '0 99 * * *', duration: '1h', timezone: 'UTC', global: true }, 'cron', /cron/],
      [{ id: 'a', cron: '0 3 * * * *', duration: '1h', timezone: 'UTC', global: true }, 'cron', /5 fields/],
      [{ id: 'a', cron: '0 3 * * *', duration: '8d', timezone: 'UTC', global: true }, 'duration', /1m to 7d/],
      [{ id: 'a', cron: '0 3 * * *', duration: '1h', timezone: 'UTC' }, 'targets', /scope/],
      [{ id: 'a', cron: '0 3 * * *', duration: '1h', timezone: 'UTC', global: true, tags: ['x'] }, 'global', /leave out/],
      [{ id: 'a', from: 0, to: 1, cron: '0 3 * * *', global: true }, 'cron', /not both/],
      [{ id: 'a b', from: 0, to: 1, global: true }, 'id', /letters/],
      [{ id: 'a', from: 0, to: 1, global: true, colour: 'red' }, 'colour', /unknown field/],
    ];
    for (const [input, field, message] of cases) {
      assert.throws(
        () => parseMaintenanceWindow(input, 'api'),
        (err: unknown) => err instanceof WindowInputError && err.field === field && message.test(err.message),
        `${JSON.stringify(input)} should fail on ${field}`,
      );
    }
  });
});
