/**
 * The one contract every alert channel implements: one attempt to hand one alert to one
 * provider, resolving to an outcome — never throwing, never retrying, never logging. Retries
 * (backoff, jitter, giving up), the delivery log and routing live above it (channel-delivery.ts,
 * alert-dispatcher.ts), so a durable outbox can drive the same senders.
 */
import type { AlertEvent } from '../alert-event.js';

export type ChannelKind = 'webhook' | 'email' | 'pagerduty' | 'opsgenie' | 'discord' | 'telegram' | 'teams' | 'template';

export type SendOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** true: network trouble, timeouts, 429, 5xx, SMTP 4xx — worth another attempt */
      readonly retryable: boolean;
      /** short and secret-free: "HTTP 400: Event object is invalid", "ECONNREFUSED", "EAUTH 535" */
      readonly reason: string;
      /** the provider asked to wait this long (Retry-After, Telegram's retry_after) */
      readonly retryAfterMs?: number;
    };

export interface ChannelSender {
  readonly name: string;
  readonly kind: ChannelKind;
  /** one attempt; `signal` aborts it (shutdown); resolves, never rejects */
  send(event: AlertEvent, signal: AbortSignal): Promise<SendOutcome>;
  /** releases pooled connections (email); idempotent */
  close(): void;
}
