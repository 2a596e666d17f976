/**
 * Token buckets by key (a push token's hash, a client address), bounded: past `maxKeys`
 * the least recently used key is forgotten, so a flood of made-up keys costs a fixed amount
 * of memory (a forgotten key starts again with a full bucket, which is the safe direction
 * for an honest client and no gain for a flood: the per-client bucket still holds).
 */
interface Bucket {
  tokens: number;
  atMs: number;
}

export interface RateLimit {
  /** requests allowed in a burst */
  readonly burst: number;
  /** one more request allowed every this many ms */
  readonly refillEveryMs: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly maxKeys: number,
  ) {}

  /** Takes one request from the key's bucket: 0 when allowed, else the ms until one is. */
  take(key: string, nowMs: number): number {
    const { burst, refillEveryMs } = this.limit;
    const bucket = this.buckets.get(key) ?? { tokens: burst, atMs: nowMs };
    this.buckets.delete(key);
    bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, nowMs - bucket.atMs) / refillEveryMs);
    bucket.atMs = nowMs;
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) * refillEveryMs);
  }
}
