/**
 * The certificate-expiry warning alert: a target whose chain crosses its warning threshold
 * (certExpiryWarnDays) gets one `cert_expiring` alert per crossing, not one per check. The
 * level is judged from each result's chain and the target's thresholds (src/domain/
 * cert-expiry-level.ts, the rule the executor's verdict uses), so a result degraded for
 * another reason (slow) neither hides nor repeats the warning. A result without a chain
 * (the connection failed) changes nothing. Memory only: after a restart a target already in
 * its warning range is announced once more.
 */
import type { CheckResult } from '../domain/check-result.js';
import type { CheckSpec } from '../domain/check-spec.js';
import { certExpiryLevel, daysLeft, type CertExpiryLevel } from '../domain/cert-expiry-level.js';

export interface CertExpiryCrossing {
  readonly chainExpiresAt: string;
  readonly daysLeft: number;
  readonly warnDays: number;
}

export class CertExpiryWatch {
  private readonly levels = new Map<string, CertExpiryLevel>();

  /** Feeds one result; returns the crossing into the warning level it shows, if any. */
  observe(targetId: string, spec: CheckSpec, result: CheckResult): CertExpiryCrossing | null {
    if (spec.kind !== 'http' && spec.kind !== 'tls') return null;
    const chainExpiresAt = result.tls?.chainExpiresAt ?? null;
    const level = certExpiryLevel(spec, chainExpiresAt, result.startedAt);
    if (level === null || chainExpiresAt === null) return null;
    const previous = this.levels.get(targetId);
    this.levels.set(targetId, level);
    if (level !== 'warning' || previous === 'warning') return null;
    return { chainExpiresAt, daysLeft: daysLeft(chainExpiresAt, result.startedAt), warnDays: spec.certExpiryWarnDays };
  }

  remove(targetId: string): void {
    this.levels.delete(targetId);
  }
}
