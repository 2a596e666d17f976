/**
 * The one contract every alert channel implements: one attempt to hand one alert to one
 * provider, resolving to an outcome — never throwing, never retrying, never logging. Retries
 * (backoff, giving up), persistence and routing live above it: the dispatcher sends from the
 * durable outbox in the store (alert-dispatcher.ts), so every channel gets the same retries,
 * the same restart behaviour and the same delivery log.
 */
import type { AlertEvent } from '../alert-event.js';

type ChannelKind = 'webhook';

export type SendOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** true: network trouble, timeouts, 429, 5xx — worth another attempt */
      readonly retryable: boolean;
      /** short and secret-free: "HTTP 400", "ECONNREFUSED", "timeout" */
      readonly reason: string;
      /** the provider asked to wait this long (Retry-After) */
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
  /** releases pooled connections; idempotent */
  close(): void;
}
