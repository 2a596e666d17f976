// Alert delivery through the outbox: a real SQLite file, a real HTTP receiver on 127.0.0.1:0,
// the real webhook sender and dispatcher. Backoffs are tens of ms; gaps are asserted as lower
// bounds only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookConfig } from '../../src/config/webhook-config.js';
import type { AlertEvent } from '../../src/alerts/alert-event.js';
import { createWebhookSender } from '../../src/alerts/webhook-sender.js';
import { createAlertDispatcher, REMOVED_CHANNEL_ERROR, type AlertDispatcher } from '../../src/alerts/alert-dispatcher.js';
import { formatPendingReport } from '../../src/alerts/delivery-report.js';
import { verifySignature } from '../../src/alerts/signature.js';
import { createMemoryLogger } from '../../src/daemon/logger.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { tempDir, waitFor } from './helpers.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  atMs: number;
}

interface Receiver {
  server: Server;
  url: string;
  port: number;
  received: Received[];
}

async function receiver(statuses: number[], port = 0, extraHeaders: Record<string, string> = {}): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), atMs: performance.now() });
      res.statusCode = statuses[received.length - 1] ?? 200;
      for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${bound}/hook`, port: bound, received };
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

const SECRET = 'test-secret-0123456789';
const EVENT: AlertEvent = {
  type: 'incident_opened',
  at: 1_700_000_000_000,
  target: { id: 'api', name: 'API', tags: ['prod'] },
  errorKind: 'connection_refused',
  detail: 'connect ECONNREFUSED 127.0.0.1:1',
  failureCount: 2,
  regions: null,
};

function hook(url: string, over: Partial<WebhookConfig> = {}): WebhookConfig {
  return { name: 'ops', url, format: 'generic', secret: SECRET, maxAttempts: 4, initialBackoffMs: 30, timeoutMs: 2_000, route: null, repeatEveryMs: null, ...over };
}

function dispatcherFor(store: Store, hooks: readonly WebhookConfig[], owner = 'node-a', log = createMemoryLogger()): AlertDispatcher {
  const channels = hooks.map((w) => ({ sender: createWebhookSender(w), maxAttempts: w.maxAttempts, initialBackoffMs: w.initialBackoffMs, timeoutMs: w.timeoutMs }));
  return createAlertDispatcher({ store, channels, log, owner, pollMs: 200 });
}

/** A fresh SQLite file per test; the store and dir go away afterwards. */
async function withOutbox(body: (store: Store, path: string) => Promise<void>): Promise<void> {
  const dir = tempDir('outbox');
  const path = join(dir, 'vigil.db');
  const store = openSqliteStore({ path });
  try {
    await body(store, path);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a generic webhook gets signed JSON with a delivery id in a header and in the signed body; the outbox row ends delivered', () =>
  withOutbox(async (store) => {
    const r = await receiver([200]);
    try {
      const alerts = dispatcherFor(store, [hook(r.url)]);
      alerts.start();
      alerts.send({ ...EVENT, detail: 'GET https://u:hunter2pass@h.example/?token=tok12345 failed' });
      await waitFor(() => r.received.length === 1, 10_000, 'the delivery');
      await waitFor(async () => (await store.listAlertDeliveries({ state: 'delivered' })).items.length === 1, 10_000, 'recorded');
      const report = await alerts.close(1_000);
      assert.deepEqual(report, { pending: [], more: false, unsaved: 0, error: null });
      assert.equal(formatPendingReport(report), null);
      const [got] = r.received;
      assert.equal(got!.headers['content-type'], 'application/json');
      assert.equal(verifySignature(SECRET, got!.body, String(got!.headers['x-vigil-signature'])), true);
      assert.equal(verifySignature('another-secret-0000', got!.body, String(got!.headers['x-vigil-signature'])), false);
      const body = JSON.parse(got!.body) as Record<string, unknown>;
      const [row] = (await store.listAlertDeliveries()).items;
      assert.match(String(got!.headers['x-vigil-delivery']), /^[0-9a-f-]{36}$/);
      assert.equal(body.deliveryId, got!.headers['x-vigil-delivery']);
      assert.deepEqual([row?.id, row?.channel, row?.eventType, row?.targetId, row?.state, row?.attempts, row?.lastError], [body.deliveryId, 'ops', 'incident_opened', 'api', 'delivered', 1, null]);
      assert.deepEqual([body.type, body.version, body.at], ['incident_opened', 1, '2023-11-14T22:13:20.000Z']);
      assert.match(String(body.text), /^DOWN API — connection_refused/);
      for (const secret of ['hunter2pass', 'tok12345']) assert.ok(!row!.payload.includes(secret) && !got!.body.includes(secret), `${secret} is redacted in the outbox and the body`);
      assert.deepEqual(alerts.stats(), [{ webhook: 'ops', kind: 'webhook', deliveredTotal: 1, failedTotal: 0, retriesTotal: 0, lastError: null }]);
    } finally {
      await close(r.server);
    }
  }));

test('5xx and 429 are retried with exponential backoff, attempts persisted, the same body and id every time', () =>
  withOutbox(async (store) => {
    const r = await receiver([500, 429, 200]);
    try {
      const alerts = dispatcherFor(store, [hook(r.url, { initialBackoffMs: 40 })]);
      alerts.start();
      alerts.send(EVENT);
      await waitFor(async () => (await store.listAlertDeliveries({ state: 'delivered' })).items.length === 1, 10_000, 'delivered');
      await alerts.close(1_000);
      assert.equal(r.received.length, 3);
      const gaps = [r.received[1]!.atMs - r.received[0]!.atMs, r.received[2]!.atMs - r.received[1]!.atMs];
      assert.ok(gaps[0]! >= 38, `first backoff ${gaps[0]}`);
      assert.ok(gaps[1]! >= 78, `second backoff doubles: ${gaps[1]}`);
      assert.equal(new Set(r.received.map((x) => x.body)).size, 1, 'the same body every attempt');
      assert.equal(new Set(r.received.map((x) => x.headers['x-vigil-delivery'])).size, 1, 'the same delivery id every attempt');
      const [row] = (await store.listAlertDeliveries()).items;
      assert.deepEqual([row?.state, row?.attempts, row?.lastError], ['delivered', 3, null]);
      const stats = alerts.stats()[0]!;
      assert.deepEqual([stats.deliveredTotal, stats.retriesTotal, stats.failedTotal, stats.lastError], [1, 2, 0, null], 'a later success clears the last error');
    } finally {
      await close(r.server);
    }
  }));

test('a receiver\'s Retry-After (seconds) lengthens the wait', () =>
  withOutbox(async (store) => {
    const r = await receiver([503, 200], 0, { 'retry-after': '1' });
    try {
      const alerts = dispatcherFor(store, [hook(r.url, { initialBackoffMs: 10 })]);
      alerts.start();
      alerts.send(EVENT);
      await waitFor(() => r.received.length === 2, 10_000, 'the second attempt');
      await alerts.close(1_000);
      assert.ok(r.received[1]!.atMs - r.received[0]!.atMs >= 990, 'waited the asked second, not 10 ms');
    } finally {
      await close(r.server);
    }
  }));

test('a 4xx is given up at once; a dead receiver after maxAttempts; both logged, counted and stored without URL or secret', () =>
  withOutbox(async (store) => {
    const r = await receiver([400]);
    const log = createMemoryLogger();
    const alerts = dispatcherFor(store, [hook(r.url, { maxAttempts: 3, initialBackoffMs: 5 })], 'node-a', log);
    alerts.start();
    try {
      alerts.send(EVENT);
      await waitFor(async () => (await store.listAlertDeliveries({ state: 'failed' })).items.length === 1, 10_000, 'given up');
      assert.equal(r.received.length, 1, '4xx is not retried');
      assert.deepEqual(alerts.stats()[0], { webhook: 'ops', kind: 'webhook', deliveredTotal: 0, failedTotal: 1, retriesTotal: 0, lastError: 'HTTP 400' });
    } finally {
      await close(r.server);
    }
    // the server is closed now: connection refused on every attempt
    alerts.send({ ...EVENT, target: { id: 'db', name: 'DB', tags: [] } });
    await waitFor(async () => (await store.listAlertDeliveries({ state: 'failed' })).items.length === 2, 10_000, 'given up after 3 attempts');
    await alerts.close(1_000);
    const failed = (await store.listAlertDeliveries({ state: 'failed' })).items;
    assert.deepEqual(failed.map((d) => [d.targetId, d.attempts, d.lastError]), [['api', 1, 'HTTP 400'], ['db', 3, 'ECONNREFUSED']]);
    assert.deepEqual(alerts.stats()[0], { webhook: 'ops', kind: 'webhook', deliveredTotal: 0, failedTotal: 2, retriesTotal: 2, lastError: 'ECONNREFUSED' });
    const gaveUp = log.lines.filter((l) => l.includes('alert delivery gave up'));
    assert.deepEqual(gaveUp, [
      'warn alert delivery gave up: incident_opened api → ops (1 attempt, last error HTTP 400)',
      'warn alert delivery gave up: incident_opened db → ops (3 attempts, last error ECONNREFUSED)',
    ]);
    const shown = JSON.stringify([alerts.stats(), log.lines]);
    assert.ok(!shown.includes(SECRET) && !shown.includes('127.0.0.1'), shown);
    assert.ok(!JSON.stringify(failed).includes(SECRET));
  }));

test('slack format sends {text, blocks} unsigned; target alerts are held back while the probe is degraded', () =>
  withOutbox(async (store) => {
    const r = await receiver([]);
    try {
      const alerts = dispatcherFor(store, [hook(r.url, { name: 'slack', format: 'slack', secret: null })]);
      alerts.start();
      alerts.send(EVENT);
      alerts.setProbeDegraded(true);
      alerts.send({ ...EVENT, target: { id: 'b', name: 'B', tags: [] } });
      alerts.send({ type: 'probe_degraded', at: EVENT.at, failingHosts: 7, checkedHosts: 9, sampleHosts: ['a', 'b'], eventLoopDelayMs: 3 });
      await waitFor(() => r.received.length === 2, 10_000, 'two deliveries');
      await alerts.close(2_000);
      assert.equal(alerts.suppressedSinceDegraded(), 1);
      assert.equal((await store.listAlertDeliveries()).items.length, 2, 'a held-back alert is not written either');
      const bodies = r.received.map((x) => JSON.parse(x.body) as { text: string; blocks: unknown[] });
      assert.ok(bodies.every((b) => typeof b.text === 'string' && Array.isArray(b.blocks) && b.blocks.length === 2));
      assert.deepEqual(bodies.map((b) => b.text.split(' ')[0]).sort(), ['DOWN', 'PROBE']);
      assert.equal(r.received[0]!.headers['x-vigil-signature'], undefined, 'no secret, no signature');
      assert.match(String(r.received[0]!.headers['x-vigil-delivery']), /^[0-9a-f-]{36}$/, 'the delivery id is a header for slack too');
    } finally {
      await close(r.server);
    }
  }));

test('a delivery in backoff at close is reported pending and sent once by the next dispatcher, same id and body', () =>
  withOutbox(async (store, path) => {
    const down = await receiver([]);
    const port = down.port;
    await close(down.server); // nothing listens: ECONNREFUSED
    const config = hook(`http://127.0.0.1:${port}/hook`, { maxAttempts: 5, initialBackoffMs: 60_000 });
    const first = dispatcherFor(store, [config]);
    first.start();
    first.send(EVENT);
    await waitFor(async () => (await store.listAlertDeliveries()).items[0]?.attempts === 1, 10_000, 'the first attempt');
    const report = await first.close(1_000);
    assert.deepEqual(report.pending.map((d) => [d.eventType, d.targetId, d.channel, d.attempts, d.lastError]), [['incident_opened', 'api', 'ops', 1, 'ECONNREFUSED']]);
    assert.equal(formatPendingReport(report), 'shutdown: 1 alert delivery left pending in the outbox, sent after the next start: incident_opened api → ops (1 attempt, last error ECONNREFUSED)');

    // "restart": a new store connection and dispatcher; the row is due in 60 s, so move its clock
    const up = await receiver([], port);
    const reopened = openSqliteStore({ path });
    try {
      const second = createAlertDispatcher({ store: reopened, owner: 'node-b', log: createMemoryLogger(), pollMs: 100, nowMs: () => Date.now() + 61_000,
        channels: [{ sender: createWebhookSender(config), maxAttempts: 5, initialBackoffMs: 60_000, timeoutMs: 2_000 }] });
      second.start();
      await waitFor(async () => (await reopened.listAlertDeliveries({ state: 'delivered' })).items.length === 1, 10_000, 'resumed');
      await new Promise((resolve) => setTimeout(resolve, 300)); // a few more polls: nothing else goes out
      assert.equal(formatPendingReport(await second.close(1_000)), null);
      assert.equal(up.received.length, 1, 'exactly once');
      const body = JSON.parse(up.received[0]!.body) as Record<string, unknown>;
      assert.equal(body.deliveryId, report.pending[0]?.id);
      assert.equal(up.received[0]!.headers['x-vigil-delivery'], report.pending[0]?.id);
      assert.equal(verifySignature(SECRET, up.received[0]!.body, String(up.received[0]!.headers['x-vigil-signature'])), true);
      const [row] = (await reopened.listAlertDeliveries()).items;
      assert.deepEqual([row?.state, row?.attempts], ['delivered', 2]);
    } finally {
      await reopened.close();
      await close(up.server);
    }
  }));

