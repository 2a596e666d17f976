/**
 * Microsoft Teams incoming webhook (a Workflows "post to a channel when a webhook request is
 * received" URL; the URL is the credential): one Adaptive Card 1.4 with the summary and a
 * FactSet. Any 2xx is delivered (Workflows answer 202, classic connectors 200).
 */
import type { ChannelConfigOf } from '../../config/channel-config.js';
import type { AlertEvent } from '../alert-event.js';
import { alertFacts, alertState, summarizeAlert } from '../payloads.js';
import type { ChannelSender } from './channel-sender.js';
import { httpSend } from './http-post.js';

const COLOR = { trouble: 'Attention', resolved: 'Good', test: 'Accent' } as const;

function teamsBody(event: AlertEvent): Record<string, unknown> {
  return {
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
            { type: 'TextBlock', text: summarizeAlert(event), weight: 'Bolder', size: 'Medium', wrap: true, color: COLOR[alertState(event)] },
            { type: 'FactSet', facts: alertFacts(event).map(([title, value]) => ({ title, value })) },
          ],
        },
      },
    ],
  };
}

export function createTeamsSender(config: ChannelConfigOf<'teams'>, userAgent: string): ChannelSender {
  return {
    name: config.name,
    kind: 'teams',
    send: (event, signal) =>
      httpSend({ url: config.url, headers: { 'content-type': 'application/json', 'user-agent': userAgent }, body: JSON.stringify(teamsBody(event)), timeoutMs: config.timeoutMs, signal, secrets: config.secrets }),
    close: () => undefined,
  };
}
