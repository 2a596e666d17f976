import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createChannelDelivery, retryDelayMs } from '../../src/alerts/channel-delivery.js';
import { createChannelSender } from '../../src/alerts/channels/index.js';
import { channelConfig, OPENED, RESOLVED, startProvider } from './channel-helpers.js';

test('the retry delay doubles, jitter only lengthens it (up to 50 %), and a longer Retry-After wins', () => {
  const policy = (r: number) => ({ maxAttempts: 5, initialBackoffMs: 100, random: () => r });
  assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(n, policy(0), undefined)), [100, 200, 400]);
  assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(n, policy(0.999), undefined)), [150, 300, 600]);
  assert.equal(retryDelayMs(1, policy(0.5), 5_000), 5_000);
  assert.equal(retryDelayMs(3, policy(0.5), 10), 500);
  assert.equal(retryDelayMs(30, policy(0.999), undefined), 60_000, 'capped');
  assert.equal(retryDelayMs(1, policy(0), 3_600_000), 60_000, 'a huge Retry-After is capped too');
});

test('a delivery retries retryable failures, waits at least the backoff, and logs attempts and the outcome', async () => {
  const hook = await startProvider([{ status: 503 }, { status: 429, headers: { 'retry-after': '0' } }, { status: 204 }, { status: 400, body: 'bad' }]);
  try {
    const sender = createChannelSender(channelConfig({ name: 'dc', type: 'discord', url: '${env:U}' }, { U: `${hook.url}hook` }));
    let now = 1_000;
    const delivery = createChannelDelivery(sender, { maxAttempts: 4, initialBackoffMs: 40 }, () => now++);
    const started = performance.now();
    assert.equal(await delivery.deliver(OPENED), true);
    assert.ok(performance.now() - started >= 40 + 80, 'two backoffs: 40 ms then 80 ms at least');
    assert.equal(await delivery.deliver(RESOLVED), false, '400 is permanent: one attempt');
    assert.equal(hook.requests.length, 4);
    assert.deepEqual(delivery.stats(), { webhook: 'dc', kind: 'discord', deliveredTotal: 1, failedTotal: 1, retriesTotal: 2, lastError: 'HTTP 400: bad' });
    const page = delivery.deliveries(10, null);
    assert.deepEqual(page, {
      items: [
        { id: 2, channel: 'dc', event: 'incident_resolved', key: 'vigil/api/1700000000000', targetId: 'api', queuedAt: 1_002, finishedAt: 1_003, status: 'failed', attempts: 1, lastError: 'HTTP 400: bad' },
        { id: 1, channel: 'dc', event: 'incident_opened', key: 'vigil/api/1700000000000', targetId: 'api', queuedAt: 1_000, finishedAt: 1_001, status: 'delivered', attempts: 3, lastError: 'HTTP 429' },
      ],
      nextBeforeId: null,
    });
    assert.deepEqual(delivery.deliveries(1, null).nextBeforeId, 2);
    assert.deepEqual(delivery.deliveries(1, 2).items.map((r) => r.id), [1]);
    assert.equal(delivery.deliveries(1, 2).nextBeforeId, null);
  } finally {
    await hook.close();
  }
});

test('abort stops a delivery waiting to retry: it counts as failed', async () => {
  const hook = await startProvider([{ status: 500 }]);
  try {
    const sender = createChannelSender(channelConfig({ name: 'dc', type: 'discord', url: '${env:U}' }, { U: `${hook.url}hook` }));
    const delivery = createChannelDelivery(sender, { maxAttempts: 5, initialBackoffMs: 60_000 });
    const pending = delivery.deliver(OPENED);
    while (hook.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    delivery.abort();
    assert.equal(await pending, false);
    assert.equal(delivery.stats().failedTotal, 1);
    assert.equal(delivery.deliveries(10, null).items[0]!.status, 'failed');
  } finally {
    await hook.close();
  }
});
