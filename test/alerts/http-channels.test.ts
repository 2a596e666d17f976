import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createChannelSender } from '../../src/alerts/channels/index.js';
import { startHttpServer } from '../helpers/servers/http-server.js';
import type { AlertEvent } from '../../src/alerts/alert-event.js';
import { ATTEMPT, channelConfig, never, OPENED, RESOLVED, startProvider, TARGET, TEST_EVENT } from './channel-helpers.js';

const OPENED_BASE = { type: 'incident_opened', at: 1_700_000_000_000, target: TARGET, errorKind: 'connection_refused', detail: null, failureCount: 2, regions: null } as const;

const UA = 'Vigil/0.1 (+alerts)';
const OPENED_FACTS = {
  Event: 'incident_opened',
  At: '2023-11-14T22:13:20.000Z',
  Target: 'API (api)',
  Tags: 'prod, eu',
  Error: 'connection_refused: The host answered but nothing listens on that port (connection refused).',
  Detail: 'connect ECONNREFUSED 10.0.0.1:443',
};
const OPENED_SUMMARY = 'DOWN API — connection_refused: The host answered but nothing listens on that port (connection refused). (connect ECONNREFUSED 10.0.0.1:443)';

test('pagerduty: trouble triggers and recovery resolves under one dedup key; a test triggers and resolves', async () => {
  const pd = await startProvider([{ status: 202, body: '{"status":"success"}' }]);
  try {
    const key = 'R0UT1NGKEY0123456789abcdef012345';
    const sender = createChannelSender(channelConfig({ name: 'pd', type: 'pagerduty', routingKey: '${env:PD_KEY}', baseUrl: pd.url }, { PD_KEY: key }));
    assert.deepEqual(await sender.send(OPENED, never(), ATTEMPT), { ok: true });
    assert.deepEqual(await sender.send(RESOLVED, never(), ATTEMPT), { ok: true });
    assert.deepEqual(await sender.send(TEST_EVENT, never(), ATTEMPT), { ok: true });
    assert.deepEqual(pd.requests.map((r) => `${r.method} ${r.path}`), Array(4).fill('POST /v2/enqueue'));
    assert.equal(pd.requests[0]!.headers['content-type'], 'application/json');
    assert.equal(pd.requests[0]!.headers['user-agent'], UA);
    assert.deepEqual(JSON.parse(pd.requests[0]!.body), {
      routing_key: key,
      event_action: 'trigger',
      dedup_key: 'vigil/api/1700000000000',
      client: 'Vigil',
      payload: { summary: OPENED_SUMMARY, source: 'vigil', severity: 'critical', timestamp: '2023-11-14T22:13:20.000Z', component: 'api', group: 'prod', class: 'connection_refused', custom_details: OPENED_FACTS },
    });
    assert.deepEqual(JSON.parse(pd.requests[1]!.body), { routing_key: key, event_action: 'resolve', dedup_key: 'vigil/api/1700000000000' });
    const [trigger, resolve] = [JSON.parse(pd.requests[2]!.body), JSON.parse(pd.requests[3]!.body)];
    assert.equal(trigger.event_action, 'trigger');
    assert.equal(trigger.payload.severity, 'info');
    assert.deepEqual(resolve, { routing_key: key, event_action: 'resolve', dedup_key: 'vigil/test/pd/1700000000000' });
    assert.equal(trigger.dedup_key, resolve.dedup_key);
  } finally {
    await pd.close();
  }
});

