/**
 * One attempt to deliver an alert to one webhook with global `fetch` (this layer may not
 * import node:http): JSON body, `X-Vigil-Signature` when a secret is set, `X-Vigil-Delivery`
 * with the delivery id (the same on every attempt, so a receiver can drop repeats). Network
 * errors, timeouts, 429 and 5xx are retryable; other 4xx are permanent (the receiver refused
 * the payload). Retries are the dispatcher's. No reason contains the URL or the secret.
 */
import type { WebhookConfig } from '../config/webhook-config.js';
import type { ChannelSender, SendOutcome } from './channels/channel-sender.js';
import { genericPayload, slackPayload } from './payloads.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signBody } from './signature.js';

/** A secret-free reason: an errno code or "timeout". */
function reasonOf(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timeout';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause !== undefined && typeof cause.code === 'string') return cause.code;
  return 'network error';
}

/** Retry-After in seconds (the HTTP-date form is not worth a parser here); undefined when absent or odd. */
function retryAfterMsOf(header: string | null): number | undefined {
  if (header === null || !/^\d{1,6}$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}

export function createWebhookSender(config: WebhookConfig, userAgent = 'Vigil/0.1 (+alerts)'): ChannelSender {
  return {
    name: config.name,
    kind: 'webhook',
    async send(event, signal, delivery): Promise<SendOutcome> {
      const body = JSON.stringify(config.format === 'slack' ? slackPayload(event) : genericPayload(event, delivery.id));
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': userAgent, [DELIVERY_HEADER]: delivery.id };
      if (config.secret !== null) headers[SIGNATURE_HEADER] = signBody(config.secret, body);
      try {
        const res = await fetch(config.url, { method: 'POST', headers, body, signal: AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs)]), redirect: 'manual' });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) return { ok: true };
        const retryable = res.status === 429 || res.status >= 500;
        const retryAfterMs = retryable ? retryAfterMsOf(res.headers.get('retry-after')) : undefined;
        return { ok: false, retryable, reason: `HTTP ${res.status}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
      } catch (err) {
        return { ok: false, retryable: !signal.aborted, reason: signal.aborted ? 'aborted' : reasonOf(err) };
      }
    },
    close: () => undefined,
  };
}
