// The alert channel API on a real `vigil serve` (in process, real SQLite outbox) with a real
// HTTP server on 127.0.0.1 standing in for PagerDuty and Telegram: list, test, delivery log,
// scopes, hostile input, and no secret in any answer or log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { startInProcess } from '../daemon/in-process.js';
import { startProvider } from './channel-helpers.js';

const ROUTING_KEY = 'pd-routing-key-do-not-show-0123';
const BOT_TOKEN = '987654:bot-token-do-not-show';
const ADMIN = 'admin-token-0123456789abcdef';
const READER = 'read-token-0123456789abcdef';

async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('GET /alerts lists channels, POST /alerts/{name}/test reports the attempt, /deliveries pages the outbox; scopes and bad input are refused', async () => {
  const provider = await startProvider(); // PagerDuty: always 202
  // Telegram refuses the test message only: the down target's incident_opened may reach it
  // first, and must not use up the refusal (a scripted first answer did, under load).
  const telegram = await startProvider((request) =>
    request.body.includes('TEST alert from Vigil') ? { status: 400, body: `{"ok":false,"description":"chat not found for bot${BOT_TOKEN}"}` } : { status: 200 },
  );
  const dir = tempDir('alert-api');
  const down = await closedPort();
  const path = writeConfig(
    dir,
    `api:\n  tokens:\n    - { name: ops, scope: admin, token: "\${env:ADMIN}" }\n    - { name: grafana, scope: read, token: "\${env:READER}" }\n` +
      `alerts:\n  channels:\n` +
      `    - { name: pd, type: pagerduty, routingKey: "\${env:PD_KEY}", baseUrl: "${provider.url}", route: { tags: [prod] } }\n` +
      `    - { name: tg, type: telegram, botToken: "\${env:TG}", chatId: 42, baseUrl: "${telegram.url}", maxAttempts: 1 }\n` +
      `targets:\n` +
      `  - { id: web, name: Web, check: { kind: tcp, host: 127.0.0.1, port: ${down} }, interval: 1s, confirmations: 1, tags: [prod], allowPrivateTargets: true }\n`,
  );
  const running = await startInProcess(path, dir, { ADMIN, READER, PD_KEY: ROUTING_KEY, TG: BOT_TOKEN });
  const base = running.api.url;
  const answers: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
  const call = async (method: string, path: string, token: string | null = ADMIN): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${base}${path}`, { method, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, body: text === '' ? null : JSON.parse(text) };
  };
  try {
    const list = await call('GET', '/api/v1/alerts', READER);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body, {
      items: [
        { name: 'pd', kind: 'pagerduty', deliveredTotal: 0, failedTotal: 0, retriesTotal: 0, lastError: null, maxAttempts: 5, route: { targets: [], tags: ['prod'], probe: true }, repeatEveryMs: null },
        { name: 'tg', kind: 'telegram', deliveredTotal: 0, failedTotal: 0, retriesTotal: 0, lastError: null, maxAttempts: 1, route: null, repeatEveryMs: null },
      ],
      total: 2,
    });

    assert.equal((await call('POST', '/api/v1/alerts/pd/test', null)).status, 401);
    const readOnly = await call('POST', '/api/v1/alerts/pd/test', READER);
    assert.equal(readOnly.status, 403);
    assert.equal(provider.requests.length, 0, 'a refused test sends nothing');

    const ok = await call('POST', '/api/v1/alerts/pd/test');
    assert.equal(ok.status, 200);
    assert.deepEqual({ ...ok.body, deliveryId: 'x', durationMs: 0 }, { channel: 'pd', kind: 'pagerduty', deliveryId: 'x', delivered: true, retryable: null, error: null, durationMs: 0 });
    // the incident of the down target may reach pd first: the test's own requests are the info ones and their resolve
    const testKeys = new Set(provider.requests.filter((r) => JSON.parse(r.body).payload?.severity === 'info').map((r) => JSON.parse(r.body).dedup_key));
    assert.equal(testKeys.size, 1);
    assert.deepEqual(provider.requests.filter((r) => testKeys.has(JSON.parse(r.body).dedup_key)).map((r) => JSON.parse(r.body).event_action), ['trigger', 'resolve'], 'a PagerDuty test triggers and resolves');
    const refused = await call('POST', '/api/v1/alerts/tg/test');
    assert.equal(refused.status, 200, 'the test ran: its outcome is in the body');
    assert.deepEqual([refused.body.delivered, refused.body.retryable, refused.body.error], [false, false, 'HTTP 400: {"ok":false,"description":"chat not found for bot[redacted]"}']);

    assert.equal((await call('POST', '/api/v1/alerts/nope/test')).status, 404);
    const badName = await call('POST', `/api/v1/alerts/${'x'.repeat(300)}/test`);
    assert.deepEqual([badName.status, badName.body.error.field], [400, 'name']);
    assert.equal((await call('GET', '/api/v1/alerts/nope/deliveries', READER)).status, 404);

    // each test is in its channel's delivery log, finished, marked as a test
    const testRow = async (channel: string, id: string) => (await call('GET', `/api/v1/alerts/${channel}/deliveries`, READER)).body.items.find((d: { id: string }) => d.id === id);
    const pdTest = await testRow('pd', ok.body.deliveryId);
    assert.match(ok.body.deliveryId, /^test-[0-9a-f-]{36}$/);
    assert.deepEqual({ ...pdTest, createdAt: 0, nextAttemptAt: 0, updatedAt: 0 }, { id: ok.body.deliveryId, channel: 'pd', eventType: 'test', isTest: true, targetId: null, state: 'delivered', attempts: 1, lastError: null, createdAt: 0, nextAttemptAt: 0, updatedAt: 0 });
    assert.ok(pdTest.updatedAt >= pdTest.createdAt);
    const tgTest = await testRow('tg', refused.body.deliveryId);
    assert.deepEqual([tgTest.eventType, tgTest.isTest, tgTest.state, tgTest.attempts, tgTest.lastError], ['test', true, 'failed', 1, refused.body.error]);
    assert.deepEqual((await call('GET', '/api/v1/alerts/tg/deliveries?state=failed', READER)).body.items.map((d: { id: string }) => d.id), [refused.body.deliveryId]);
    assert.deepEqual((await call('GET', '/api/v1/alerts/tg/deliveries?state=pending', READER)).body.items, [], 'a test is never queued');

    // the target is down: incident_opened goes to pd (tag prod) and tg (no route), through the outbox
    await waitFor(async () => (await call('GET', '/api/v1/alerts/pd/deliveries', READER)).body.items.length === 2, 15_000, 'pd delivery row');
    await waitFor(async () => (await call('GET', '/api/v1/alerts/tg/deliveries', READER)).body.items.some((d: { state: string }) => d.state === 'delivered'), 15_000, 'tg delivered');
    const pd = await call('GET', '/api/v1/alerts/pd/deliveries?state=delivered&limit=10', READER);
    assert.equal(pd.status, 200);
    const [first, row] = pd.body.items;
    // oldest first; the incident may have been written before the test
    const incidentRow = [first, row].find((d) => d.isTest === false);
    assert.deepEqual([first, row].filter((d) => d.isTest).map((d) => d.id), [ok.body.deliveryId]);
    assert.deepEqual([incidentRow.channel, incidentRow.eventType, incidentRow.isTest, incidentRow.targetId, incidentRow.state, incidentRow.attempts, incidentRow.lastError], ['pd', 'incident_opened', false, 'web', 'delivered', 1, null]);
    assert.match(incidentRow.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(Object.keys(incidentRow).sort(), ['attempts', 'channel', 'createdAt', 'eventType', 'id', 'isTest', 'lastError', 'nextAttemptAt', 'state', 'targetId', 'updatedAt']);
    assert.equal(pd.body.nextCursor, null);
    assert.equal(telegram.requests.at(-1)!.path, `/bot${BOT_TOKEN}/sendMessage`);
    assert.deepEqual((await call('GET', '/api/v1/alerts/tg/deliveries?state=failed', READER)).body.items.map((d: { isTest: boolean }) => d.isTest), [true], 'the only failure is the test');

    for (const [query, field] of [['limit=0', 'limit'], ['limit=abc', 'limit'], ['state=lost', 'state'], ['cursor=forged', 'cursor'], ['colour=red', 'colour']] as const) {
      const bad = await call('GET', `/api/v1/alerts/pd/deliveries?${query}`, READER);
      assert.equal(bad.status, 400, query);
      assert.equal(bad.body.error.field, field, query);
    }
    const stats = await call('GET', '/api/v1/stats', READER);
    // the tests (one delivered, one failed) are not incident alerts: not in the counters
    assert.deepEqual(stats.body.alerts.map((a: { webhook: string; kind: string; deliveredTotal: number; failedTotal: number }) => [a.webhook, a.kind, a.deliveredTotal, a.failedTotal]), [['pd', 'pagerduty', 1, 0], ['tg', 'telegram', 1, 0]]);
  } finally {
    await running.stop();
    await provider.close();
    await telegram.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const everything = [...answers, ...running.log.lines].join('\n');
  assert.ok(!everything.includes(ROUTING_KEY) && !everything.includes(BOT_TOKEN), 'no secret in any answer or log line');
});
