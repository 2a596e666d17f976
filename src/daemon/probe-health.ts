/**
 * The probe-health rule: "many unrelated targets fail at once" means the probe (its network,
 * DNS, CPU) is the likelier culprit, so the daemon raises ONE internal alert instead of
 * paging for every target.
 *
 * Per host (targets on one host are not independent), the latest result inside a sliding
 * window counts. The probe is DEGRADED when, inside the window,
 *   failing hosts >= minFailingHosts  AND  failing hosts / checked hosts >= minFailingFraction
 * where "failing" means the host's latest result is a transport-family error (the exchange
 * never completed: DNS, connect, reset, timeout…). Verdicts (wrong status, bad cert) are the
 * target's own answer and never count; circuit_open results are the breaker's echo of earlier
 * failures and are ignored. It RECOVERS (hysteresis, so it does not flap at the edge) when
 * failing hosts < minFailingHosts / 2 or the share drops below half the threshold.
 */
import type { CheckResult } from '../domain/check-result.js';
import type { ProbeHealthSettings } from '../config/probe-settings.js';

export type ProbeHealthTransition =
  | { readonly type: 'degraded'; readonly failingHosts: number; readonly checkedHosts: number; readonly sampleHosts: readonly string[] }
  | { readonly type: 'recovered'; readonly degradedForMs: number };

interface HostState {
  lastAt: number;
  failing: boolean;
}

const SWEEP_EVERY_MS = 1_000;

export class ProbeHealthMonitor {
  private readonly hosts = new Map<string, HostState>();
  private failing = 0;
  private degradedSince: number | null = null;
  private lastSweepAt = -Infinity;

  constructor(private readonly settings: ProbeHealthSettings) {}

  get degraded(): boolean {
    return this.degradedSince !== null;
  }

  failingHosts(): number {
    return this.failing;
  }

  checkedHosts(): number {
    return this.hosts.size;
  }

  /** Feeds one result; returns a transition when the probe's state changes. */
  observe(host: string, result: CheckResult, atMs: number): ProbeHealthTransition | null {
    if (result.errorKind === 'circuit_open') return this.evaluate(atMs);
    const failing = result.errorFamily === 'transport';
    const state = this.hosts.get(host);
    if (state === undefined) {
      this.hosts.set(host, { lastAt: atMs, failing });
      if (failing) this.failing++;
    } else {
      if (state.failing !== failing) this.failing += failing ? 1 : -1;
      state.failing = failing;
      state.lastAt = atMs;
    }
    return this.evaluate(atMs);
  }

  /** Also called on a timer so the state recovers when results stop arriving. */
  evaluate(nowMs: number): ProbeHealthTransition | null {
    if (nowMs - this.lastSweepAt >= SWEEP_EVERY_MS) this.sweep(nowMs);
    const { minFailingHosts, minFailingFraction } = this.settings;
    const checked = this.hosts.size;
    const share = checked === 0 ? 0 : this.failing / checked;
    if (this.degradedSince === null) {
      if (this.failing < minFailingHosts || share < minFailingFraction) return null;
      this.degradedSince = nowMs;
      return { type: 'degraded', failingHosts: this.failing, checkedHosts: checked, sampleHosts: this.sample(10) };
    }
    if (this.failing >= minFailingHosts / 2 && share >= minFailingFraction / 2) return null;
    const degradedForMs = nowMs - this.degradedSince;
    this.degradedSince = null;
    return { type: 'recovered', degradedForMs };
  }

  private sweep(nowMs: number): void {
    this.lastSweepAt = nowMs;
    const oldest = nowMs - this.settings.windowMs;
    for (const [host, state] of this.hosts) {
      if (state.lastAt >= oldest) continue;
      if (state.failing) this.failing--;
      this.hosts.delete(host);
    }
  }

  private sample(max: number): string[] {
    const out: string[] = [];
    for (const [host, state] of this.hosts) {
      if (!state.failing) continue;
      out.push(host);
      if (out.length >= max) break;
    }
    return out;
  }
}
