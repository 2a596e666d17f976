import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-vigil-signature';
/** the delivery id: the same on every attempt of one delivery (at-least-once: drop repeats by it) */
export const DELIVERY_HEADER = 'x-vigil-delivery';

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>` with the webhook's secret. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What a receiver does (documented in docs/daemon.md); constant-time comparison. */
export function verifySignature(secret: string, body: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signBody(secret, body));
  const got = Buffer.from(header);
  return expected.length === got.length && timingSafeEqual(expected, got);
}
