import type { ResolvedAddress } from './resolver-types.js';

export type DnsAnswer = Promise<readonly ResolvedAddress[]>;

interface Entry {
  expiresAtMs: number;
  answer: DnsAnswer;
}

/**
 * An LRU of settled answers keyed by canonical name. Entries hold the settled promise
 * itself (resolved for positive answers, rejected for NXDOMAIN / no-data), so a hit hands
 * out the same promise again and allocates nothing. Expiry is checked on read; the LRU
 * bound keeps names that are never read again from piling up.
 */
export class DnsCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(name: string, nowMs: number): DnsAnswer | undefined {
    const entry = this.entries.get(name);
    if (entry === undefined) return undefined;
    if (nowMs >= entry.expiresAtMs) {
      this.entries.delete(name);
      return undefined;
    }
    // Map iteration order is insertion order: re-inserting makes this the most recent.
    this.entries.delete(name);
    this.entries.set(name, entry);
    return entry.answer;
  }

  /** Stores an answer for `ttlMs`; a TTL of 0 (or less) means "do not cache". */
  set(name: string, answer: DnsAnswer, ttlMs: number, nowMs: number): void {
    this.entries.delete(name);
    if (!(ttlMs > 0)) return;
    this.entries.set(name, { expiresAtMs: nowMs + ttlMs, answer });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }
}