test('pagerduty: 400 is permanent and quotes the provider without the routing key; 429 and 5xx are retryable', async () => {
  const key = 'SECRETKEY-abcdefghijklmnopqrstuv';
  const pd = await startProvider([
    { status: 400, body: `{"status":"invalid event","message":"Event object is invalid","errors":["routing_key ${key} unknown"]}` },
    { status: 429, body: '', headers: { 'retry-after': '7' } },
    { status: 503 },
  ]);
  try {
    const sender = createChannelSender(channelConfig({ name: 'pd', type: 'pagerduty', routingKey: '${env:PD_KEY}', baseUrl: pd.url }, { PD_KEY: key }));
    const refused = await sender.send(OPENED, never(), ATTEMPT);
    assert.deepEqual(refused, { ok: false, retryable: false, reason: 'HTTP 400: {"status":"invalid event","message":"Event object is invalid","errors":["routing_key [redacted] unknown"]}' });
    assert.deepEqual(await sender.send(OPENED, never(), ATTEMPT), { ok: false, retryable: true, reason: 'HTTP 429', retryAfterMs: 7_000 });
    assert.deepEqual(await sender.send(OPENED, never(), ATTEMPT), { ok: false, retryable: true, reason: 'HTTP 503' });
  } finally {
    await pd.close();
  }
});

test('opsgenie: create by alias with the GenieKey header, close by the same alias', async () => {
  const og = await startProvider([{ status: 202, body: '{"result":"Request will be processed"}' }, { status: 202 }]);
  try {
    const apiKey = 'og-key-0123456789abcdef';
    const sender = createChannelSender(channelConfig({ name: 'og', type: 'opsgenie', apiKey: '${env:OG_KEY}', baseUrl: og.url, priority: 'P1' }, { OG_KEY: apiKey }));
    assert.deepEqual(await sender.send(OPENED, never(), ATTEMPT), { ok: true });
    assert.deepEqual(await sender.send(RESOLVED, never(), ATTEMPT), { ok: true });
    const [create, close] = og.requests;
    assert.equal(`${create!.method} ${create!.path}`, 'POST /v2/alerts');
    assert.equal(create!.headers.authorization, `GenieKey ${apiKey}`);
    assert.deepEqual(JSON.parse(create!.body), {
      message: OPENED_SUMMARY.slice(0, 130),
      alias: 'vigil/api/1700000000000',
      description: [OPENED_SUMMARY, ...Object.entries(OPENED_FACTS).map(([k, v]) => `${k}: ${v}`)].join('\n'),
      tags: ['vigil', 'prod', 'eu'],
      details: OPENED_FACTS,
      entity: 'API',
      source: 'Vigil',
      priority: 'P1',
    });
    assert.equal(`${close!.method} ${close!.path}`, 'POST /v2/alerts/vigil%2Fapi%2F1700000000000/close?identifierType=alias');
    assert.equal(close!.headers.authorization, `GenieKey ${apiKey}`);
    assert.deepEqual(JSON.parse(close!.body), { source: 'Vigil', note: 'RECOVERED API after 90s' });
  } finally {
    await og.close();
  }
});

test('discord: summary as content, facts in one embed, mentions disabled; 429 carries Retry-After', async () => {
  const dc = await startProvider([{ status: 204 }, { status: 429, body: '{"message":"You are being rate limited.","retry_after":1.5}', headers: { 'retry-after': '2' } }]);
  try {
    const sender = createChannelSender(channelConfig({ name: 'dc', type: 'discord', url: '${env:DISCORD_URL}', username: 'Vigil' }, { DISCORD_URL: `${dc.url}api/webhooks/123/tok3n` }));
    assert.deepEqual(await sender.send(OPENED, never(), ATTEMPT), { ok: true });
    const got = dc.requests[0]!;
    assert.equal(`${got.method} ${got.path}`, 'POST /api/webhooks/123/tok3n');
    assert.deepEqual(JSON.parse(got.body), {
      username: 'Vigil',
      content: OPENED_SUMMARY,
      allowed_mentions: { parse: [] },
      embeds: [{ title: OPENED_SUMMARY.slice(0, 256), color: 0xd93025, timestamp: '2023-11-14T22:13:20.000Z', fields: Object.entries(OPENED_FACTS).map(([name, value]) => ({ name, value, inline: false })) }],
    });
    assert.deepEqual(await sender.send(RESOLVED, never(), ATTEMPT), { ok: false, retryable: true, reason: 'HTTP 429: {"message":"You are being rate limited.","retry_after":1.5}', retryAfterMs: 2_000 });
    assert.equal(JSON.parse(dc.requests[1]!.body).embeds[0].color, 0x188038);
  } finally {
    await dc.close();
  }
});

