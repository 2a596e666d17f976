// The provider channels through the real dispatcher and outbox: a real SQLite file, real HTTP
// servers on 127.0.0.1 standing in for the providers. Timings are lower bounds only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createAlertDispatcher, type AlertDispatcher, type AlertTestOutcome } from '../../src/alerts/alert-dispatcher.js';
import { reply, startHttpServer } from '../helpers/servers/http-server.js';
import type { AlertEvent } from '../../src/alerts/alert-event.js';
import { createChannelSender } from '../../src/alerts/channels/index.js';
import { nextAttemptDelayMs } from '../../src/alerts/delivery-report.js';
import type { ChannelConfig } from '../../src/config/channel-config.js';
import { createMemoryLogger } from '../../src/daemon/logger.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { MAX_REMINDER_INCIDENTS } from '../../src/storage/alert-outbox.js';
import type { TestServer } from '../helpers/servers/test-server.js';
import { tempDir, waitFor } from '../daemon/helpers.js';
import { channelConfig, OPENED, RESOLVED, startProvider } from './channel-helpers.js';

async function withOutbox(body: (store: Store) => Promise<void>): Promise<void> {
  const dir = tempDir('channels-outbox');
  const store = openSqliteStore({ path: join(dir, 'vigil.db') });
  try {
    await body(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function dispatcher(store: Store, configs: ReadonlyArray<ChannelConfig & { repeatEveryMs: number | null }>, extra: { random?: () => number; owner?: string; inMaintenance?: (target: { id: string }, atMs: number) => boolean } = {}): AlertDispatcher {
  const channels = configs.map((c) => ({ ...c, sender: createChannelSender(c) }));
  const targetOf = (id: string) => [WEB, BATCH].find((t) => t.id === id);
  const d = createAlertDispatcher({ store, channels, log: createMemoryLogger(), owner: 'node-a', pollMs: 100, targetOf, reminderTickMs: 20, ...extra });
  d.start();
  return d;
}

/** A template channel posting `{"type":…,"target":…,"repeat":…}` to `server`'s /<name>. */
function templateChannel(server: TestServer, name: string, extra: Record<string, unknown> = {}): ChannelConfig {
  return channelConfig({ name, type: 'template', url: `${server.url}${name}`, template: '{"type":"{{type}}","target":"{{target.id}}","repeat":"{{repeat}}"}', initialBackoff: 20, ...extra });
}

function outcomeOf(outcome: AlertTestOutcome | 'busy' | undefined): AlertTestOutcome {
  assert.ok(outcome !== undefined && outcome !== 'busy', String(outcome));
  return outcome;
}

function received(server: TestServer, name: string): Array<{ type: string; target: string; repeat: string }> {
  return server.requests.filter((r) => r.path === `/${name}`).map((r) => JSON.parse(r.body));
}

const WEB = { id: 'web', name: 'Web shop', tags: ['prod', 'eu'] };
const BATCH = { id: 'batch', name: 'Nightly batch', tags: ['internal'] };
const opened = (target: typeof WEB): AlertEvent => ({ ...OPENED, target }) as AlertEvent;
const resolved = (target: typeof WEB): AlertEvent => ({ ...RESOLVED, target }) as AlertEvent;
/** Reminders are taken from the store's open incidents: the incident row the daemon would have written. */
const openInStore = (store: Store, target: typeof WEB, openedAt = Date.now()) => store.openIncident({ targetId: target.id, openedAt, errorKind: 'timeout', detail: 'no answer', failureCount: 2 });

test('the retry wait doubles, jitter only lengthens it (up to 50 %), and a longer Retry-After wins', () => {
  assert.deepEqual([1, 2, 3].map((n) => nextAttemptDelayMs(n, 100, undefined, () => 0)), [100, 200, 400]);
  assert.deepEqual([1, 2, 3].map((n) => nextAttemptDelayMs(n, 100, undefined, () => 0.999)), [150, 300, 600]);
  assert.equal(nextAttemptDelayMs(1, 100, 5_000, () => 0.5), 5_000);
  assert.equal(nextAttemptDelayMs(3, 100, 10, () => 0.5), 500);
  assert.equal(nextAttemptDelayMs(30, 100, undefined, () => 0.999), 60_000, 'capped');
  assert.equal(nextAttemptDelayMs(1, 100, 3_600_000, () => 0), 60_000, 'a huge Retry-After is capped too');
});

test('a provider channel goes through the outbox: a 503 is retried after the backoff, a 400 is given up, both rows say so', () =>
  withOutbox(async (store) => {
    const pd = await startProvider([{ status: 503 }, { status: 202 }, { status: 400, body: '{"message":"Event object is invalid"}' }]);
    try {
      const config = channelConfig({ name: 'pd', type: 'pagerduty', routingKey: '${env:K}', baseUrl: pd.url, initialBackoff: 40 }, { K: 'routing-key-0123456789' });
      const alerts = dispatcher(store, [config], { random: () => 0 });
      alerts.send(OPENED);
      await waitFor(async () => (await store.listAlertDeliveries({ state: 'delivered' })).items.length === 1, 10_000, 'delivered');
      alerts.send({ type: 'probe_degraded', at: 5, failingHosts: 5, checkedHosts: 6, sampleHosts: [], eventLoopDelayMs: 1 });
      await waitFor(async () => (await store.listAlertDeliveries({ state: 'failed' })).items.length === 1, 10_000, 'given up');
      await alerts.close(1_000);
      const rows = (await store.listAlertDeliveries({ channel: 'pd' })).items;
      const byType = new Map(rows.map((r) => [r.eventType, r]));
      assert.deepEqual([byType.get('incident_opened')?.state, byType.get('incident_opened')?.attempts], ['delivered', 2]);
      assert.deepEqual([byType.get('probe_degraded')?.state, byType.get('probe_degraded')?.attempts, byType.get('probe_degraded')?.lastError], ['failed', 1, 'HTTP 400: {"message":"Event object is invalid"}']);
      assert.equal(pd.requests[0]!.body, pd.requests[1]!.body, 'the same body on every attempt');
      assert.ok(!JSON.stringify(rows).includes('routing-key-0123456789'), 'no secret in the delivery log');
      assert.deepEqual(alerts.stats(), [{ webhook: 'pd', kind: 'pagerduty', deliveredTotal: 1, failedTotal: 1, retriesTotal: 1, lastError: 'HTTP 400: {"message":"Event object is invalid"}' }]);
    } finally {
      await pd.close();
    }
  }));

test('routing: by target id or name, or by any tag (a union); probe alerts by `probe`; no route takes all', () =>
  withOutbox(async (store) => {
    const server = await startProvider();
    try {
      const alerts = dispatcher(store, [
        templateChannel(server, 'all'),
        templateChannel(server, 'prod', { route: { tags: ['prod'], probe: false } }),
        templateChannel(server, 'batch', { route: { targets: ['Nightly batch'] } }),
        templateChannel(server, 'mixed', { route: { targets: ['batch'], tags: ['eu'] } }),
      ]);
      alerts.send(opened(WEB));
      alerts.send(opened(BATCH));
      alerts.send({ type: 'probe_degraded', at: 1, failingHosts: 5, checkedHosts: 6, sampleHosts: [], eventLoopDelayMs: 1 });
      await waitFor(() => server.requests.length === 9, 10_000, 'nine deliveries');
      await alerts.close(2_000);
      const summary = (name: string) => received(server, name).map((b) => `${b.type}:${b.target}`).sort();
      assert.deepEqual(summary('all'), ['incident_opened:batch', 'incident_opened:web', 'probe_degraded:']);
      assert.deepEqual(summary('prod'), ['incident_opened:web']);
      assert.deepEqual(summary('batch'), ['incident_opened:batch', 'probe_degraded:']);
      assert.deepEqual(summary('mixed'), ['incident_opened:batch', 'incident_opened:web', 'probe_degraded:']);
      assert.equal((await store.listAlertDeliveries({ channel: 'prod' })).items.length, 1, 'a channel the route leaves out gets no row');
    } finally {
      await server.close();
    }
  }));

test('repeat-notify: reminders go to repeating channels only, numbered, until the incident resolves', () =>
  withOutbox(async (store) => {
    const server = await startProvider();
    try {
      const alerts = dispatcher(store, [{ ...templateChannel(server, 'loud'), repeatEveryMs: 60 }, templateChannel(server, 'quiet')]);
      const incident = await openInStore(store, WEB);
      alerts.send(opened(WEB));
      await waitFor(() => received(server, 'loud').filter((b) => b.type === 'incident_reminder').length >= 2, 10_000, 'two reminders');
      await store.closeIncident(incident.id, Date.now());
      alerts.send(resolved(WEB));
      await waitFor(() => received(server, 'loud').some((b) => b.type === 'incident_resolved'), 10_000, 'the resolution');
      await new Promise((r) => setTimeout(r, 150)); // a reminder already queued may still land
      const settled = received(server, 'loud').length;
      await new Promise((r) => setTimeout(r, 300)); // five periods: no new reminder
      await alerts.close(2_000);
      const loud = received(server, 'loud');
      assert.equal(loud.length, settled, 'no reminder after the resolution');
      const reminders = loud.filter((b) => b.type === 'incident_reminder');
      assert.deepEqual(reminders.map((b) => Number(b.repeat)).sort((a, b) => a - b), reminders.map((_, i) => i + 1));
      assert.deepEqual(received(server, 'quiet').map((b) => b.type), ['incident_opened', 'incident_resolved']);
    } finally {
      await server.close();
    }
  }));

test('repeat-notify: no reminder while a maintenance window covers the target; the latest slot goes out once it ends, numbered 1', () =>
  withOutbox(async (store) => {
    const server = await startProvider();
    try {
      const window = { open: true, asked: 0 };
      const alerts = dispatcher(store, [{ ...templateChannel(server, 'loud'), repeatEveryMs: 60 }], {
        inMaintenance: (target) => {
          window.asked += 1;
          return window.open && target.id === WEB.id;
        },
      });
      await openInStore(store, WEB, Date.now() - 600); // ten slots already due
      await openInStore(store, BATCH, Date.now() - 600);
      await waitFor(() => received(server, 'loud').some((b) => b.target === BATCH.id), 10_000, 'a reminder of the target outside the window');
      const asked = window.asked;
      await waitFor(() => window.asked >= asked + 10, 10_000, 'ten more reminder rounds');
      assert.deepEqual(received(server, 'loud').filter((b) => b.target === WEB.id), [], 'nothing sent inside the window');
      window.open = false;
      await waitFor(() => received(server, 'loud').some((b) => b.target === WEB.id), 10_000, 'the reminder after the window');
      await alerts.close(2_000);
      const web = received(server, 'loud').filter((b) => b.target === WEB.id);
      assert.equal(web[0]?.repeat, '1', 'the held slots were not taken: the first after the window is reminder 1');
      assert.deepEqual(web.map((b) => Number(b.repeat)), web.map((_, i) => i + 1));
    } finally {
      await server.close();
    }
  }));

test('test(name): one attempt now, the outcome reported and logged finished (never queued); unknown names are undefined', () =>
  withOutbox(async (store) => {
    const server = await startProvider([{ status: 200 }, { status: 500, body: 'boom' }]);
    try {
      const alerts = dispatcher(store, [templateChannel(server, 'ops', { maxAttempts: 3 })]);
      const ok = outcomeOf(await alerts.test('ops'));
      assert.deepEqual({ ...ok, deliveryId: 'x', durationMs: 0 }, { channel: 'ops', kind: 'template', deliveryId: 'x', delivered: true, retryable: null, error: null, durationMs: 0 });
      assert.match(ok.deliveryId, /^test-[0-9a-f-]{36}$/);
      assert.equal(server.requests[0]!.headers['x-vigil-delivery'], ok.deliveryId);
      const failed = outcomeOf(await alerts.test('ops'));
      assert.deepEqual([failed.delivered, failed.retryable, failed.error], [false, true, 'HTTP 500: boom']);
      assert.equal(server.requests.length, 2, 'a test is one attempt: the answer comes now');
      assert.deepEqual(received(server, 'ops')[0], { type: 'test', target: '', repeat: '' });
      assert.equal(await alerts.test('nope'), undefined);
      const log = (await store.listAlertDeliveries()).items;
      assert.deepEqual(log.map((d) => [d.id, d.channel, d.eventType, d.targetId, d.state, d.attempts, d.lastError]), [
        [ok.deliveryId, 'ops', 'test', null, 'delivered', 1, null],
        [failed.deliveryId, 'ops', 'test', null, 'failed', 1, 'HTTP 500: boom'],
      ], 'in the delivery log, finished: the retryable failure is not retried');
      assert.deepEqual(JSON.parse(log[0]!.payload), { type: 'test', at: log[0]!.createdAt, channel: 'ops' });
      assert.deepEqual((await store.listAlertDeliveries({ state: 'pending' })).items, []);
      assert.deepEqual(alerts.channels(), [{ webhook: 'ops', kind: 'template', deliveredTotal: 0, failedTotal: 0, retriesTotal: 0, lastError: null, maxAttempts: 3, route: null, repeatEveryMs: null }]);
      await alerts.close(1_000);
    } finally {
      await server.close();
    }
  }));

test('one test per channel at a time: a second one while the first waits for the provider is busy, not sent', () =>
  withOutbox(async (store) => {
    let release: () => void = () => undefined;
    const slow = await startHttpServer((_req, res) => {
      release = () => reply(res, 200);
    });
    try {
      const alerts = dispatcher(store, [templateChannel(slow, 'ops')]);
      const first = alerts.test('ops');
      await waitFor(() => slow.requests.length === 1, 5_000, 'the first test at the provider');
      assert.equal(await alerts.test('ops'), 'busy');
      release();
      assert.equal(outcomeOf(await first).delivered, true);
      const third = alerts.test('ops');
      await waitFor(() => slow.requests.length === 2, 5_000, 'the next test, once the first answered');
      release();
      assert.equal(outcomeOf(await third).delivered, true);
      await alerts.close(1_000);
    } finally {
      await slow.close();
    }
  }));

test('a restart with the incident still open: the next dispatcher goes on from the stored slots (numbering continues, no second opening); two at once never send one slot twice', () =>
  withOutbox(async (store) => {
    const server = await startProvider();
    try {
      const channels = [{ ...templateChannel(server, 'loud', { route: { tags: ['prod'] } }), repeatEveryMs: 60 }, { ...templateChannel(server, 'other', { route: { tags: ['internal'] } }), repeatEveryMs: 60 }];
      const incident = await openInStore(store, WEB);
      const first = dispatcher(store, channels);
      await waitFor(() => received(server, 'loud').length >= 2, 10_000, 'two reminders');
      await first.close(2_000);
      const beforeRestart = received(server, 'loud').length;
      // the restarted daemon, and a second node on the same store beside it
      const [a, b] = [dispatcher(store, channels), dispatcher(store, channels, { owner: 'node-b' })];
      await waitFor(() => received(server, 'loud').length >= beforeRestart + 4, 10_000, 'four more reminders');
      await store.closeIncident(incident.id, Date.now());
      a.send(resolved(WEB));
      await waitFor(() => received(server, 'loud').some((x) => x.type === 'incident_resolved'), 10_000, 'the resolution');
      await Promise.all([a.close(2_000), b.close(2_000)]);
      const types = new Set(received(server, 'loud').map((x) => x.type));
      assert.deepEqual([...types].sort(), ['incident_reminder', 'incident_resolved'], 'no second incident_opened');
      const repeats = received(server, 'loud').filter((x) => x.type === 'incident_reminder').map((x) => Number(x.repeat));
      assert.deepEqual(repeats, repeats.map((_, i) => i + 1), 'numbered on across the restart, each number once (no slot sent by both)');
      assert.equal(received(server, 'loud').at(-1)?.type, 'incident_resolved', 'nothing after the resolution');
      assert.deepEqual(received(server, 'other'), [], 'routing applies to reminders too');
    } finally {
      await server.close();
    }
  }));

test('replaceChannels (SIGHUP): new routes apply to the next alert, reminders of an open incident move to the new repeating channel, counters carry over by name', () =>
  withOutbox(async (store) => {
    const server = await startProvider();
    try {
      const alerts = dispatcher(store, [templateChannel(server, 'ops'), templateChannel(server, 'prod', { route: { tags: ['prod'] } })]);
      const incident = await openInStore(store, WEB);
      alerts.send(opened(WEB));
      await waitFor(() => received(server, 'ops').length === 1 && received(server, 'prod').length === 1, 10_000, 'the opening on both');
      // the new file: prod only takes tag internal, a new channel repeats, ops is unchanged
      const next = [templateChannel(server, 'ops'), templateChannel(server, 'prod', { route: { tags: ['internal'] } }), { ...templateChannel(server, 'pager'), repeatEveryMs: 50 }];
      const change = await alerts.replaceChannels(next.map((c) => ({ ...c, repeatEveryMs: 'repeatEveryMs' in c ? c.repeatEveryMs : null, sender: createChannelSender(c) })));
      assert.deepEqual(change, { added: ['pager'], removed: [], kept: ['ops', 'prod'], pendingOfRemoved: 0 });
      await waitFor(() => received(server, 'pager').filter((b) => b.type === 'incident_reminder').length >= 2, 10_000, 'reminders of the open incident on the new channel');
      alerts.send(opened(BATCH));
      await waitFor(() => received(server, 'prod').some((b) => b.target === 'batch'), 10_000, 'batch on prod by its new route');
      await store.closeIncident(incident.id, Date.now());
      alerts.send(resolved(WEB));
      await waitFor(() => received(server, 'ops').some((b) => b.type === 'incident_resolved'), 10_000, 'the resolution');
      await alerts.close(2_000);
      assert.deepEqual(received(server, 'prod').map((b) => `${b.type}:${b.target}`), ['incident_opened:web', 'incident_opened:batch'], 'web resolved is no longer routed to prod');
      assert.deepEqual(alerts.channels().map((c) => [c.webhook, c.deliveredTotal >= 1]), [['ops', true], ['prod', true], ['pager', true]]);
      assert.equal(alerts.channels()[0]!.deliveredTotal, received(server, 'ops').length, 'ops counted before and after the reload');
    } finally {
      await server.close();
    }
  }));

test('repeat-notify: a round reminds every open incident, beyond one page of the store', () =>
  withOutbox(async (store) => {
    const server = await startProvider();
    const count = MAX_REMINDER_INCIDENTS + 3;
    try {
      // due for their first reminder now: opened just over one period ago
      const openedAt = Date.now() - 61_000;
      for (let i = 0; i < count; i++) await store.openIncident({ targetId: `t${i}`, openedAt: openedAt + (i % 7), errorKind: 'timeout', detail: null, failureCount: 2 });
      const channels = [{ ...templateChannel(server, 'loud'), repeatEveryMs: 60_000 }].map((c) => ({ ...c, sender: createChannelSender(c) }));
      const targetOf = (id: string) => ({ id, name: id, tags: [] });
      const alerts = createAlertDispatcher({ store, channels, log: createMemoryLogger(), owner: 'node-a', pollMs: 100, targetOf, reminderTickMs: 20 });
      alerts.start();
      const reminded = async (): Promise<Set<string>> => {
        const ids = new Set<string>();
        for (let after: { openedAt: number; id: number } | null = null; ;) {
          const page = await store.listOpenIncidentReminders(after);
          for (const r of page) if (r.slots.length > 0) ids.add(r.incident.targetId);
          const last = page.at(-1)?.incident;
          if (last === undefined) return ids;
          after = { openedAt: last.openedAt, id: last.id };
        }
      };
      await waitFor(async () => (await reminded()).size === count, 20_000, `a reminder slot taken for all ${count} open incidents`);
      await waitFor(() => received(server, 'loud').length === count, 20_000, `${count} reminders delivered`);
      await new Promise((r) => setTimeout(r, 200)); // ten more rounds: nothing new is due
      await alerts.close(2_000);
      const loud = received(server, 'loud');
      assert.equal(loud.length, count);
      assert.equal(new Set(loud.map((b) => b.target)).size, count, 'one each');
      assert.ok(loud.every((b) => b.type === 'incident_reminder' && b.repeat === '1'));
    } finally {
      await server.close();
    }
  }));
