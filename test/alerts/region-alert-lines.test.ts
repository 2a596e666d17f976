// Many regions (docs/alerts.md, "Regions"): an opened quorum alert and its reminders show the
// regions line exactly once in each channel's human-readable output — as the Regions fact
// (field), or appended to the one-line text where that stands alone — while the machine-
// readable fields (`detail` whole, structured `regions`) stay as stored. Exact payloads, each
// sent to a real HTTP stand-in on 127.0.0.1 (email: email-channel.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertEvent } from '../../src/alerts/alert-event.js';
import { createChannelSender } from '../../src/alerts/channels/index.js';
import { createWebhookSender } from '../../src/alerts/webhook-sender.js';
import { ERROR_EXPLANATION } from '../../src/domain/error-kind.js';
import { ATTEMPT, channelConfig, never, OPENED_DETAIL, OPENED_REGION_LINE, OPENED_REGIONAL, OPENED_REGIONS, REMINDER_REGIONAL, startProvider } from './channel-helpers.js';

const WHY = `unexpected_status: ${ERROR_EXPLANATION.unexpected_status}`;
const OPENED_HEAD = `DOWN API — ${WHY} (europe: status 500, expected 200)`;
const REMINDER_HEAD = 'STILL DOWN API for 10m — unexpected_status (reminder 2)';
const AT = '2023-11-14T22:13:20.000Z';
const REMINDER_AT = '2023-11-14T22:23:20.000Z';
const OPENED_FACTS: Array<[string, string]> = [
  ['Event', 'incident_opened'], ['At', AT], ['Target', 'API (api)'], ['Tags', 'prod, eu'], ['Error', WHY], ['Detail', 'europe: status 500, expected 200'], ['Regions', OPENED_REGION_LINE],
];
const REMINDER_FACTS: Array<[string, string]> = [
  ['Event', 'incident_reminder'], ['At', REMINDER_AT], ['Target', 'API (api)'], ['Tags', 'prod, eu'], ['Error', WHY], ['Detail', 'europe: status 500, expected 200'], ['Regions', OPENED_REGION_LINE],
];
const once = (text: string | undefined) => (text ?? '').split(OPENED_REGION_LINE).length - 1;

