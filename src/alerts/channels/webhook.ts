/**
 * The signed generic webhook and the Slack incoming webhook (payloads.ts): JSON body,
 * `X-Vigil-Signature` when a secret is set. The URL and the secret never appear in a reason.
 */
import type { WebhookConfig } from '../../config/webhook-config.js';
import { genericPayload, slackPayload } from '../payloads.js';
import { SIGNATURE_HEADER, signBody } from '../signature.js';
import type { ChannelSender } from './channel-sender.js';
import { httpSend } from './http-post.js';

export function createWebhookChannel(config: WebhookConfig, userAgent: string): ChannelSender {
  const secrets = [config.url, ...(config.secret === null ? [] : [config.secret])];
  return {
    name: config.name,
    kind: 'webhook',
    send(event, signal) {
      const body = JSON.stringify(config.format === 'slack' ? slackPayload(event) : genericPayload(event));
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': userAgent };
      if (config.secret !== null) headers[SIGNATURE_HEADER] = signBody(config.secret, body);
      return httpSend({ url: config.url, headers, body, timeoutMs: config.timeoutMs, signal, secrets });
    },
    close: () => undefined,
  };
}