test('telegram: sendMessage under /bot<token>/ as plain text; retry_after is honoured; the token never shows in a reason', async () => {
  const token = '123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp';
  const tg = await startProvider([
    { status: 200, body: '{"ok":true,"result":{"message_id":1}}' },
    { status: 429, body: '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}' },
    { status: 404, body: `{"ok":false,"error_code":404,"description":"Not Found: /bot${token}/sendMessage"}` },
  ]);
  try {
    const sender = createChannelSender(channelConfig({ name: 'tg', type: 'telegram', botToken: '${env:TG_TOKEN}', chatId: -1001234, baseUrl: tg.url }, { TG_TOKEN: token }));
    assert.deepEqual(await sender.send(OPENED, never(), ATTEMPT), { ok: true });
    const got = tg.requests[0]!;
    assert.equal(`${got.method} ${got.path}`, `POST /bot${token}/sendMessage`);
    assert.deepEqual(JSON.parse(got.body), {
      chat_id: '-1001234',
      text: [OPENED_SUMMARY, '', ...Object.entries(OPENED_FACTS).map(([k, v]) => `${k}: ${v}`)].join('\n'),
      disable_web_page_preview: true,
    });
    assert.deepEqual(await sender.send(OPENED, never(), ATTEMPT), { ok: false, retryable: true, reason: 'HTTP 429: {"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}', retryAfterMs: 3_000 });
    const notFound = await sender.send(OPENED, never(), ATTEMPT);
    assert.equal(notFound.ok, false);
    assert.equal(!notFound.ok && notFound.retryable, false);
    assert.equal(!notFound.ok && notFound.reason, 'HTTP 404: {"ok":false,"error_code":404,"description":"Not Found: /bot[redacted]/sendMessage"}');
  } finally {
    await tg.close();
  }
});

test('teams: one Adaptive Card with the summary and a FactSet', async () => {
  const teams = await startProvider([{ status: 202 }]);
  try {
    const sender = createChannelSender(channelConfig({ name: 'teams', type: 'teams', url: '${env:TEAMS_URL}' }, { TEAMS_URL: `${teams.url}workflows/abc?sig=s3cr3t` }));
    assert.deepEqual(await sender.send(RESOLVED, never(), ATTEMPT), { ok: true });
    const got = teams.requests[0]!;
    assert.equal(`${got.method} ${got.path}`, 'POST /workflows/abc?sig=s3cr3t');
    assert.deepEqual(JSON.parse(got.body), {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              { type: 'TextBlock', text: 'RECOVERED API after 90s', weight: 'Bolder', size: 'Medium', wrap: true, color: 'Good' },
              {
                type: 'FactSet',
                facts: [
                  { title: 'Event', value: 'incident_resolved' },
                  { title: 'At', value: '2023-11-14T22:14:50.000Z' },
                  { title: 'Target', value: 'API (api)' },
                  { title: 'Tags', value: 'prod, eu' },
                  { title: 'Duration', value: '90s' },
                ],
              },
            ],
          },
        },
      ],
    });
  } finally {
    await teams.close();
  }
});

