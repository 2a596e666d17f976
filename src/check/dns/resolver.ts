import { lookup, Resolver as CaresResolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { DnsCache, type DnsAnswer } from './dns-cache.js';
import { createHostsFile, DEFAULT_HOSTS_PATH } from './hosts-file.js';
import type { DnsConfig, ResolvedAddress, Resolver } from './resolver-types.js';

export interface ResolverOptions {
  /** DNS servers (`ip` or `ip:port`); default: the system's (/etc/resolv.conf) */
  readonly servers?: readonly string[];
  /**
   * When the DNS servers say a name has no A and no AAAA records, ask getaddrinfo too, so
   * /etc/hosts names such as `localhost` resolve. Default true. Tests that point at their own
   * DNS server turn it off, because getaddrinfo would ask the system's servers.
   */
  readonly hostsFallback?: boolean;
  /** the hosts file read before DNS (default /etc/hosts); re-read at most every 5 s */
  readonly hostsPath?: string;
  /** family tried first when a name has both (default 6: RFC 8305's default) */
  readonly preferredFamily?: 4 | 6;
  /** c-ares: wait per try (ms, default 2000) and tries per server (default 2) */
  readonly queryTimeoutMs?: number;
  readonly queryTries?: number;
  /** monotonic clock for cache expiry (default performance.now) */
  readonly nowMs?: () => number;
}

/** How long a read of the hosts file (and an answer from it) is trusted. */
const HOSTS_MAX_AGE_MS = 5_000;

/** A DNS failure with a Node DNS `code`, which the classifier maps. */
class DnsLookupError extends Error {
  constructor(
    readonly code: string,
    readonly hostname: string,
    message: string,
  ) {
    super(message);
    this.name = 'DnsLookupError';
  }
}

const NO_RECORD_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'ENODATA']);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isNoRecord(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && NO_RECORD_CODES.has(code);
}

function requirePositive(field: string, value: unknown): void {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`dns.${field}: expected a positive number, got ${String(value)}`);
  }
}

/**
 * RFC 8305 §4: interleave the families, starting with the preferred one, keeping each
 * family's own order (the server's order; we do not re-sort by RFC 6724). Duplicates, which
 * getaddrinfo can return once per socket type, are dropped.
 */
export function interleaveFamilies(v6: readonly string[], v4: readonly string[], preferredFamily: 4 | 6): ResolvedAddress[] {
  const first = preferredFamily === 6 ? v6 : v4;
  const second = preferredFamily === 6 ? v4 : v6;
  const firstFamily = preferredFamily;
  const secondFamily = preferredFamily === 6 ? 4 : 6;
  const seen = new Set<string>();
  const out: ResolvedAddress[] = [];
  const push = (address: string | undefined, family: 4 | 6): void => {
    if (address === undefined || seen.has(address)) return;
    seen.add(address);
    out.push(Object.freeze({ address, family }));
  };
  for (let i = 0; i < Math.max(first.length, second.length); i++) {
    push(first[i], firstFamily);
    push(second[i], secondFamily);
  }
  return out;
}

interface Found {
  readonly addresses: readonly ResolvedAddress[];
  readonly ttlMs: number;
}

/**
 * The caching resolver: c-ares A and AAAA queries in parallel, answers cached for
 * min(record TTL, maxPositiveTtlMs), NXDOMAIN / no-data cached for maxNegativeTtlMs, other
 * failures (SERVFAIL, refused, timeouts) not cached. Concurrent lookups of one name share
 * one query. Each call has its own timer: a caller that times out gets ETIMEOUT while the
 * shared query goes on and still fills the cache for the next caller.
 */