test('an opened quorum alert and its reminder: the regions line once per channel, machine fields whole', async () => {
  const provider = await startProvider();
  const bodies = async (send: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> => {
    const before = provider.requests.length;
    assert.deepEqual(await send(), { ok: true });
    return provider.requests.slice(before).map((r) => JSON.parse(r.body) as Record<string, unknown>);
  };
  try {
    const url = provider.url;
    const hook = (format: 'generic' | 'slack') =>
      createWebhookSender({ name: 'ops', url, format, secret: 'hook-secret-0123456789', maxAttempts: 1, initialBackoffMs: 10, timeoutMs: 2_000, route: null, repeatEveryMs: null });

    // generic: machine fields exactly as stored; the human `text` has the regions line once, at its end
    assert.deepEqual(await bodies(() => hook('generic').send(OPENED_REGIONAL, never(), ATTEMPT)), [{
      version: 1, deliveryId: 'delivery-1', type: 'incident_opened', at: AT, target: { id: 'api', name: 'API', tags: ['prod', 'eu'] }, errorKind: 'unexpected_status',
      detail: OPENED_DETAIL, failureCount: 4, regions: OPENED_REGIONS, text: `${OPENED_HEAD} — ${OPENED_REGION_LINE}`,
    }]);
    assert.deepEqual(await bodies(() => hook('generic').send(REMINDER_REGIONAL, never(), ATTEMPT)), [{
      version: 1, deliveryId: 'delivery-1', type: 'incident_reminder', at: REMINDER_AT, target: { id: 'api', name: 'API', tags: ['prod', 'eu'] }, openedAt: 1_700_000_000_000,
      errorKind: 'unexpected_status', detail: OPENED_DETAIL, openForMs: 600_000, repeat: 2, regions: OPENED_REGIONS, text: `${REMINDER_HEAD} — ${OPENED_REGION_LINE}`,
    }]);

    // Slack: `text` is the notification fallback (alone); the blocks show the head and a Regions field
    for (const [event, head, type, emoji] of [[OPENED_REGIONAL, OPENED_HEAD, 'incident_opened', ':red_circle:'], [REMINDER_REGIONAL, REMINDER_HEAD, 'incident_reminder', ':red_circle:']] as const) {
      const at = event.at === OPENED_REGIONAL.at ? AT : REMINDER_AT;
      assert.deepEqual(await bodies(() => hook('slack').send(event, never(), ATTEMPT)), [{
        text: `${head} — ${OPENED_REGION_LINE}`,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `${emoji} ${head}` } },
          { type: 'context', elements: [`*Event:* ${type}`, `*At:* ${at}`, '*Tags:* prod, eu', `*Regions:* ${OPENED_REGION_LINE}`].map((text) => ({ type: 'mrkdwn', text })) },
        ],
      }]);
    }

    const pd = createChannelSender(channelConfig({ name: 'pd', type: 'pagerduty', routingKey: '${env:K}', baseUrl: url }, { K: 'k-0123456789abcdef' }));
    const [trigger] = await bodies(() => pd.send(OPENED_REGIONAL, never(), ATTEMPT));
    assert.deepEqual(trigger?.payload, {
      summary: OPENED_HEAD, source: 'vigil', severity: 'critical', timestamp: AT, component: 'api', group: 'prod', class: 'unexpected_status', custom_details: Object.fromEntries(OPENED_FACTS),
    });
    assert.deepEqual(((await bodies(() => pd.send(REMINDER_REGIONAL, never(), ATTEMPT)))[0]?.payload as Record<string, unknown>).custom_details, Object.fromEntries(REMINDER_FACTS));

    const og = createChannelSender(channelConfig({ name: 'og', type: 'opsgenie', apiKey: '${env:K}', baseUrl: url }, { K: 'og-0123456789abcdef' }));
    const [create] = await bodies(() => og.send(OPENED_REGIONAL, never(), ATTEMPT));
    assert.equal(create?.message, OPENED_HEAD.slice(0, 130));
    assert.equal(create?.description, [OPENED_HEAD, ...OPENED_FACTS.map(([k, v]) => `${k}: ${v}`)].join('\n'));
    assert.deepEqual(create?.details, Object.fromEntries(OPENED_FACTS));
    assert.equal(once(create?.description as string), 1);

    const dc = createChannelSender(channelConfig({ name: 'dc', type: 'discord', url: '${env:U}' }, { U: `${url}api/webhooks/1/t0k3n` }));
    for (const [event, head, facts] of [[OPENED_REGIONAL, OPENED_HEAD, OPENED_FACTS], [REMINDER_REGIONAL, REMINDER_HEAD, REMINDER_FACTS]] as const) {
      const [discord] = (await bodies(() => dc.send(event, never(), ATTEMPT))) as Array<{ content: string; embeds: Array<{ title: string; fields: Array<{ name: string; value: string }> }> }>;
      assert.deepEqual([discord?.content, discord?.embeds[0]?.title], [head, head]);
      assert.deepEqual(discord?.embeds[0]?.fields.map((f) => [f.name, f.value]), facts);
    }

    const tg = createChannelSender(channelConfig({ name: 'tg', type: 'telegram', botToken: '${env:T}', chatId: 1, baseUrl: url }, { T: '1:abc' }));
    for (const [event, head, facts] of [[OPENED_REGIONAL, OPENED_HEAD, OPENED_FACTS], [REMINDER_REGIONAL, REMINDER_HEAD, REMINDER_FACTS]] as const) {
      const [telegram] = (await bodies(() => tg.send(event, never(), ATTEMPT))) as Array<{ text: string }>;
      assert.equal(telegram?.text, [head, '', ...facts.map(([k, v]) => `${k}: ${v}`)].join('\n'));
      assert.equal(once(telegram?.text), 1);
    }

    const teams = createChannelSender(channelConfig({ name: 'teams', type: 'teams', url: '${env:U}' }, { U: `${url}workflows/abc?sig=s3cr3t` }));
    const [card] = (await bodies(() => teams.send(REMINDER_REGIONAL, never(), ATTEMPT))) as Array<{ attachments: Array<{ content: { body: Array<{ text?: string; facts?: Array<{ title: string; value: string }> }> } }> }>;
    const cardBody = card?.attachments[0]?.content.body ?? [];
    assert.equal(cardBody[0]?.text, REMINDER_HEAD);
    assert.deepEqual(cardBody[1]?.facts?.map((f) => [f.title, f.value]), REMINDER_FACTS);

    // templates that do not name the regions: {{text}} with the regions line once at its end, {{detail}} whole
    const plain = createChannelSender(channelConfig({ name: 'plain', type: 'template', url: `${url}t`, template: '{"text":"{{text}}","detail":"{{detail}}"}' }));
    assert.deepEqual(await bodies(() => plain.send(REMINDER_REGIONAL, never(), ATTEMPT)), [{ text: `${REMINDER_HEAD} — ${OPENED_REGION_LINE}`, detail: OPENED_DETAIL }]);
    // a template that names {{regions}} (or {{#regionVerdicts}}) shows the line there only: {{text}} and {{detail}} leave it out
    for (const regionsPart of ['"regions":"{{regions}}",', '']) {
      const template = `{"text":"{{text}}",${regionsPart}"detail":"{{detail}}","each":[{{#regionVerdicts}}"{{region}}={{verdict}}",{{/regionVerdicts}}"end"]}`;
      const tpl = createChannelSender(channelConfig({ name: 'tpl', type: 'template', url: `${url}t`, template }));
      const [body] = (await bodies(() => tpl.send(REMINDER_REGIONAL, never(), ATTEMPT))) as Array<Record<string, unknown>>;
      assert.deepEqual(body, {
        text: REMINDER_HEAD, ...(regionsPart === '' ? {} : { regions: OPENED_REGION_LINE }), detail: 'europe: status 500, expected 200', each: ['america=down', 'asia=no_live_node', 'europe=down', 'end'],
      });
      assert.equal(JSON.stringify(body).split('down in america, europe').length, regionsPart === '' ? 1 : 2, 'the regions line at most once');
    }
    // one node alone (regions null): nothing to leave out, the detail is whole
    const solo = createChannelSender(channelConfig({ name: 'solo', type: 'template', url: `${url}t`, template: '{"regions":"{{regions}}","detail":"{{detail}}"}' }));
    assert.deepEqual(await bodies(() => solo.send({ ...REMINDER_REGIONAL, regions: null, detail: 'no answer in 5000 ms' } as AlertEvent, never(), ATTEMPT)), [{ regions: '', detail: 'no answer in 5000 ms' }]);
  } finally {
    await provider.close();
  }
});
