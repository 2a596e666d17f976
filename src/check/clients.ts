import { DeadlineClock } from './context/deadline-clock.js';
import { ReadTurn } from './http2/read-turn.js';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { AddressGuard, DnsConfig, Resolver } from './dns/resolver-types.js';
import { createResolver } from './dns/resolver.js';
import { createAddressGuard } from './ssrf/address-guard.js';
import { H2SessionPool } from './http/h2/session-pool.js';
import { Http1SocketPool } from './http/socket-pool.js';
import { ParserPool } from './http1/parser-pool.js';
import { http1DirectReads } from './http1/http1.js';
import type { OnReadOpts } from 'node:net';
import { loadRawTcp, type RawTcp } from './net/raw-tcp.js';
import { BoundedMap } from './bounded-map.js';
import { SpecCache } from './spec-cache.js';
import type { AlpnChoice } from './http/h2-adapter.js';
import type { HopPlan } from './http/hop-plan.js';
import type { HttpCheckSpec } from '../domain/check-spec.js';
import type { Limits } from './exchange-types.js';

export interface ClientConfig {
  userAgent?: string;
  /** extra trusted CA certificates (PEM), added to Node's bundled roots */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** let checks reach loopback, private and reserved addresses (off by default: SSRF guard) */
  allowPrivateTargets?: boolean;
  dns?: Partial<DnsConfig>;
  limits?: Partial<Limits>;
  /** pooled mode: HTTP/2 sessions kept per origin (streams are spread over them) */
  h2SessionsPerOrigin?: number;
  /** pooled mode: idle HTTP/1.1 keep-alive sockets kept per origin */
  http1MaxIdlePerOrigin?: number;
  /** first-hop plans kept (one per spec, ~1.2 KB each); default 10,000 */
  maxCachedPlans?: number;
  /** An injected resolver (tests, custom DNS); defaults to the caching system resolver. */
  resolver?: Resolver;
  /**
   * fresh plain HTTP/1.1 connections on libuv's TCP handle instead of `net.Socket` when this
   * Node exposes it (net/raw-tcp.ts); default true. false: every connection is a `net.Socket`.
   */
  rawTcp?: boolean;
}

/** Everything a check reuses, built once by `buildClients`. */
export interface Clients {
  readonly userAgent: string;
  readonly secureContext: { readonly verify: SecureContext; readonly insecure: SecureContext };
  readonly resolver: Resolver;
  readonly guard: AddressGuard;
  readonly allowPrivateTargets: boolean;
  readonly limits: Limits;
  readonly h2Pool: H2SessionPool;
  /** the timers of all checks run with these clients: budgets, connect timeouts, FIN waits (one Node timer per duration) */
  readonly clock: DeadlineClock;
  /** the HTTP/2 sessions' shared frame budget per turn of the event loop (src/check/http2/read-turn.ts) */
  readonly readTurn: ReadTurn;
  readonly http1Pool: Http1SocketPool;
  /** reusable llhttp response parsers */
  readonly http1Parsers: ParserPool;
  /** the read buffer and callback of fresh plain HTTP/1.1 connections (http1DirectReads); the raw handle reads into the same buffer */
  readonly http1Reads: OnReadOpts;
  /** libuv's TCP handle for fresh plain HTTP/1.1 connections (net/raw-tcp.ts); null: they use `net.Socket` */
  readonly rawTcp: RawTcp | null;
  /** the request headers of a check that adds none of its own (user agent, accept, encodings) */
  readonly defaultRequestHeaders: ReadonlyArray<readonly [string, string]>;
  /** pooled HTTPS with ALPN: which protocol each origin (pool key) picked, at most 10,000 */
  readonly alpnChoices: BoundedMap<string, AlpnChoice>;
  /**
   * the first hop's plan per spec (hop-plan.ts), at most `maxCachedPlans`: a spec is frozen,
   * so its plan never goes stale; the first specs planned keep their place while they live,
   * the checks of specs past the bound plan their hop again (~3 µs, young garbage)
   */
  readonly specPlans: SpecCache<HttpCheckSpec, HopPlan>;
  /** closes pooled connections; checks already running finish or fail as they would */
  close(): Promise<void>;
}

const DEFAULT_USER_AGENT = 'Vigil/0.1 (+uptime check)';
const DEFAULT_LIMITS: Limits = Object.freeze({
  maxBodyBytes: 1024 * 1024,
  maxDecodedBytes: 8 * 1024 * 1024,
  maxHeaderBytes: 64 * 1024,
});
export const DEFAULT_DNS: DnsConfig = Object.freeze({
  maxPositiveTtlMs: 60_000,
  maxNegativeTtlMs: 10_000,
  maxEntries: 10_000,
});

const DEFAULT_MAX_CACHED_PLANS = 10_000;
const MAX_ALPN_ORIGINS = 10_000;

export function buildClients(config: ClientConfig = {}): Clients {
  if (config.rawTcp !== undefined && typeof config.rawTcp !== 'boolean') throw new TypeError(`rawTcp: expected true or false, got ${String(config.rawTcp)}`);
  const extraCa = config.ca === undefined ? [] : Array.isArray(config.ca) ? config.ca : [config.ca];
  const ca = extraCa.length > 0 ? [...rootCertificates, ...extraCa.map(String)] : undefined;
  const verify = createSecureContext(ca === undefined ? {} : { ca });
  const insecure = createSecureContext({});
  const limits: Limits = Object.freeze({ ...DEFAULT_LIMITS, ...config.limits });
  const dnsConfig: DnsConfig = Object.freeze({ ...DEFAULT_DNS, ...config.dns });
  const h2Pool = new H2SessionPool({ sessionsPerOrigin: config.h2SessionsPerOrigin ?? 4 });
  const http1Pool = new Http1SocketPool({ maxIdlePerOrigin: config.http1MaxIdlePerOrigin ?? 16 });
  const userAgent = config.userAgent ?? DEFAULT_USER_AGENT;
  return Object.freeze({
    userAgent,
    defaultRequestHeaders: Object.freeze([
      Object.freeze(['user-agent', userAgent] as const),
      Object.freeze(['accept', '*/*'] as const),
      Object.freeze(['accept-encoding', 'gzip, br'] as const),
    ]),
    secureContext: Object.freeze({ verify, insecure }),
    resolver: config.resolver ?? createResolver(dnsConfig),
    guard: createAddressGuard(),
    allowPrivateTargets: config.allowPrivateTargets ?? false,
    limits,
    h2Pool,
    clock: new DeadlineClock(),
    readTurn: new ReadTurn(),
    http1Pool,
    http1Parsers: new ParserPool(),
    http1Reads: http1DirectReads(),
    rawTcp: config.rawTcp === false ? null : loadRawTcp(),
    alpnChoices: new BoundedMap<string, AlpnChoice>(MAX_ALPN_ORIGINS),
    specPlans: new SpecCache<HttpCheckSpec, HopPlan>(config.maxCachedPlans ?? DEFAULT_MAX_CACHED_PLANS),
    async close() {
      http1Pool.close();
      await h2Pool.close();
    },
  });
}
