import type { CheckContext } from '../../context/check-context.js';
import type { CheckFailure } from '../../errors/check-failure.js';
import type { PooledSession, SessionConnector } from './pooled-session.js';

/** A check waiting for a stream slot on an origin. */
export interface Waiter {
  readonly connect: SessionConnector;
  readonly ctx: CheckContext;
  readonly resolve: (entry: PooledSession | Promise<PooledSession>) => void;
  readonly reject: (failure: CheckFailure) => void;
  /** its budget ran out while waiting; skipped when its turn comes */
  isCancelled: boolean;
}

/**
 * FIFO of waiting checks. A burst of 50,000 checks against a fresh origin queues nearly all
 * of them until the peer's SETTINGS arrive, so removal is O(1): a head index, with the
 * array compacted only once most of it is consumed.
 */
export class WaiterQueue {
  private items: Waiter[] = [];
  private head = 0;

  /** waiting checks, including cancelled ones not yet skipped */
  get size(): number {
    return this.items.length - this.head;
  }

  push(waiter: Waiter): void {
    this.items.push(waiter);
  }

  /** The first waiter still waiting (cancelled ones are dropped on the way). */
  peek(): Waiter | undefined {
    while (this.head < this.items.length) {
      const waiter = this.items[this.head] as Waiter;
      if (!waiter.isCancelled) return waiter;
      this.head++;
    }
    this.clear();
    return undefined;
  }

  shift(): void {
    this.head++;
    if (this.head === this.items.length) this.clear();
    else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  failAll(failure: CheckFailure): void {
    for (let i = this.head; i < this.items.length; i++) {
      const waiter = this.items[i] as Waiter;
      if (waiter.isCancelled) continue;
      waiter.ctx.onAbort(null);
      waiter.reject(failure);
    }
    this.clear();
  }

  private clear(): void {
    this.items = [];
    this.head = 0;
  }
}
