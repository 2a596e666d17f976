/**
 * Issue 11 item 3: deleting a target left its open incident open forever, deleting and
 * re-creating the same id sent one incident_opened per re-creation for one stored incident,
 * `resolved` reported a wrong duration, and the history endpoints answered 404 for a deleted
 * id although the docs say results and incidents are kept. A real daemon, a real receiver.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTargetServer, tempDir, waitFor, writeConfig } from './helpers.js';
import { startInProcess } from './in-process.js';

type Hook = { type: string; target?: { id: string }; durationMs?: number; reason?: string; text?: string };

test('deleting a target closes its open incident with one alert; re-creating the id opens a new one once; history stays reachable', async () => {
  const target = await startTargetServer(0, 500);
  const hooks: Hook[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push(JSON.parse(body) as Hook);
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const dir = tempDir('delete-incident');
  const path = writeConfig(
    dir,
    `alerts:\n  webhooks:\n    - name: ops\n      url: http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook\n      secretEnv: HOOK_SECRET\n      initialBackoff: 50ms\n` +
      'defaults:\n  allowPrivateTargets: true\ntargets: []\n',
  );
  const running = await startInProcess(path, dir, { HOOK_SECRET: 'delete-test-secret-123' });
  const api = (method: string, p: string, body?: unknown) =>
    fetch(`${running.api.url}/api/v1${p}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const input = { id: 'shop', name: 'Shop', check: { url: `${target.url}/`, expectStatus: '200' }, interval: '1s', confirmations: 2 };
  const store = running.daemon.store;
  const of = (type: string) => hooks.filter((h) => h.type === type);
  try {
    assert.equal((await api('POST', '/targets', input)).status, 201);
    await waitFor(async () => (await store.getOpenIncident('shop')) !== null && of('incident_opened').length === 1, 10_000, 'incident opened');
    const opened = (await store.getOpenIncident('shop'))!;

    // a changed check of a target that is down keeps its one incident (no second opened)
    assert.equal((await api('PUT', '/targets/shop', { ...input, check: { ...input.check, method: 'HEAD' } })).status, 200);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(of('incident_opened').length, 1, 'a re-defined check does not page again');

    const deletedAt = Date.now();
    assert.equal((await api('DELETE', '/targets/shop')).status, 204);
    await waitFor(() => of('incident_resolved').length === 1, 5_000, 'one closing alert');
    await waitFor(async () => (await store.getOpenIncident('shop')) === null, 3_000, 'incident closed in the store');
    const closed = (await store.listIncidents({ targetId: 'shop', state: 'closed' })).items;
    assert.equal(closed.length, 1);
    assert.equal(closed[0]!.id, opened.id);
    assert.equal(closed[0]!.lastDetail, 'target removed');
    assert.notEqual(closed[0]!.errorKind, null, 'the cause stays the real one');
    assert.ok(closed[0]!.closedAt! >= deletedAt - 50 && closed[0]!.closedAt! <= Date.now());
    const resolved = of('incident_resolved')[0]!;
    assert.equal(resolved.reason, 'target_removed');
    assert.equal(resolved.target?.id, 'shop');
    assert.equal(resolved.durationMs, closed[0]!.closedAt! - closed[0]!.openedAt, 'the alert says the stored duration');
    assert.match(resolved.text ?? '', /^CLOSED Shop — target removed while down/);

    // history of the deleted id stays reachable, as documented
    const incidents = await api('GET', '/targets/shop/incidents');
    assert.equal(incidents.status, 200);
    assert.equal(((await incidents.json()) as { items: unknown[] }).items.length, 1);
    const results = await api('GET', '/targets/shop/results');
    assert.equal(results.status, 200);
    assert.ok(((await results.json()) as { items: unknown[] }).items.length >= 2);
    assert.equal((await api('GET', '/targets/shop/uptime')).status, 200);
    assert.equal((await api('GET', '/targets/never-existed/results')).status, 404);

    // re-created with the same id, still failing: a new incident, paged once
    assert.equal((await api('POST', '/targets', input)).status, 201);
    await waitFor(async () => (await store.getOpenIncident('shop')) !== null, 10_000, 'a new incident');
    await new Promise((r) => setTimeout(r, 3_000));
    const all = (await store.listIncidents({ targetId: 'shop', state: 'all' })).items;
    assert.equal(all.length, 2, 'two stored incidents');
    assert.equal(of('incident_opened').length, 2, 'one incident_opened per stored incident');
    assert.equal(of('incident_resolved').length, 1);
  } finally {
    await running.stop();
    await target.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  }
});
