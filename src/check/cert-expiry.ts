import type { CheckStatus, TlsInfo } from '../domain/check-result.js';
import type { CertExpiryThresholds } from '../domain/check-spec.js';
import type { ErrorKind } from '../domain/error-kind.js';

const DAY_MS = 86_400_000;

export interface CertVerdict {
  readonly status: CheckStatus;
  readonly errorKind: ErrorKind | null;
  readonly detail: string | null;
}

/**
 * Judges the chain's earliest expiry against the thresholds: under the critical level the
 * result is `down`, under the warning level `degraded`, both with kind `cert_expiring_soon`.
 * An already-expired certificate is verification's business: with verifyTls on it failed as
 * `cert_expired` before a verdict; with verifyTls off the user accepted it. Returns `verdict` itself when
 * the certificate changes nothing: a `down` verdict stays (the exchange failed for another
 * reason), and a warning does not replace another reason to be degraded.
 */
export function withCertExpiry<V extends CertVerdict>(verdict: V, thresholds: CertExpiryThresholds, tls: TlsInfo | null, nowMs: number): V | CertVerdict {
  if (verdict.status === 'down' || verdict.status === 'error' || tls === null || tls.chainExpiresAt === null) return verdict;
  const remainingMs = Date.parse(tls.chainExpiresAt) - nowMs;
  if (!(remainingMs >= 0)) return verdict;
  const { certExpiryWarnDays: warn, certExpiryCriticalDays: critical } = thresholds;
  const isCritical = critical > 0 && remainingMs < critical * DAY_MS;
  if (!isCritical && (warn === 0 || remainingMs >= warn * DAY_MS || verdict.status === 'degraded')) return verdict;
  const level = isCritical ? `critical threshold (${critical} d)` : `warning threshold (${warn} d)`;
  const which = tls.chainExpiresAt === tls.certExpiresAt ? 'the certificate' : 'a certificate of the chain (not the leaf)';
  return {
    status: isCritical ? 'down' : 'degraded',
    errorKind: 'cert_expiring_soon',
    detail: `${which} expires ${tls.chainExpiresAt} (${Math.floor(remainingMs / DAY_MS)} d left), under the ${level}`,
  };
}
