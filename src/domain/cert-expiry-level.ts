/**
 * Where a certificate chain's earliest expiry stands against a target's thresholds: the one
 * rule the executor's verdict (src/check/cert-expiry.ts) and the daemon's warning alert
 * (src/daemon/cert-expiry-watch.ts) both use.
 */
import type { CertExpiryThresholds } from './spec-fields.js';

const DAY_MS = 86_400_000;

/** ok: beyond the warning level; null: no date to judge, or already expired (verification's business). */
export type CertExpiryLevel = 'ok' | 'warning' | 'critical';

export function certExpiryLevel(thresholds: CertExpiryThresholds, chainExpiresAt: string | null, nowMs: number): CertExpiryLevel | null {
  if (chainExpiresAt === null) return null;
  const remainingMs = Date.parse(chainExpiresAt) - nowMs;
  if (!(remainingMs >= 0)) return null;
  const { certExpiryWarnDays: warn, certExpiryCriticalDays: critical } = thresholds;
  if (critical > 0 && remainingMs < critical * DAY_MS) return 'critical';
  if (warn > 0 && remainingMs < warn * DAY_MS) return 'warning';
  return 'ok';
}

/** Whole days from nowMs to the expiry (floor), as details and alerts show them. */
export function daysLeft(chainExpiresAt: string, nowMs: number): number {
  return Math.floor((Date.parse(chainExpiresAt) - nowMs) / DAY_MS);
}
