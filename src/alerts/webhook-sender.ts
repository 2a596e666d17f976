/**
 * Delivers alerts to one webhook (generic signed JSON or Slack; channels/webhook.ts) with the
 * shared retry policy (channel-delivery.ts): retried on network errors, timeouts, 429 and 5xx;
 * other 4xx answers are permanent failures (the receiver refused the payload). Nothing logged
 * or counted here contains the URL or the secret.
 */
import type { WebhookConfig } from '../config/webhook-config.js';
import { createChannelDelivery, type ChannelDelivery } from './channel-delivery.js';
import { ALERT_USER_AGENT } from './channels/index.js';
import { createWebhookChannel } from './channels/webhook.js';

export function createWebhookSender(config: WebhookConfig, userAgent = ALERT_USER_AGENT): ChannelDelivery {
  return createChannelDelivery(createWebhookChannel(config, userAgent), { maxAttempts: config.maxAttempts, initialBackoffMs: config.initialBackoffMs });
}
