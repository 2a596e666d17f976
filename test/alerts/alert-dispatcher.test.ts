import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAlertDispatcher, type AlertChannel } from '../../src/alerts/alert-dispatcher.js';
import type { AlertEvent } from '../../src/alerts/alert-event.js';
import { createChannelDelivery } from '../../src/alerts/channel-delivery.js';
import { createChannelSender } from '../../src/alerts/channels/index.js';
import type { TestServer } from '../helpers/servers/test-server.js';
import { channelConfig, OPENED, RESOLVED, startProvider } from './channel-helpers.js';

/** A template channel posting `{"type":…,"target":…,"repeat":…}` to `server`'s /<name>. */
function channel(server: TestServer, name: string, extra: Record<string, unknown> = {}, repeatEveryMs: number | null = null): AlertChannel {
  const config = channelConfig({ name, type: 'template', url: `${server.url}${name}`, template: '{"type":"{{type}}","target":"{{target.id}}","repeat":"{{repeat}}"}', ...extra });
  return { delivery: createChannelDelivery(createChannelSender(config), { maxAttempts: 1, initialBackoffMs: 1 }), route: config.route, repeatEveryMs: repeatEveryMs ?? config.repeatEveryMs };
}

function received(server: TestServer, name: string): Array<{ type: string; target: string; repeat: string }> {
  return server.requests.filter((r) => r.path === `/${name}`).map((r) => JSON.parse(r.body));
}

const WEB = { id: 'web', name: 'Web shop', tags: ['prod', 'eu'] };
const BATCH = { id: 'batch', name: 'Nightly batch', tags: ['internal'] };
const opened = (target: typeof WEB): AlertEvent => ({ ...OPENED, target }) as AlertEvent;
const resolved = (target: typeof WEB): AlertEvent => ({ ...RESOLVED, target }) as AlertEvent;

test('routing: by target id or name, or by any tag (a union); probe alerts by `probe`; no route takes all', async () => {
  const server = await startProvider();
  const dispatcher = createAlertDispatcher([
    channel(server, 'all'),
    channel(server, 'prod', { route: { tags: ['prod'], probe: false } }),
    channel(server, 'batch', { route: { targets: ['Nightly batch'] } }),
    channel(server, 'mixed', { route: { targets: ['batch'], tags: ['eu'] } }),
  ]);
  try {
    dispatcher.send(opened(WEB));
    dispatcher.send(opened(BATCH));
    dispatcher.send({ type: 'probe_degraded', at: 1, failingHosts: 5, checkedHosts: 6, sampleHosts: [], eventLoopDelayMs: 1 });
    await dispatcher.close(5_000);
    const summary = (name: string) => received(server, name).map((b) => `${b.type}:${b.target}`).sort();
    assert.deepEqual(summary('all'), ['incident_opened:batch', 'incident_opened:web', 'probe_degraded:']);
    assert.deepEqual(summary('prod'), ['incident_opened:web']);
    assert.deepEqual(summary('batch'), ['incident_opened:batch', 'probe_degraded:']);
    assert.deepEqual(summary('mixed'), ['incident_opened:batch', 'incident_opened:web', 'probe_degraded:']);
  } finally {
    await server.close();
  }
});

test('repeat-notify: reminders go to repeating channels only, numbered, until the incident resolves', async () => {
  const server = await startProvider();
  const dispatcher = createAlertDispatcher([channel(server, 'loud', {}, 40), channel(server, 'quiet')]);
  try {
    dispatcher.send(opened(WEB));
    while (received(server, 'loud').length < 3) await new Promise((r) => setTimeout(r, 10));
    dispatcher.send(resolved(WEB));
    // a reminder already on the wire may still land; after that, five periods pass with none
    while (!received(server, 'loud').some((b) => b.type === 'incident_resolved')) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    const afterResolve = received(server, 'loud').length;
    await new Promise((r) => setTimeout(r, 200));
    await dispatcher.close(5_000);
    const loud = received(server, 'loud');
    assert.equal(loud.filter((b) => b.type === 'incident_opened').length, 1);
    const reminders = loud.filter((b) => b.type === 'incident_reminder');
    assert.ok(reminders.length >= 2);
    assert.deepEqual(reminders.map((b) => Number(b.repeat)).sort((a, b) => a - b), reminders.map((_, i) => i + 1));
    assert.equal(loud.length, afterResolve, 'no reminder after the resolution');
    assert.deepEqual(received(server, 'quiet').map((b) => b.type), ['incident_opened', 'incident_resolved']);
  } finally {
    await server.close();
  }
});

test('test(name) sends one test alert and reports it; deliveries(name) pages the log; unknown names are undefined', async () => {
  const server = await startProvider([{ status: 200 }, { status: 500, body: 'boom' }]);
  const dispatcher = createAlertDispatcher([channel(server, 'ops')], { nowMs: () => 1_700_000_000_000 });
  try {
    const ok = await dispatcher.test('ops');
    assert.deepEqual({ ...ok, queuedAt: 0, finishedAt: 0 }, { id: 1, channel: 'ops', event: 'test', key: 'vigil/test/ops/1700000000000', targetId: null, queuedAt: 0, finishedAt: 0, status: 'delivered', attempts: 1, lastError: null });
    const failed = await dispatcher.test('ops');
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.lastError, 'HTTP 500: boom');
    assert.equal(failed?.attempts, 1, 'a test is one attempt: the answer comes now');
    assert.deepEqual(received(server, 'ops')[0], { type: 'test', target: '', repeat: '' });
    assert.deepEqual(dispatcher.deliveries('ops', 10, null)?.items.map((r) => r.id), [2, 1]);
    assert.equal(await dispatcher.test('nope'), undefined);
    assert.equal(dispatcher.deliveries('nope', 10, null), undefined);
    assert.deepEqual(dispatcher.channels().map((c) => [c.webhook, c.kind, c.deliveredTotal, c.failedTotal]), [['ops', 'template', 1, 1]]);
  } finally {
    await dispatcher.close(1_000);
    await server.close();
  }
});
