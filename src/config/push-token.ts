/**
 * Push tokens of heartbeat targets (docs/heartbeat.md). A token is the only credential of a
 * push URL, so it is long random (192 bits from the OS CSPRNG, base64url) and kept only as
 * its SHA-256 (`sha256:<hex>`, what the spec and the store hold). A token of the user's own
 * (a `${env:…}`/`${file:…}` reference) must be at least as long as 128 random bits written in
 * base64url.
 */
import { createHash, randomBytes } from 'node:crypto';

const GENERATED_TOKEN_BYTES = 24;
export const PUSH_TOKEN_FORM = /^[A-Za-z0-9_-]{22,256}$/;
export const PUSH_TOKEN_EXPECTED = '22 to 256 characters of A-Z, a-z, 0-9, "_" and "-" (at least 128 random bits, e.g. `openssl rand -base64 24 | tr "+/" "-_"`)';

export function generatePushToken(): string {
  return randomBytes(GENERATED_TOKEN_BYTES).toString('base64url');
}

/** The stored form of a token; also the lookup key of a push (a hash lookup leaks nothing by timing). */
export function hashPushToken(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

/**
 * Pushes per push URL (per target): a run pushes start and success; ten in a burst, then one
 * every 6 s. Each node holds it per token in memory; with many nodes the store holds it per
 * target for the whole cluster too (docs/heartbeat.md, "Rate limits").
 */
export const PUSH_LIMIT_PER_TOKEN = { burst: 10, refillEveryMs: 6_000 } as const;
