import type { CheckStatus, TlsInfo } from '../domain/check-result.js';
import type { CertExpiryThresholds } from '../domain/check-spec.js';
import type { ErrorKind } from '../domain/error-kind.js';
import { certExpiryLevel, daysLeft } from '../domain/cert-expiry-level.js';

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
  const found = certExpiryLevel(thresholds, tls.chainExpiresAt, nowMs);
  if (found === null || found === 'ok' || (found === 'warning' && verdict.status === 'degraded')) return verdict;
  const isCritical = found === 'critical';
  const level = isCritical ? `critical threshold (${thresholds.certExpiryCriticalDays} d)` : `warning threshold (${thresholds.certExpiryWarnDays} d)`;
  const which = tls.chainExpiresAt === tls.certExpiresAt ? 'the certificate' : 'a certificate of the chain (not the leaf)';
  return {
    status: isCritical ? 'down' : 'degraded',
    errorKind: 'cert_expiring_soon',
    detail: `${which} expires ${tls.chainExpiresAt} (${daysLeft(tls.chainExpiresAt, nowMs)} d left), under the ${level}`,
  };
}
