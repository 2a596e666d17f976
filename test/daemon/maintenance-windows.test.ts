// Maintenance windows through the real daemon: a failing target inside a window is checked
// and stored (flagged), opens no incident and sends no alert; the API lists, creates and
// refuses; a reload that drops the window lets the incident open; API windows survive restarts.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { ScheduledResult } from '../../src/daemon/daemon-handle.js';
import { startTargetServer, tempDir, waitFor, writeConfig } from './helpers.js';
import { startInProcess } from './in-process.js';

const SECRET = 'maintenance-test-secret-1';

interface WindowJson { id: string; source: string; kind: string; openNow: boolean; cron?: string; next: unknown[] }
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
type Json = any;

function configText(hookPort: number, targetUrl: string, window: string): string {
  return (
    `alerts:\n  webhooks:\n    - name: ops\n      url: http://127.0.0.1:${hookPort}/hook\n      secretEnv: HOOK_SECRET\n      initialBackoff: 50ms\n` +
    window +
    `targets:\n  - id: db\n    name: Database\n    check: { url: "${targetUrl}/", expectStatus: "200" }\n    interval: 1s\n    confirmations: 1\n    tags: [db]\n    allowPrivateTargets: true\n`
  );
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${base}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: (text === '' ? null : JSON.parse(text)) as Json };
}

test('inside a window a failing target is stored flagged, opens no incident, alerts nobody; outside it does', async () => {
  const target = await startTargetServer(0, 500);
  const hooks: string[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push(body);
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookPort = (receiver.address() as AddressInfo).port;
  const dir = tempDir('maint');
  const now = Date.now();
  // The recurring window starts 12 hours from now (in UTC), so it is closed whenever this runs.
  const farHour = (new Date(now).getUTCHours() + 12) % 24;
  const window =
    `maintenance:\n  - id: db-upgrade\n    title: "Database <upgrade>"\n    from: "${new Date(now - 3_600_000).toISOString()}"\n    to: "${new Date(now + 3_600_000).toISOString()}"\n    tags: [db]\n` +
    `  - id: nightly\n    cron: "0 ${farHour} * * *"\n    duration: 30m\n    timezone: UTC\n    targets: [other]\n`;
  const path = writeConfig(dir, configText(hookPort, target.url, window));
  let running = await startInProcess(path, dir, { HOOK_SECRET: SECRET });
  const results: ScheduledResult[] = [];
  running.daemon.onResult((e) => results.push(e));
  try {
    await waitFor(() => results.length >= 3, 8_000, 'three results inside the window');
    assert.ok(results.every((r) => r.inMaintenance === true && r.result.status === 'down'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await running.daemon.store.getOpenIncident('db'), null, 'no incident inside the window');
    assert.equal(hooks.length, 0, 'no alert inside the window');
    await waitFor(async () => (await running.daemon.store.queryResults({ targetId: 'db', fromMs: 0, toMs: Date.now() + 1 })).items.length >= 3, 3_000, 'stored');
    const stored = await running.daemon.store.queryResults({ targetId: 'db', fromMs: 0, toMs: Date.now() + 1 });
    assert.ok(stored.items.every((r) => r.inMaintenance === true));
    const uptime = await running.daemon.store.uptime('db', '1h', Date.now() + 1);
    assert.deepEqual([uptime.total, uptime.uptimePct], [0, null]);
    assert.ok(uptime.maintenance >= 3);

    const base = running.api.url;
    const list = await api(base, 'GET', '/api/v1/maintenance-windows');
    assert.equal(list.status, 200);
    assert.deepEqual((list.json.items as WindowJson[]).map((w) => [w.id, w.source, w.kind, w.openNow]), [['db-upgrade', 'config', 'one_off', true], ['nightly', 'config', 'recurring', false]]);
    assert.equal(list.json.items[1].next.length, 5);
    assert.equal((await api(base, 'GET', '/api/v1/maintenance-windows?target=db')).json.total, 1);
    assert.equal((await api(base, 'DELETE', '/api/v1/maintenance-windows/db-upgrade')).status, 409);
    const bad = await api(base, 'POST', '/api/v1/maintenance-windows', { id: 'x', cron: '0 3 * * *', duration: '1h', timezone: 'Nowhere/City', global: true });
    assert.deepEqual([bad.status, bad.json.error.field], [400, 'timezone']);
    const noScope = await api(base, 'POST', '/api/v1/maintenance-windows', { id: 'x', from: now, to: now + 1000 });
    assert.deepEqual([noScope.status, noScope.json.error.field], [400, 'targets']);
    const created = await api(base, 'POST', '/api/v1/maintenance-windows', { id: 'weekly', cron: '0 4 * * 0', duration: '2h', timezone: 'UTC', tags: ['web'] });
    assert.equal(created.status, 201);
    assert.equal(created.json.source, 'api');
    assert.equal((await api(base, 'POST', '/api/v1/maintenance-windows', { id: 'weekly', from: now, to: now + 1000, global: true })).status, 409);
    const put = await api(base, 'PUT', '/api/v1/maintenance-windows/weekly', { cron: '0 5 * * 0', duration: '1h', timezone: 'UTC', tags: ['web'] });
    assert.deepEqual([put.status, put.json.cron], [200, '0 5 * * 0']);

    // the window leaves the file: the next failures open an incident and alert
    writeConfig(dir, configText(hookPort, target.url, ''));
    await running.reload();
    await waitFor(() => hooks.some((h) => h.includes('incident_opened')), 8_000, 'incident_opened after the window is gone');
    assert.notEqual(await running.daemon.store.getOpenIncident('db'), null);
    assert.ok(results.some((r) => r.inMaintenance === undefined));
    await running.stop();

    // a restart keeps the API window; the dropped config windows stay gone
    running = await startInProcess(path, dir, { HOOK_SECRET: SECRET });
    const after = await api(running.api.url, 'GET', '/api/v1/maintenance-windows');
    assert.deepEqual((after.json.items as WindowJson[]).map((w) => [w.id, w.source, w.cron]), [['weekly', 'api', '0 5 * * 0']]);
    assert.equal((await api(running.api.url, 'DELETE', '/api/v1/maintenance-windows/weekly')).status, 204);
    assert.equal((await api(running.api.url, 'GET', '/api/v1/maintenance-windows/weekly')).status, 404);
  } finally {
    await running.stop();
    await target.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  }
});

test('a bad window refuses the file, naming the field', async () => {
  const dir = tempDir('maint-bad');
  const path = writeConfig(dir, `maintenance:\n  - id: w\n    cron: "0 3 * * *"\n    duration: 1h\n    timezone: Europe/Nowhere\n    global: true\ntargets: []\n`);
  await assert.rejects(startInProcess(path, dir), (err: Error) => err.message === 'maintenance[0].timezone: unknown IANA time zone "Europe/Nowhere"');
});