export function createResolver(config: DnsConfig, options: ResolverOptions = {}): Resolver {
  requirePositive('maxPositiveTtlMs', config.maxPositiveTtlMs);
  requirePositive('maxNegativeTtlMs', config.maxNegativeTtlMs);
  requirePositive('maxEntries', config.maxEntries);
  const nowMs = options.nowMs ?? (() => performance.now());
  const preferredFamily = options.preferredFamily ?? 6;
  const hostsFallback = options.hostsFallback ?? true;
  const cares = new CaresResolver({ timeout: options.queryTimeoutMs ?? 2000, tries: options.queryTries ?? 2 });
  if (options.servers !== undefined) cares.setServers([...options.servers]);
  const cache = new DnsCache(config.maxEntries);
  const inFlight = new Map<string, DnsAnswer>();
  const hostsFile = createHostsFile(options.hostsPath ?? DEFAULT_HOSTS_PATH, HOSTS_MAX_AGE_MS, nowMs);
  const localhostAddresses: readonly ResolvedAddress[] = Object.freeze(interleaveFamilies(['::1'], ['127.0.0.1'], preferredFamily).map((a) => Object.freeze(a)));

  async function askGetaddrinfo(name: string): Promise<Found | null> {
    try {
      const found = await lookup(name, { all: true, verbatim: true });
      const v4 = found.filter((a) => a.family === 4).map((a) => a.address);
      const v6 = found.filter((a) => a.family === 6).map((a) => a.address);
      const addresses = interleaveFamilies(v6, v4, preferredFamily);
      // getaddrinfo reports no TTL: hosts-file answers rarely change, so use the cap.
      return addresses.length === 0 ? null : { addresses, ttlMs: config.maxPositiveTtlMs };
    } catch (err) {
      if (isNoRecord(err)) return null;
      throw err;
    }
  }

  async function query(name: string): Promise<Found> {
    // The hosts file first, as getaddrinfo does: a listed name must not depend on DNS servers.
    const listed = await hostsFile.lookup(name);
    if (listed !== null) return { addresses: interleaveFamilies(listed.v6, listed.v4, preferredFamily), ttlMs: Math.min(HOSTS_MAX_AGE_MS, config.maxPositiveTtlMs) };
    const [v4, v6] = await Promise.allSettled([cares.resolve4(name, { ttl: true }), cares.resolve6(name, { ttl: true })]);
    const records4 = v4.status === 'fulfilled' ? v4.value : [];
    const records6 = v6.status === 'fulfilled' ? v6.value : [];
    if (records4.length + records6.length > 0) {
      // One family answering is enough to connect: a SERVFAIL on the other is not fatal.
      let ttlS = Infinity;
      for (const r of records4) ttlS = Math.min(ttlS, r.ttl);
      for (const r of records6) ttlS = Math.min(ttlS, r.ttl);
      const addresses = interleaveFamilies(records6.map((r) => r.address), records4.map((r) => r.address), preferredFamily);
      return { addresses, ttlMs: Math.min(ttlS * 1000, config.maxPositiveTtlMs) };
    }
    const err4: unknown = v4.status === 'rejected' ? v4.reason : new DnsLookupError('ENODATA', name, `queryA ENODATA ${name}`);
    const err6: unknown = v6.status === 'rejected' ? v6.reason : new DnsLookupError('ENODATA', name, `queryAaaa ENODATA ${name}`);
    // A real failure of either family beats "no record": the name may well exist.
    if (!isNoRecord(err4)) throw err4;
    if (!isNoRecord(err6)) throw err6;
    const fromHosts = hostsFallback ? await askGetaddrinfo(name) : null;
    if (fromHosts !== null) return fromHosts;
    throw codeOf(err4) === 'ENOTFOUND' || codeOf(err6) !== 'ENOTFOUND' ? err4 : err6;
  }

  function startLookup(name: string): DnsAnswer {
    const answer = query(name).then(
      (found) => {
        inFlight.delete(name);
        const addresses = Object.freeze(found.addresses);
        cache.set(name, Promise.resolve(addresses), found.ttlMs, nowMs());
        return addresses;
      },
      (err: unknown) => {
        inFlight.delete(name);
        if (isNoRecord(err)) {
          const negative = Promise.reject(err);
          negative.catch(() => undefined); // handled by whoever reads it from the cache
          cache.set(name, negative, config.maxNegativeTtlMs, nowMs());
        }
        throw err;
      },
    );
    inFlight.set(name, answer);
    return answer;
  }

  return {
    resolve(host: string, timeoutMs: number): Promise<readonly ResolvedAddress[]> {
      const family = isIP(host);
      if (family !== 0) return Promise.resolve(Object.freeze([Object.freeze({ address: host, family: family as 4 | 6 })]));
      const name = canonicalName(host);
      // RFC 6761 §6.3: localhost names are loopback, answered without asking DNS (a machine
      // whose DNS servers are unreachable would otherwise wait for their timeout first).
      if (isLocalhostName(name)) return Promise.resolve(localhostAddresses);
      const cached = cache.get(name, nowMs());
      if (cached !== undefined) return cached;
      if (!(timeoutMs > 0)) return Promise.reject(timeoutError(name, timeoutMs));
      const shared = inFlight.get(name) ?? startLookup(name);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(timeoutError(name, timeoutMs)), timeoutMs);
        shared.then(
          (addresses) => {
            clearTimeout(timer);
            resolve(addresses);
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err);
          },
        );
      });
    },
  };
}

function canonicalName(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function timeoutError(name: string, timeoutMs: number): DnsLookupError {
  return new DnsLookupError('ETIMEOUT', name, `DNS lookup of ${name} timed out after ${timeoutMs} ms`);
}

/** `localhost` and every name under `.localhost` (RFC 6761 §6.3), after canonicalName. */
function isLocalhostName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost');
}
