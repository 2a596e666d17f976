/**
 * The certificate-expiry warning alert: a target whose chain crosses its warning threshold
 * (certExpiryWarnDays) gets one `cert_expiring` alert per crossing, not one per check. The
 * level is judged from each result's chain and the target's thresholds (src/domain/
 * cert-expiry-level.ts, the rule the executor's verdict uses), so a result degraded for
 * another reason (slow) neither hides nor repeats the warning. A result without a chain
 * (the connection failed) changes nothing.
 *
 * A warning stays open until the target is seen back at the ok level (a renewed chain, or the
 * threshold lowered or turned off) or is removed: then one `cert_resolved` closes it under the
 * warning's key (the warned chain's expiry), so PagerDuty/Opsgenie close what the warning
 * opened. Passing through critical (an incident of its own) keeps the warning open: back at
 * ok, it is closed all the same. Memory only: after a restart a target already in its warning
 * range is announced once more, and a warning whose chain was renewed while Vigil was stopped
 * is never closed.
 */
import type { AlertEvent } from '../alerts/alert-event.js';
import type { CheckResult } from '../domain/check-result.js';
import type { CheckSpec } from '../domain/check-spec.js';
import { certExpiryLevel, daysLeft, type CertExpiryLevel } from '../domain/cert-expiry-level.js';

type CertAlert = Extract<AlertEvent, { type: 'cert_expiring' | 'cert_resolved' }>;
/** A certificate alert without the fields the daemon adds (when, which target). */
type CertExpiryChange = CertAlert extends infer E ? (E extends CertAlert ? Omit<E, 'at' | 'target'> : never) : never;

interface Watched {
  level: CertExpiryLevel;
  /** the chain expiry of the open warning (its key), if one is open */
  warned: string | null;
}

export class CertExpiryWatch {
  private readonly watched = new Map<string, Watched>();

  /** Feeds one result; returns the warning it opens or the warning it closes, if any. */
  observe(targetId: string, spec: CheckSpec, result: CheckResult): CertExpiryChange | null {
    if (spec.kind !== 'http' && spec.kind !== 'tls') return null;
    const chainExpiresAt = result.tls?.chainExpiresAt ?? null;
    const level = certExpiryLevel(spec, chainExpiresAt, result.startedAt);
    if (level === null || chainExpiresAt === null) return null;
    const previous = this.watched.get(targetId);
    const warned = previous?.warned ?? null;
    const days = daysLeft(chainExpiresAt, result.startedAt);
    if (level === 'ok') {
      this.watched.set(targetId, { level, warned: null });
      return warned === null ? null : { type: 'cert_resolved', reason: 'ok', warnedChainExpiresAt: warned, chainExpiresAt, daysLeft: days };
    }
    if (level !== 'warning' || previous?.level === 'warning') {
      this.watched.set(targetId, { level, warned });
      return null;
    }
    this.watched.set(targetId, { level, warned: chainExpiresAt });
    return { type: 'cert_expiring', chainExpiresAt, daysLeft: days, warnDays: spec.certExpiryWarnDays };
  }

  /** Forgets a target; returns the close of its open warning, if one is open. */
  remove(targetId: string): CertExpiryChange | null {
    const warned = this.watched.get(targetId)?.warned ?? null;
    this.watched.delete(targetId);
    return warned === null ? null : { type: 'cert_resolved', reason: 'target_removed', warnedChainExpiresAt: warned, chainExpiresAt: null, daysLeft: null };
  }
}
