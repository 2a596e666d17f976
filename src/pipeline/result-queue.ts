/**
 * A bounded FIFO. Pushing onto a full queue evicts the oldest item (a monitor cares most
 * about the newest results). O(1) push and take, amortised: the consumed head is compacted
 * away once it is larger than the live part.
 */
export class ResultQueue<T> {
  private items: T[] = [];
  private head = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity: expected a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Returns how many old items were evicted (0 or 1). */
  push(item: T): number {
    this.items.push(item);
    if (this.size <= this.capacity) return 0;
    this.head += 1;
    this.compact();
    return 1;
  }

  /**
   * Puts items back in front (a batch whose write failed: they are older than what waits).
   * Returns how many were evicted to stay within capacity: the oldest, so from these first.
   */
  unshift(items: readonly T[]): number {
    if (items.length === 0) return 0;
    this.items = [...items, ...this.items.slice(this.head)];
    this.head = 0;
    const evicted = Math.max(0, this.size - this.capacity);
    this.head = evicted;
    this.compact();
    return evicted;
  }

  /** Removes and returns up to n of the oldest items. */
  take(n: number): T[] {
    const out = this.items.slice(this.head, this.head + n);
    this.head += out.length;
    this.compact();
    return out;
  }

  drain(): T[] {
    return this.take(this.size);
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
  }
}