test('template: the body is the template over the alert, JSON-escaped; headers may hold secret references', async () => {
  const hook = await startProvider([{ status: 200 }]);
  try {
    const template = '{"event":"{{type}}","key":"{{key}}","target":"{{target.name}}","tags":[{{#target.tags}}"{{.}}",{{/target.tags}}"all"],"detail":"{{detail}}","down":{{isTrouble}}}';
    const sender = createChannelSender(
      channelConfig({ name: 'tpl', type: 'template', url: `${hook.url}in`, method: 'PUT', headers: { 'X-Api-Key': '${env:HOOK_KEY}' }, template }, { HOOK_KEY: 'hk-0123456789' }),
    );
    const event: AlertEvent = { ...OPENED_BASE, target: { ...OPENED_BASE.target, name: 'A "quoted"\nname' }, detail: 'GET https://user:pw@example.com/?token=abc failed' };
    assert.deepEqual(await sender.send(event, never(), ATTEMPT), { ok: true });
    const got = hook.requests[0]!;
    assert.equal(`${got.method} ${got.path}`, 'PUT /in');
    assert.equal(got.headers['x-api-key'], 'hk-0123456789');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(got.body), {
      event: 'incident_opened',
      key: 'vigil/api/1700000000000',
      target: 'A "quoted"\nname',
      tags: ['prod', 'eu', 'all'],
      detail: 'GET https://example.com/?token=[redacted] failed',
      down: true,
    });
  } finally {
    await hook.close();
  }
});

test('a provider that is not there is a retryable failure with an errno reason', async () => {
  const gone = await startProvider();
  const url = gone.url;
  await gone.close();
  const sender = createChannelSender(channelConfig({ name: 'pd', type: 'pagerduty', routingKey: '${env:K}', baseUrl: url }, { K: 'k-0123456789' }));
  assert.deepEqual(await sender.send(OPENED, never(), ATTEMPT), { ok: false, retryable: true, reason: 'ECONNREFUSED' });
});

test('a provider streaming an endless answer is read no further than 16 KiB: the outcome comes at once, not at the timeout', async () => {
  const endless = await startHttpServer((_req, res) => {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.write(`{"message":"${'x'.repeat(64 * 1024)}`); // and never ends
  });
  try {
    const sender = createChannelSender(channelConfig({ name: 'pd', type: 'pagerduty', routingKey: '${env:K}', baseUrl: endless.url, timeout: '30s' }, { K: 'k-0123456789' }));
    const started = performance.now();
    const refused = await sender.send(OPENED, never(), ATTEMPT);
    assert.ok(performance.now() - started < 10_000, 'not waiting for the 30 s timeout');
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.reason, `HTTP 400: {"message":"${'x'.repeat(200 - '{"message":"'.length)}`);
  } finally {
    await endless.close();
  }
});

test('cert_expiring: the chain expiry and days left are facts, and template names', async () => {
  const hook = await startProvider([{ status: 200 }, { status: 200 }]);
  try {
    const event: AlertEvent = { type: 'cert_expiring', at: 1_700_000_000_000, target: TARGET, chainExpiresAt: '2023-11-24T00:00:00.000Z', daysLeft: 9, warnDays: 14 };
    const tg = createChannelSender(channelConfig({ name: 'tg', type: 'telegram', botToken: '${env:T}', chatId: 1, baseUrl: hook.url }, { T: '1:abc' }));
    assert.deepEqual(await tg.send(event, never(), ATTEMPT), { ok: true });
    assert.equal(
      JSON.parse(hook.requests[0]!.body).text,
      'CERT EXPIRING API — the certificate chain expires 2023-11-24T00:00:00.000Z (9 d left), under the warning threshold of 14 d\n\nEvent: cert_expiring\nAt: 2023-11-14T22:13:20.000Z\nTarget: API (api)\nTags: prod, eu\nChain expires: 2023-11-24T00:00:00.000Z\nDays left: 9',
    );
    const tpl = createChannelSender(channelConfig({ name: 't', type: 'template', url: `${hook.url}t`, template: '{"days":{{#daysLeft}}{{daysLeft}}{{/daysLeft}}{{^daysLeft}}null{{/daysLeft}},"until":"{{chainExpiresAt}}"}' }));
    assert.deepEqual(await tpl.send(event, never(), ATTEMPT), { ok: true });
    assert.deepEqual(JSON.parse(hook.requests[1]!.body), { days: 9, until: '2023-11-24T00:00:00.000Z' });
  } finally {
    await hook.close();
  }
});

