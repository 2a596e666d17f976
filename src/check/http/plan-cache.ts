import type { HttpCheckSpec } from '../../domain/check-spec.js';
import type { HopPlan } from './hop-plan.js';

/**
 * First-hop plans by spec, at most `maxEntries` (oldest first out). A spec is frozen, so its
 * plan never goes stale. Bounded, not a WeakMap: a daemon holds one spec per target for as
 * long as the target exists, and 100,000 plans would be ~120 MB; past the bound a check
 * simply plans its hop again (~3 µs, mostly parsing the URL). The load-test harness and the
 * benches check a handful of specs and always hit.
 */
export class PlanCache {
  private readonly plans = new Map<HttpCheckSpec, HopPlan>();

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new RangeError(`maxEntries: expected an integer >= 0, got ${maxEntries}`);
  }

  get(spec: HttpCheckSpec): HopPlan | undefined {
    return this.plans.get(spec);
  }

  set(spec: HttpCheckSpec, plan: HopPlan): void {
    if (this.maxEntries === 0) return;
    if (this.plans.size >= this.maxEntries) {
      const oldest = this.plans.keys().next();
      if (oldest.done !== true) this.plans.delete(oldest.value);
    }
    this.plans.set(spec, plan);
  }

  get size(): number {
    return this.plans.size;
  }
}
