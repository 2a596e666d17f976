/**
 * The certificate-expiry warning alert: a target whose chain crosses its warning threshold
 * (certExpiryWarnDays) gets one `cert_expiring` alert per crossing, not one per check. The
 * level is judged from each result's chain and the target's thresholds (src/domain/
 * cert-expiry-level.ts, the rule the executor's verdict uses), so a result degraded for
 * another reason (slow) neither hides nor repeats the warning. A result without a chain
 * (the connection failed) changes nothing.
 *
 * Alerts go out on escalation, never on de-escalation: ok → warning sends `cert_expiring`;
 * warning → critical is an incident of its own (the result is down); critical → warning (a
 * threshold raised, or a renewal to a chain still in the warning range) sends nothing — the
 * incident's resolution already says it, and the warning that was open stays open.
 *
 * A warning stays open until the target is seen back at the ok level (a renewed chain, or the
 * threshold lowered or turned off) or is removed: then one `cert_resolved` closes it under the
 * warning's key (the warned chain's expiry), so PagerDuty/Opsgenie close what the warning
 * opened. Each change of level or open warning is handed to `persist` (the daemon writes it to
 * the store), and `restore` takes it back after a restart or a takeover: a chain renewed while
 * Vigil was stopped still gets its `cert_resolved`, and a warning is not announced twice.
 */
import type { AlertEvent } from '../alerts/alert-event.js';
import type { CheckResult } from '../domain/check-result.js';
import type { CheckSpec } from '../domain/check-spec.js';
import { certExpiryLevel, daysLeft, type CertExpiryLevel } from '../domain/cert-expiry-level.js';
import type { CertWarningState, Store } from '../storage/store.js';
import { OrderedWrites } from './ordered-writes.js';

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

  /** `persist` gets every change of a target's level or open warning (absent: memory only). */
  constructor(private readonly persist: (state: CertWarningState) => void = () => undefined) {}

  /** A watch whose every change is written to the store, in order; `idle` resolves when the writes made so far are done. */
  static kept(store: Pick<Store, 'putCertWarning'>, logError: (message: string) => void): { watch: CertExpiryWatch; idle: () => Promise<void> } {
    const writes = new OrderedWrites(logError);
    const watch = new CertExpiryWatch((state) => writes.add(`the certificate-warning state of ${state.targetId}`, () => store.putCertWarning(state)));
    return { watch, idle: () => writes.idle() };
  }

  /**
   * Takes back stored states (start, takeover): what a target's next result is judged against.
   * `scope`: the targets the states are the whole truth for (a takeover); what this node
   * remembered of one of them from an earlier ownership is dropped.
   */
  restore(states: readonly CertWarningState[], scope?: ReadonlySet<string>): void {
    if (scope !== undefined) for (const id of scope) this.watched.delete(id);
    for (const s of states) if (scope === undefined || scope.has(s.targetId)) this.watched.set(s.targetId, { level: s.level, warned: s.warnedChainExpiresAt });
  }

  /** Feeds one result; returns the warning it opens or the warning it closes, if any. */
  observe(targetId: string, spec: CheckSpec, result: CheckResult): CertExpiryChange | null {
    if (spec.kind !== 'http' && spec.kind !== 'tls') return null;
    const chainExpiresAt = result.tls?.chainExpiresAt ?? null;
    const level = certExpiryLevel(spec, chainExpiresAt, result.startedAt);
    if (level === null || chainExpiresAt === null) return null;
    const previous = this.watched.get(targetId);
    const warned = previous?.warned ?? null;
    const days = daysLeft(chainExpiresAt, result.startedAt);
    const set = (next: Watched): void => {
      if (previous !== undefined && previous.level === next.level && previous.warned === next.warned) return;
      this.watched.set(targetId, next);
      this.persist({ targetId, level: next.level, warnedChainExpiresAt: next.warned, updatedAt: result.startedAt });
    };
    if (level === 'ok') {
      set({ level, warned: null });
      return warned === null ? null : { type: 'cert_resolved', reason: 'ok', warnedChainExpiresAt: warned, chainExpiresAt, daysLeft: days };
    }
    // critical (an incident), or warning reached from warning or critical (no escalation)
    if (level === 'critical' || previous?.level === 'warning' || previous?.level === 'critical') {
      set({ level, warned });
      return null;
    }
    set({ level, warned: chainExpiresAt });
    return { type: 'cert_expiring', chainExpiresAt, daysLeft: days, warnDays: spec.certExpiryWarnDays };
  }

  /** Forgets a target; returns the close of its open warning, if one is open. */
  remove(targetId: string): CertExpiryChange | null {
    const warned = this.watched.get(targetId)?.warned ?? null;
    this.watched.delete(targetId);
    return warned === null ? null : { type: 'cert_resolved', reason: 'target_removed', warnedChainExpiresAt: warned, chainExpiresAt: null, daysLeft: null };
  }
}
