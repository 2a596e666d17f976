/**
 * Discord incoming webhook (the webhook URL is the credential): `content` is the summary,
 * one embed carries the facts. Mentions are disabled (`allowed_mentions.parse: []`): a target
 * name or error detail containing `@everyone` must not ping a server. Answered 204 (200 with
 * `?wait=true`); 429 carries Retry-After.
 */
import type { ChannelConfigOf } from '../../config/channel-config.js';
import type { AlertEvent } from '../alert-event.js';
import { alertFacts, alertState, summarizeAlert } from '../payloads.js';
import type { ChannelSender } from './channel-sender.js';
import { httpSend } from './http-post.js';

/** Discord's limits: content 2000, embed title 256, field value 1024, 25 fields. */
const LIMITS = { contentChars: 2000, titleChars: 256, fieldValueChars: 1024, fields: 25 } as const;
const DISCORD_COLOR = { trouble: 0xd93025, resolved: 0x188038, test: 0x1a73e8 } as const;

function discordBody(config: ChannelConfigOf<'discord'>, event: AlertEvent): Record<string, unknown> {
  const summary = summarizeAlert(event);
  return {
    ...(config.username === null ? {} : { username: config.username }),
    content: summary.slice(0, LIMITS.contentChars),
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: summary.slice(0, LIMITS.titleChars),
        color: DISCORD_COLOR[alertState(event)],
        timestamp: new Date(event.at).toISOString(),
        fields: alertFacts(event)
          .slice(0, LIMITS.fields)
          .map(([name, value]) => ({ name, value: value.slice(0, LIMITS.fieldValueChars), inline: false })),
      },
    ],
  };
}

export function createDiscordSender(config: ChannelConfigOf<'discord'>, userAgent: string): ChannelSender {
  return {
    name: config.name,
    kind: 'discord',
    send: (event, signal) =>
      httpSend({ url: config.url, headers: { 'content-type': 'application/json', 'user-agent': userAgent }, body: JSON.stringify(discordBody(config, event)), timeoutMs: config.timeoutMs, signal, secrets: config.secrets }),
    close: () => undefined,
  };
}
