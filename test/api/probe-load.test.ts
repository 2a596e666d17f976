/**
 * Saturation is never silent: results taken while the probe was degraded (a check that
 * started ≥ 1 s late, or an event loop ≥ 50 ms behind: domain/probe-load.ts) are flagged in
 * the API and on the status page, and an incident opened only by such results is marked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PROBE_LOAD_LIMITS } from '../../src/domain/probe-load.js';
import { startFixedResponse } from '../helpers/servers/http-catalog.js';
import type { TestServer } from '../helpers/servers/test-server.js';
import { startApiFixture, type ApiFixture } from './helpers/api-fixture.js';

describe('probe-degraded results and incidents', () => {
  let f: ApiFixture;
  let ok: TestServer;
  before(async () => {
    f = await startApiFixture();
    ok = await startFixedResponse(200, 'all good');
    const created = await f.call('POST', '/api/v1/targets', { body: { id: 'web', name: 'Web', check: { url: `${ok.url}health` } } });
    assert.equal(created.status, 201);
  });
  after(async () => {
    await f.close();
    await ok.close();
  });

  it('flags each stored result by its own scheduling lag, with the reason; a check now on time is not flagged', async () => {
    await f.daemon.runScheduledCheck('web', 0);
    await f.daemon.runScheduledCheck('web', PROBE_LOAD_LIMITS.schedulingLagMs - 1);
    await f.daemon.runScheduledCheck('web', PROBE_LOAD_LIMITS.schedulingLagMs + 500);
    const results = await f.call('GET', '/api/v1/targets/web/results');
    assert.equal(results.status, 200);
    // newest first
    assert.deepEqual(
      results.json.items.map((i: { schedulingLagMs: number; probeDegraded: boolean; probeDegradedReasons: string[] }) => [i.schedulingLagMs, i.probeDegraded, i.probeDegradedReasons]),
      [[1500, true, ['scheduling_lag']], [999, false, []], [0, false, []]],
    );
    const now = await f.call('POST', '/api/v1/targets/web/check');
    assert.equal(now.status, 200);
    assert.equal(now.json.probeDegraded, false);
    assert.deepEqual(now.json.probeDegradedReasons, []);
  });

  it('the status page says when the last check and how many recent ones were taken while the probe was overloaded', async () => {
    await f.daemon.runScheduledCheck('web', 2_000);
    const page = await f.call('GET', '/', { token: null });
    assert.equal(page.status, 200);
    assert.match(page.text, /data-probe-degraded="last">Last check taken while the probe was overloaded \(the check started late\)/);
    // 5 results: lag 0, 999, 1500, the check now (0), 2000
    assert.match(page.text, /data-probe-degraded="recent">2 of 5 checks in the last 6 h were taken while the probe was overloaded\./);
    await f.daemon.runScheduledCheck('web', 0);
    const later = await f.call('GET', '/', { token: null });
    assert.doesNotMatch(later.text, /data-probe-degraded="last"/, 'an on-time check clears the last-check flag');
    assert.match(later.text, /data-probe-degraded="recent">2 of 6 checks/);
  });

  it('an incident opened only by probe-degraded results is marked in the API and on the status page', async () => {
    const startedAt = Date.now() - 60_000;
    await f.daemon.store.openIncident({ targetId: 'web', openedAt: startedAt, errorKind: 'timeout', detail: 'no response in 10000 ms', failureCount: 2, probeDegraded: true });
    const incidents = await f.call('GET', '/api/v1/targets/web/incidents');
    assert.equal(incidents.status, 200);
    assert.equal(incidents.json.items[0].openedWhileProbeDegraded, true);
    const page = await f.call('GET', '/', { token: null });
    assert.match(page.text, /no response in 10000 ms <span class="probe-degraded" data-probe-degraded="incident">\(opened only by checks taken while the probe was overloaded: the probe may be the cause\)<\/span>/);
  });
});
