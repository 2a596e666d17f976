/**
 * The one contract every alert channel implements: one attempt to hand one alert to one
 * provider, resolving to an outcome — never throwing, never retrying, never logging. Retries
 * (backoff with jitter, giving up), persistence and routing live above it: the dispatcher
 * sends from the durable outbox in the store (alert-dispatcher.ts), so every channel gets the
 * same retries, the same restart behaviour and the same delivery log.
 */
import type { AlertEvent } from '../alert-event.js';

export type ChannelKind = 'webhook' | 'email' | 'pagerduty' | 'opsgenie' | 'discord' | 'telegram' | 'teams' | 'template';

export type SendOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** true: network trouble, timeouts, 408/425/429, 5xx, SMTP 4xx — worth another attempt */
      readonly retryable: boolean;
      /** short and secret-free: "HTTP 400: Event object is invalid", "ECONNREFUSED", "EAUTH 535" */
      readonly reason: string;
      /** the provider asked to wait this long (Retry-After, Telegram's retry_after) */
      readonly retryAfterMs?: number;
    };

/** Which delivery an attempt belongs to: the same `id` on every attempt (the receiver's idempotency key). */
interface DeliveryAttempt {
  readonly id: string;
  /** 1 for the first attempt */
  readonly attempt: number;
}

export interface ChannelSender {
  readonly name: string;
  readonly kind: ChannelKind;
  /** one attempt; `signal` aborts it (shutdown); resolves, never rejects */
  send(event: AlertEvent, signal: AbortSignal, delivery: DeliveryAttempt): Promise<SendOutcome>;
  /** releases pooled connections (email); idempotent */
  close(): void;
}
