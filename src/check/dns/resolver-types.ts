/** One resolved address, as `net.connect`'s `lookup` option reports it. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export interface DnsConfig {
  /** cap on how long a positive answer is cached (the record TTL is used when lower) */
  readonly maxPositiveTtlMs: number;
  /** how long NXDOMAIN / no-data answers are cached */
  readonly maxNegativeTtlMs: number;
  /** most names kept in the cache (least recently used evicted) */
  readonly maxEntries: number;
}

/**
 * Resolves a host name (never an IP literal: callers skip resolution for those) to the
 * addresses to try, in happy-eyeballs order (RFC 8305: families interleaved, preferred first).
 * Rejects with an error carrying a Node DNS `code` (ENOTFOUND, ENODATA, ETIMEOUT, …), which
 * the classifier maps to `dns_no_record` / `dns_failed`.
 */
export interface Resolver {
  resolve(host: string, timeoutMs: number): Promise<readonly ResolvedAddress[]>;
}

/** Decides whether a resolved address may be connected to (SSRF guard). */
export interface AddressGuard {
  /** null when allowed, else the name of the blocked range, e.g. "loopback 127.0.0.0/8". */
  blockedRange(address: string): string | null;
}