test('two dispatchers on one outbox (two connections) never send one delivery twice; a channel no longer configured is given up', () =>
  withOutbox(async (store, path) => {
    const r = await receiver([]);
    const other = openSqliteStore({ path });
    try {
      const a = dispatcherFor(store, [hook(r.url)], 'node-a');
      const b = dispatcherFor(other, [hook(r.url)], 'node-b');
      a.start();
      b.start();
      for (let i = 0; i < 20; i++) (i % 2 === 0 ? a : b).send({ ...EVENT, target: { id: `t${i}`, name: `T${i}`, tags: [] } });
      await waitFor(async () => (await store.listAlertDeliveries({ state: 'delivered' })).items.length === 20, 15_000, '20 delivered');
      await Promise.all([a.close(1_000), b.close(1_000)]);
      const ids = r.received.map((x) => String(x.headers['x-vigil-delivery']));
      assert.equal(ids.length, 20);
      assert.equal(new Set(ids).size, 20);

      await store.enqueueAlertDeliveries([{ id: 'orphan', channel: 'removed-hook', eventType: 'incident_opened', targetId: 'x', payload: JSON.stringify(EVENT), createdAt: Date.now() }]);
      const log = createMemoryLogger();
      const c = dispatcherFor(store, [hook(r.url)], 'node-c', log);
      c.start();
      await waitFor(async () => (await store.listAlertDeliveries({ state: 'failed' })).items.length === 1, 10_000, 'orphan given up');
      await c.close(1_000);
      assert.deepEqual(log.lines, [`warn alert delivery gave up: incident_opened x → removed-hook (0 attempts, last error ${REMOVED_CHANNEL_ERROR})`]);
    } finally {
      await other.close();
      await close(r.server);
    }
  }));
