// Many regions (docs/cluster.md): a quorum incident's recovery says which regions saw what in
// every channel that shows incident detail, in the one summary line (src/domain/region.ts):
// generic and Slack webhooks, PagerDuty, Opsgenie, Discord, Telegram, Teams and templates,
// each sent to a real HTTP stand-in on 127.0.0.1 (email: email-channel.test.ts). One node's
// recovery (regions null) shows nothing of regions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createChannelSender } from '../../src/alerts/channels/index.js';
import { createWebhookSender } from '../../src/alerts/webhook-sender.js';
import { ATTEMPT, channelConfig, never, REGION_LINE, RESOLVED, RESOLVED_REGIONAL, startProvider } from './channel-helpers.js';

/** the one-line text where it stands alone (generic text, Slack fallback, Opsgenie's close note) */
const SUMMARY = `RECOVERED API after 90s — ${REGION_LINE}`;
/** the head of a notification that also shows the Regions fact: never the regions line again */
const HEADLINE = 'RECOVERED API after 90s';
const VERDICTS = { america: 'down', asia: 'no_live_node', europe: 'up' };

test('every channel carries the regions of a quorum incident\'s recovery; none for one node', async () => {
  const provider = await startProvider();
  const bodies = async (send: () => Promise<unknown>): Promise<unknown[]> => {
    const before = provider.requests.length;
    assert.deepEqual(await send(), { ok: true });
    return provider.requests.slice(before).map((r) => JSON.parse(r.body) as unknown);
  };
  try {
    const url = provider.url;
    const hook = (format: 'generic' | 'slack') =>
      createWebhookSender({ name: 'ops', url, format, secret: 'hook-secret-0123456789', maxAttempts: 1, initialBackoffMs: 10, timeoutMs: 2_000, route: null, repeatEveryMs: null });
    const [generic] = (await bodies(() => hook('generic').send(RESOLVED_REGIONAL, never(), ATTEMPT))) as Array<Record<string, unknown>>;
    assert.deepEqual(generic?.regions, { quorum: 'majority', required: 2, verdicts: VERDICTS });
    assert.equal(generic?.text, SUMMARY);
    const [genericLocal] = (await bodies(() => hook('generic').send(RESOLVED, never(), ATTEMPT))) as Array<Record<string, unknown>>;
    assert.deepEqual([genericLocal?.regions, genericLocal?.text], [null, 'RECOVERED API after 90s']);
    const [slack] = (await bodies(() => hook('slack').send(RESOLVED_REGIONAL, never(), ATTEMPT))) as Array<{ text: string; blocks: Array<{ elements?: Array<{ text: string }> }> }>;
    assert.equal(slack?.text, SUMMARY);
    assert.ok(slack?.blocks[1]?.elements?.some((e) => e.text === `*Regions:* ${REGION_LINE}`), JSON.stringify(slack?.blocks));
    const [slackLocal] = (await bodies(() => hook('slack').send(RESOLVED, never(), ATTEMPT))) as Array<{ blocks: unknown[] }>;
    assert.doesNotMatch(JSON.stringify(slackLocal), /Regions/);

    const pd = createChannelSender(channelConfig({ name: 'pd', type: 'pagerduty', routingKey: '${env:K}', baseUrl: url }, { K: 'k-0123456789abcdef' }));
    // a resolve carries no text in PagerDuty's API: the dedup key closes the incident
    assert.deepEqual(((await bodies(() => pd.send(RESOLVED_REGIONAL, never(), ATTEMPT))) as Array<Record<string, unknown>>)[0]?.event_action, 'resolve');
    const og = createChannelSender(channelConfig({ name: 'og', type: 'opsgenie', apiKey: '${env:K}', baseUrl: url }, { K: 'og-0123456789abcdef' }));
    const [close] = (await bodies(() => og.send(RESOLVED_REGIONAL, never(), ATTEMPT))) as Array<Record<string, unknown>>;
    assert.equal(close?.note, SUMMARY);
    const dc = createChannelSender(channelConfig({ name: 'dc', type: 'discord', url: '${env:U}' }, { U: `${url}api/webhooks/1/t0k3n` }));
    const [discord] = (await bodies(() => dc.send(RESOLVED_REGIONAL, never(), ATTEMPT))) as Array<{ content: string; embeds: Array<{ fields: Array<{ name: string; value: string }> }> }>;
    assert.deepEqual([discord?.content, (discord?.embeds[0] as { title?: string } | undefined)?.title], [HEADLINE, HEADLINE]);
    assert.deepEqual(discord?.embeds[0]?.fields.find((f) => f.name === 'Regions')?.value, REGION_LINE);
    const tg = createChannelSender(channelConfig({ name: 'tg', type: 'telegram', botToken: '${env:T}', chatId: 1, baseUrl: url }, { T: '1:abc' }));
    const [telegram] = (await bodies(() => tg.send(RESOLVED_REGIONAL, never(), ATTEMPT))) as Array<{ text: string }>;
    assert.equal(telegram?.text.split('\n')[0], HEADLINE);
    assert.equal(telegram?.text.split(REGION_LINE).length - 1, 1, telegram?.text);
    assert.ok(telegram?.text.split('\n').includes(`Regions: ${REGION_LINE}`), telegram?.text);
    const teams = createChannelSender(channelConfig({ name: 'teams', type: 'teams', url: '${env:U}' }, { U: `${url}workflows/abc?sig=s3cr3t` }));
    const [card] = (await bodies(() => teams.send(RESOLVED_REGIONAL, never(), ATTEMPT))) as Array<{ attachments: Array<{ content: { body: Array<{ text?: string; facts?: Array<{ title: string; value: string }> }> } }> }>;
    const cardBody = card?.attachments[0]?.content.body ?? [];
    assert.equal(cardBody[0]?.text, HEADLINE);
    assert.deepEqual(cardBody[1]?.facts?.find((f) => f.title === 'Regions')?.value, REGION_LINE);
    const template = '{"regions":"{{regions}}","each":[{{#regionVerdicts}}"{{region}}={{verdict}}",{{/regionVerdicts}}"end"]}';
    const tpl = createChannelSender(channelConfig({ name: 'tpl', type: 'template', url: `${url}t`, template }));
    assert.deepEqual(await bodies(() => tpl.send(RESOLVED_REGIONAL, never(), ATTEMPT)), [{ regions: REGION_LINE, each: ['america=down', 'asia=no_live_node', 'europe=up', 'end'] }]);
    assert.deepEqual(await bodies(() => tpl.send(RESOLVED, never(), ATTEMPT)), [{ regions: '', each: ['end'] }]);
  } finally {
    await provider.close();
  }
});
