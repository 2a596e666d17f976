import { isIP } from 'node:net';
import type { HttpCheckSpec } from '../../domain/check-spec.js';
import type { Clients } from '../clients.js';
import { unbracket, type ConnectTarget, type TlsOptions } from '../net/connect.js';
import type { HopRequest } from '../exchange-types.js';
import { formatRequestHead } from '../http1/http1.js';
import { encodeRequestBlock } from './h2/request-block.js';
import type { SessionConnector } from './h2/session-pool.js';
import { alpnSessionConnector, h2SessionConnector } from './h2-adapter.js';
import { isCredentialHeader, type HopState } from './redirect.js';
import { needsBody } from './verdict.js';
import { headerNamesRead } from '../../domain/conditions.js';

/**
 * Everything one hop needs that follows from the spec and the hop alone: the request (with
 * its wire form pre-rendered), where to connect, the pool key. The first hop's plan is built
 * once per spec and kept in `clients.specPlans` (a spec is frozen; the first `maxCachedPlans`
 * specs keep theirs, src/check/spec-cache.ts); redirect hops get a fresh plan. Building one
 * costs a few µs (mostly parsing the URL), paid per check by the specs past the bound. Kept
 * lean, as a daemon may hold up to `maxCachedPlans` of them (≈ 1.2 KB each, most of it the
 * parsed URL and the head): the default header list is shared, and only the wire form the
 * policy always uses is rendered.
 */
export interface HopPlan {
  readonly hop: HopState;
  readonly request: HopRequest;
  readonly target: ConnectTarget;
  readonly isTls: boolean;
  /**
   * pooled mode: the origin, plus " insecure" for connections opened without certificate
   * checks (they never serve a verifying check); '' for fresh connections
   */
  readonly poolKey: string;
  /**
   * pooled HTTP/2 (prior knowledge, or HTTPS whose origin picked h2 in ALPN): opens a session
   * for the pool on behalf of a check
   */
  readonly h2Connect: SessionConnector | undefined;
  /** pooled HTTPS with ALPN: HTTP/2 or HTTP/1.1 per origin, as the server picks */
  readonly isAlpnPooled: boolean;
}

const ALPN_BOTH = Object.freeze(['h2', 'http/1.1']);
const ALPN_H2 = Object.freeze(['h2']);

/** The first hop's plan, built on first use and reused by every later check of this spec. */
export function firstHopPlan(spec: HttpCheckSpec, clients: Clients): HopPlan {
  let plan = clients.specPlans.get(spec);
  if (plan === undefined) {
    const hop: HopState = {
      url: new URL(spec.url),
      method: spec.method,
      body: spec.body === null ? null : Buffer.from(spec.body, 'utf8'),
      sendCredentials: true,
    };
    plan = planHop(spec, clients, hop);
    clients.specPlans.set(spec, plan);
  }
  return plan;
}

export function planHop(spec: HttpCheckSpec, clients: Clients, hop: HopState): HopPlan {
  const url = hop.url;
  const isTls = url.protocol === 'https:';
  const host = unbracket(url.hostname);
  const port = url.port === '' ? (isTls ? 443 : 80) : Number(url.port);
  const priorKnowledge = spec.http2 === 'prior-knowledge';
  const tls: TlsOptions | null = isTls
    ? {
        servername: isIP(host) === 0 ? host : undefined,
        alpn: priorKnowledge ? ALPN_H2 : ALPN_BOTH,
        secureContext: spec.verifyTls ? clients.secureContext.verify : clients.secureContext.insecure,
        rejectUnauthorized: spec.verifyTls,
      }
    : null;
  const pooled = spec.connection === 'pooled';
  const base = {
    method: hop.method,
    url,
    headers: buildHeaders(spec, clients, hop),
    body: hop.body,
    expectBody: hop.method !== 'HEAD',
    needBody: needsBody(spec),
    keepHeaders: headerNamesRead(spec.conditions),
    limits: clients.limits,
  };
  // Pre-render the wire form the policy always uses: the HTTP/1.1 head unless prior
  // knowledge, the h2 header block with prior knowledge. (An HTTPS request whose connection
  // picks h2 in ALPN has its block rendered by its first exchange, and kept here.)
  const request: HopRequest = {
    ...base,
    http1Head: priorKnowledge ? undefined : flat(formatRequestHead(base, pooled)),
    h2Block: priorKnowledge ? encodeRequestBlock(base) : undefined,
  };
  const target: ConnectTarget = { host, port, tls, connectTimeoutMs: spec.connectTimeoutMs };
  const origin = pooled ? url.origin : '';
  const poolKey = !pooled || spec.verifyTls || !isTls ? origin : `${origin} insecure`;
  return {
    hop,
    request,
    target,
    isTls,
    poolKey,
    h2Connect: !pooled ? undefined
      : priorKnowledge ? h2SessionConnector(target, clients)
      : isTls ? alpnSessionConnector(target, clients, origin, poolKey) : undefined,
    isAlpnPooled: pooled && isTls && !priorKnowledge,
  };
}

function buildHeaders(spec: HttpCheckSpec, clients: Clients, hop: HopState): ReadonlyArray<readonly [string, string]> {
  const given = spec.headers;
  // Most checks send only the defaults: one frozen list per Clients serves them all.
  if (spec.auth === null && hop.body === null && isEmpty(given)) return clients.defaultRequestHeaders;
  const headers: Array<readonly [string, string]> = [];
  if (given['user-agent'] === undefined) headers.push(['user-agent', clients.userAgent]);
  if (given['accept'] === undefined) headers.push(['accept', '*/*']);
  if (given['accept-encoding'] === undefined) headers.push(['accept-encoding', 'gzip, br']);
  for (const name in given) {
    if (name === 'host' || name === 'connection' || name === 'content-length' || name === 'transfer-encoding') continue;
    if (!hop.sendCredentials && isCredentialHeader(name)) continue;
    headers.push([name, given[name] as string]);
  }
  const auth = spec.auth;
  if (auth !== null && hop.sendCredentials && given['authorization'] === undefined) {
    const value = auth.type === 'basic'
      ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`
      : `Bearer ${auth.token}`;
    headers.push(['authorization', value]);
  }
  if (hop.body !== null && given['content-type'] === undefined) headers.push(['content-type', 'application/octet-stream']);
  return headers;
}

function isEmpty(record: Readonly<Record<string, string>>): boolean {
  for (const _ in record) return false;
  return true;
}

/**
 * A copy of a string built by concatenation as one flat string: kept as built, the head is
 * a tree of a dozen pieces (~0.8 KB per plan instead of ~0.2).
 */
function flat(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}