test('cert_resolved closes the cert_expiring warning: PagerDuty resolves its dedup_key, Opsgenie closes its alias, chat says so', async () => {
  const provider = await startProvider([{ status: 202 }]);
  try {
    const expiring: AlertEvent = { type: 'cert_expiring', at: 1_700_000_000_000, target: TARGET, chainExpiresAt: '2023-11-24T00:00:00.000Z', daysLeft: 9, warnDays: 14 };
    const resolved: AlertEvent = { type: 'cert_resolved', at: 1_700_086_400_000, target: TARGET, warnedChainExpiresAt: '2023-11-24T00:00:00.000Z', chainExpiresAt: '2024-02-22T00:00:00.000Z', daysLeft: 98, reason: 'ok' };
    const pd = createChannelSender(channelConfig({ name: 'pd', type: 'pagerduty', routingKey: '${env:K}', baseUrl: provider.url }, { K: 'k-0123456789abcdef' }));
    assert.deepEqual(await pd.send(expiring, never(), ATTEMPT), { ok: true });
    assert.deepEqual(await pd.send(resolved, never(), ATTEMPT), { ok: true });
    const [trigger, resolve] = [JSON.parse(provider.requests[0]!.body), JSON.parse(provider.requests[1]!.body)];
    assert.deepEqual([trigger.event_action, trigger.dedup_key, trigger.payload.severity], ['trigger', 'vigil/api/cert/2023-11-24T00:00:00.000Z', 'warning']);
    assert.deepEqual(resolve, { routing_key: 'k-0123456789abcdef', event_action: 'resolve', dedup_key: 'vigil/api/cert/2023-11-24T00:00:00.000Z' });

    const og = createChannelSender(channelConfig({ name: 'og', type: 'opsgenie', apiKey: '${env:K}', baseUrl: provider.url }, { K: 'og-key-0123456789' }));
    assert.deepEqual(await og.send(expiring, never(), ATTEMPT), { ok: true });
    assert.deepEqual(await og.send(resolved, never(), ATTEMPT), { ok: true });
    const [create, close] = [provider.requests[2]!, provider.requests[3]!];
    assert.equal(JSON.parse(create.body).alias, 'vigil/api/cert/2023-11-24T00:00:00.000Z');
    assert.equal(`${close.method} ${close.path}`, `POST /v2/alerts/${encodeURIComponent('vigil/api/cert/2023-11-24T00:00:00.000Z')}/close?identifierType=alias`);

    const tg = createChannelSender(channelConfig({ name: 'tg', type: 'telegram', botToken: '${env:T}', chatId: 1, baseUrl: provider.url }, { T: '1:abc' }));
    assert.deepEqual(await tg.send(resolved, never(), ATTEMPT), { ok: true });
    assert.equal(
      JSON.parse(provider.requests[4]!.body).text,
      'CERT OK API — the certificate chain now expires 2024-02-22T00:00:00.000Z (98 d left); the warning about the chain expiring 2023-11-24T00:00:00.000Z is closed\n\nEvent: cert_resolved\nAt: 2023-11-15T22:13:20.000Z\nTarget: API (api)\nTags: prod, eu\nWarned chain expires: 2023-11-24T00:00:00.000Z\nChain expires: 2024-02-22T00:00:00.000Z\nDays left: 98',
    );
    const tpl = createChannelSender(channelConfig({ name: 't', type: 'template', url: `${provider.url}t`, template: '{"state":"{{state}}","key":"{{key}}","warned":"{{warnedChainExpiresAt}}","reason":"{{reason}}"}' }));
    assert.deepEqual(await tpl.send(resolved, never(), ATTEMPT), { ok: true });
    assert.deepEqual(JSON.parse(provider.requests[5]!.body), { state: 'resolved', key: 'vigil/api/cert/2023-11-24T00:00:00.000Z', warned: '2023-11-24T00:00:00.000Z', reason: 'ok' });
  } finally {
    await provider.close();
  }
});
