/**
 * A cache keyed by frozen objects (check specs) that keeps at most `maxEntries` of them and,
 * once full, admits no new key: what is in stays, a key not admitted is recomputed by the
 * caller each time. Keys are held weakly, so an entry lives as long as its spec (a removed or
 * redefined target frees its place, counted back when the collector finalizes the spec).
 *
 * Why not "oldest out": a daemon checks its targets in a cycle (each once per interval, in
 * phase order). With more specs in the cycle than places, oldest-out never hits — every
 * check built a new plan and pushed one out — and each plan lived ~maxEntries checks, long
 * enough to be promoted to the old generation, so the cache turned a few µs of planning into
 * old-space garbage for every major GC to mark and sweep (issue 13, docs/performance.md
 * "Three nodes, 100,000 targets: the spikes"), plus a Map iteration over the deleted slots
 * on every eviction. Admission control keeps the first `maxEntries` plans for good and leaves
 * the rest young garbage.
 */
export class SpecCache<K extends object, V> {
  private readonly entries = new WeakMap<K, V>();
  private live = 0;
  private readonly finalizer = new FinalizationRegistry<null>(() => {
    this.live--;
  });

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new RangeError(`maxEntries: expected an integer >= 0, got ${maxEntries}`);
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Keeps the value when the key is already in or there is room; otherwise does nothing. */
  set(key: K, value: V): void {
    if (this.entries.has(key)) {
      this.entries.set(key, value);
      return;
    }
    if (this.live >= this.maxEntries) return;
    this.entries.set(key, value);
    this.live++;
    this.finalizer.register(key, null);
  }

  /** keys admitted and not yet finalized */
  get size(): number {
    return this.live;
  }
}
