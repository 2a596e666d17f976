import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookConfig } from '../../src/config/webhook-config.js';
import type { AlertEvent } from '../../src/alerts/alert-event.js';
import { createWebhookSender } from '../../src/alerts/webhook-sender.js';
import { createAlertDispatcher } from '../../src/alerts/alert-dispatcher.js';
import { verifySignature } from '../../src/alerts/signature.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  atMs: number;
}

async function receiver(statuses: number[]): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), atMs: performance.now() });
      res.statusCode = statuses[received.length - 1] ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hook`, received };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

const SECRET = 'test-secret-0123456789';
const EVENT: AlertEvent = {
  type: 'incident_opened',
  at: 1_700_000_000_000,
  target: { id: 'api', name: 'API', tags: ['prod'] },
  errorKind: 'connection_refused',
  detail: 'connect ECONNREFUSED 127.0.0.1:1',
  failureCount: 2,
};

function hook(url: string, over: Partial<WebhookConfig> = {}): WebhookConfig {
  return { name: 'ops', url, format: 'generic', secret: SECRET, maxAttempts: 4, initialBackoffMs: 30, timeoutMs: 2_000, route: null, repeatEveryMs: null, ...over };
}

test('a generic webhook is delivered as signed JSON', async () => {
  const r = await receiver([200]);
  try {
    const sender = createWebhookSender(hook(r.url));
    assert.equal(await sender.deliver(EVENT), true);
    assert.equal(r.received.length, 1);
    const [got] = r.received;
    assert.equal(got!.headers['content-type'], 'application/json');
    assert.match(String(got!.headers['x-vigil-signature']), /^sha256=[0-9a-f]{64}$/);
    assert.equal(verifySignature(SECRET, got!.body, String(got!.headers['x-vigil-signature'])), true);
    assert.equal(verifySignature('another-secret-0000', got!.body, String(got!.headers['x-vigil-signature'])), false);
    const body = JSON.parse(got!.body) as Record<string, unknown>;
    assert.equal(body.type, 'incident_opened');
    assert.equal(body.version, 1);
    assert.equal(body.at, '2023-11-14T22:13:20.000Z');
    assert.match(String(body.text), /^DOWN API — connection_refused/);
    assert.deepEqual(sender.stats(), { webhook: 'ops', kind: 'webhook', deliveredTotal: 1, failedTotal: 0, retriesTotal: 0, lastError: null });
  } finally {
    await close(r.server);
  }
});

test('5xx and 429 are retried with exponential backoff until delivered', async () => {
  const r = await receiver([500, 429, 200]);
  try {
    const sender = createWebhookSender(hook(r.url, { initialBackoffMs: 40 }));
    assert.equal(await sender.deliver(EVENT), true);
    assert.equal(r.received.length, 3);
    const gaps = [r.received[1]!.atMs - r.received[0]!.atMs, r.received[2]!.atMs - r.received[1]!.atMs];
    assert.ok(gaps[0]! >= 38, `first backoff ${gaps[0]}`);
    assert.ok(gaps[1]! >= 78, `second backoff doubles: ${gaps[1]}`);
    assert.equal(new Set(r.received.map((x) => x.body)).size, 1, 'the same body every attempt');
    const stats = sender.stats();
    assert.equal(stats.deliveredTotal, 1);
    assert.equal(stats.retriesTotal, 2);
    assert.equal(stats.lastError, null, 'a later success clears the last error');
  } finally {
    await close(r.server);
  }
});

test('a 4xx refusal is not retried; exhausting retries counts a failure without leaking the URL or secret', async () => {
  const r = await receiver([400]);
  try {
    const sender = createWebhookSender(hook(r.url));
    assert.equal(await sender.deliver(EVENT), false);
    assert.equal(r.received.length, 1);
    assert.equal(sender.stats().failedTotal, 1);
    assert.equal(sender.stats().lastError, 'HTTP 400');
  } finally {
    await close(r.server);
  }
  // The server is closed now: connection refused on every attempt.
  const gone = createWebhookSender(hook(r.url, { maxAttempts: 3, initialBackoffMs: 5 }));
  assert.equal(await gone.deliver(EVENT), false);
  const stats = gone.stats();
  assert.equal(stats.failedTotal, 1);
  assert.equal(stats.retriesTotal, 2);
  assert.equal(stats.lastError, 'ECONNREFUSED');
  const text = JSON.stringify(stats);
  assert.ok(!text.includes(SECRET) && !text.includes('127.0.0.1'));
});

test('slack format sends {text, blocks}; the dispatcher holds back target alerts while the probe is degraded', async () => {
  const r = await receiver([]);
  try {
    const slack = createWebhookSender(hook(r.url, { name: 'slack', format: 'slack', secret: null }));
    const dispatcher = createAlertDispatcher([{ delivery: slack, route: null, repeatEveryMs: null }]);
    dispatcher.send(EVENT);
    dispatcher.setProbeDegraded(true);
    dispatcher.send({ ...EVENT, target: { id: 'b', name: 'B', tags: [] } });
    dispatcher.send({ type: 'probe_degraded', at: EVENT.at, failingHosts: 7, checkedHosts: 9, sampleHosts: ['a', 'b'], eventLoopDelayMs: 3 });
    await dispatcher.close(2_000);
    assert.equal(dispatcher.suppressedSinceDegraded(), 1);
    assert.equal(r.received.length, 2);
    const bodies = r.received.map((x) => JSON.parse(x.body) as { text: string; blocks: unknown[] });
    assert.ok(bodies.every((b) => typeof b.text === 'string' && Array.isArray(b.blocks) && b.blocks.length === 2));
    assert.deepEqual(bodies.map((b) => b.text.split(' ')[0]).sort(), ['DOWN', 'PROBE']);
    assert.equal(r.received[0]!.headers['x-vigil-signature'], undefined, 'no secret, no signature');
  } finally {
    await close(r.server);
  }
});
