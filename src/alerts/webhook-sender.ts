/**
 * Delivers alerts to one webhook with global `fetch` (this layer may not import node:http):
 * JSON body, `X-Vigil-Signature` when a secret is set, retried with exponential backoff on
 * network errors, timeouts, 429 and 5xx. Other 4xx answers are permanent failures (the
 * receiver refused the payload; retrying would not help). Nothing logged or counted here
 * contains the URL or the secret.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AlertDeliveryStats } from '../daemon/daemon-handle.js';
import type { WebhookConfig } from '../config/webhook-config.js';
import type { AlertEvent } from './alert-event.js';
import { genericPayload, slackPayload } from './payloads.js';
import { SIGNATURE_HEADER, signBody } from './signature.js';

const MAX_BACKOFF_MS = 60_000;

export interface WebhookSender {
  readonly name: string;
  /** resolves true when delivered, false when abandoned; never rejects */
  deliver(event: AlertEvent): Promise<boolean>;
  stats(): AlertDeliveryStats;
  /** aborts pending retries and requests (they count as failed) */
  abort(): void;
}

type Attempt = { ok: true } | { ok: false; retry: boolean; reason: string };

/** A secret-free reason: an HTTP status, an errno code or "timeout". */
function reasonOf(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timeout';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause !== undefined && typeof cause.code === 'string') return cause.code;
  return 'network error';
}

export function createWebhookSender(config: WebhookConfig, userAgent = 'Vigil/0.1 (+alerts)'): WebhookSender {
  const shutdown = new AbortController();
  let deliveredTotal = 0;
  let failedTotal = 0;
  let retriesTotal = 0;
  let lastError: string | null = null;

  async function attempt(body: string): Promise<Attempt> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': userAgent };
    if (config.secret !== null) headers[SIGNATURE_HEADER] = signBody(config.secret, body);
    try {
      const signal = AbortSignal.any([shutdown.signal, AbortSignal.timeout(config.timeoutMs)]);
      const res = await fetch(config.url, { method: 'POST', headers, body, signal, redirect: 'manual' });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      return { ok: false, retry: res.status === 429 || res.status >= 500, reason: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, retry: !shutdown.signal.aborted, reason: shutdown.signal.aborted ? 'aborted' : reasonOf(err) };
    }
  }

  async function deliver(event: AlertEvent): Promise<boolean> {
    const body = JSON.stringify(config.format === 'slack' ? slackPayload(event) : genericPayload(event));
    for (let n = 1; ; n++) {
      const outcome = await attempt(body);
      if (outcome.ok) {
        deliveredTotal++;
        lastError = null; // the stats describe the webhook now: a later success clears it
        return true;
      }
      lastError = outcome.reason;
      if (!outcome.retry || n >= config.maxAttempts || shutdown.signal.aborted) break;
      retriesTotal++;
      const backoffMs = Math.min(MAX_BACKOFF_MS, config.initialBackoffMs * 2 ** (n - 1));
      const slept = await sleep(backoffMs, true, { signal: shutdown.signal }).catch(() => false);
      if (!slept) break;
    }
    failedTotal++;
    return false;
  }

  return {
    name: config.name,
    deliver,
    stats: () => ({ webhook: config.name, deliveredTotal, failedTotal, retriesTotal, lastError }),
    abort: () => shutdown.abort(),
  };
}
