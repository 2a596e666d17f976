/**
 * A webhook whose body is the channel's Mustache template rendered over the alert
 * (alert-template.ts; compiled and checked when the config loaded), sent with the configured
 * method, content type and headers (header values may be secret references), and
 * `X-Vigil-Delivery` (the same on every attempt of one delivery: a receiver drops repeats by it).
 */
import type { ChannelConfigOf } from '../../config/channel-config.js';
import type { ChannelSender } from './channel-sender.js';
import { httpSend } from './http-post.js';
import { DELIVERY_HEADER } from '../signature.js';

export function createTemplateSender(config: ChannelConfigOf<'template'>, userAgent: string): ChannelSender {
  const headers = { 'user-agent': userAgent, ...config.headers, 'content-type': config.contentType };
  return {
    name: config.name,
    kind: 'template',
    send: (event, signal, delivery) =>
      httpSend({ url: config.url, method: config.method, headers: { ...headers, [DELIVERY_HEADER]: delivery.id }, body: config.template.render(event), timeoutMs: config.timeoutMs, signal, secrets: config.secrets }),
    close: () => undefined,
  };
}
