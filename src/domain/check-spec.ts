/**
 * What to check. Specs are built once (validated and defaulted) by `defineCheck` and then
 * frozen; executors never re-validate them.
 */
import { compileBodyPattern } from './body-pattern.js';
import {
  budgets, certExpiryThresholds, hostField, hostPort, optionalMs, positiveInt, SpecError,
  type CertExpiryThresholds,
} from './spec-fields.js';
import { defineTlsCheck, type TlsCheckInput, type TlsCheckSpec } from './tls-check-spec.js';
import { conditionsRead, parseConditions, type Condition } from './conditions.js';
import { defineDnsCheck, dnsTargetOf, type DnsCheckInput, type DnsCheckSpec } from './dns-check-spec.js';
import { defineHeartbeatCheck, heartbeatTargetOf, type HeartbeatCheckInput, type HeartbeatCheckSpec } from './heartbeat-check-spec.js';

export { SpecError, DEFAULT_CONNECT_TIMEOUT_MS } from './spec-fields.js';
export type { CertExpiryThresholds } from './spec-fields.js';
export type { TlsCheckSpec, TlsCheckInput, StartTlsProtocol } from './tls-check-spec.js';
export { defineTlsCheck } from './tls-check-spec.js';
export type { DnsCheckSpec, DnsCheckInput, DnsRecordType } from './dns-check-spec.js';
export { defineDnsCheck } from './dns-check-spec.js';
export type { HeartbeatCheckSpec } from './heartbeat-check-spec.js';

/** Every check kind; the executor registry (src/check/index.ts) must have one executor each. */
export const CHECK_KINDS = ['http', 'tcp', 'tls', 'dns', 'heartbeat'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];
/** The kinds the scheduler polls; a heartbeat is pushed to (docs/heartbeat.md), never polled. */
export type PolledCheckKind = Exclude<CheckKind, 'heartbeat'>;

/** Inclusive status ranges; a single code is `{ min: c, max: c }`. */
export type StatusRange = { readonly min: number; readonly max: number };

export type HttpAuth =
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'bearer'; readonly token: string };

/** fresh: a new connection per check and per redirect hop (production). pooled: reuse. */
type ConnectionPolicy = 'fresh' | 'pooled';
/** alpn: HTTP/2 only when TLS ALPN picks h2. prior-knowledge: h2c/h2 without negotiation. */
type Http2Mode = 'alpn' | 'prior-knowledge';

export interface HttpCheckSpec extends CertExpiryThresholds {
  readonly kind: 'http';
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
  readonly auth: HttpAuth | null;
  readonly expectStatus: readonly StatusRange[];
  /** case-sensitive substring the body must contain */
  readonly keyword: string | null;
  /** regular expression source the body must match */
  readonly bodyRegex: string | null;
  readonly followRedirects: boolean;
  readonly maxRedirects: number;
  readonly degradedAfterMs: number | null;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly verifyTls: boolean;
  readonly connection: ConnectionPolicy;
  readonly http2: Http2Mode;
  /** assertions on the response, parsed once (src/domain/conditions.ts) */
  readonly conditions: readonly Condition[];
}

export interface TcpCheckSpec {
  readonly kind: 'tcp';
  readonly host: string;
  readonly port: number;
  readonly degradedAfterMs: number | null;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  /** [CONNECTED], [RESPONSE_TIME]; parsed once (src/domain/conditions.ts) */
  readonly conditions: readonly Condition[];
}

export type CheckSpec = HttpCheckSpec | TcpCheckSpec | TlsCheckSpec | DnsCheckSpec | HeartbeatCheckSpec;
export type PolledCheckSpec = Exclude<CheckSpec, HeartbeatCheckSpec>;

const DEFAULT_MAX_REDIRECTS = 10;
const MAX_REDIRECTS_LIMIT = 10;
const DEFAULT_EXPECT_STATUS: readonly StatusRange[] = Object.freeze([Object.freeze({ min: 200, max: 399 })]);
const ANY_STATUS: readonly StatusRange[] = Object.freeze([Object.freeze({ min: 100, max: 599 })]);
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** A record with no own keys (a spec's headers), without building a key array. */
export function isEmptyRecord(record: Readonly<Record<string, string>>): boolean {
  for (const _ in record) return false;
  return true;
}

export type HttpCheckInput = {
  kind?: 'http';
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | null;
  auth?: HttpAuth | null;
  expectStatus?: string | readonly StatusRange[] | number;
  keyword?: string | null;
  bodyRegex?: string | null;
  followRedirects?: boolean;
  maxRedirects?: number;
  degradedAfterMs?: number | null;
  timeoutMs?: number;
  connectTimeoutMs?: number;
  verifyTls?: boolean;
  connection?: ConnectionPolicy;
  http2?: Http2Mode;
  certExpiryWarnDays?: number;
  certExpiryCriticalDays?: number;
  conditions?: readonly string[];
};

export type TcpCheckInput = {
  kind: 'tcp';
  host: string;
  port: number;
  degradedAfterMs?: number | null;
  timeoutMs?: number;
  connectTimeoutMs?: number;
  conditions?: readonly string[];
};

export type CheckInput = HttpCheckInput | TcpCheckInput | TlsCheckInput | DnsCheckInput | HeartbeatCheckInput;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FORBIDDEN_HEADER_VALUE = /[\r\n\0]/;

/** Parses `200`, `200,204`, `200-299,304` into ranges. */
function parseStatusExpectation(text: string, field = 'expectStatus'): StatusRange[] {
  const form = 'a status code, a range or a list such as "200,204,300-399" (codes 100-599)';
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) throw new SpecError(field, form, text);
  return parts.map((part) => {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    if (!m) throw new SpecError(field, form, text);
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : Number(m[2]);
    if (min < 100 || max > 599 || min > max) throw new SpecError(field, form, text);
    return Object.freeze({ min, max });
  });
}

function normalizeExpect(value: HttpCheckInput['expectStatus']): readonly StatusRange[] {
  if (value === undefined) return DEFAULT_EXPECT_STATUS;
  if (typeof value === 'number') return parseStatusExpectation(String(value));
  if (typeof value === 'string') return Object.freeze(parseStatusExpectation(value));
  if (!Array.isArray(value) || value.length === 0) throw new SpecError('expectStatus', 'a non-empty list of status ranges', value);
  return Object.freeze(
    value.map((r, i) => {
      const min = positiveInt(`expectStatus[${i}].min`, r?.min, 100, 599);
      const max = positiveInt(`expectStatus[${i}].max`, r?.max, min, 599);
      return Object.freeze({ min, max });
    }),
  );
}

export function defineHttpCheck(input: HttpCheckInput): HttpCheckSpec {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw new SpecError('url', 'an absolute http:// or https:// URL', input.url);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SpecError('url', 'an absolute http:// or https:// URL', input.url);
  }
  const method = (input.method ?? 'GET').toUpperCase();
  if (!TOKEN.test(method)) throw new SpecError('method', 'an HTTP method token such as GET or POST', input.method);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (!TOKEN.test(name)) throw new SpecError(`headers.${name}`, 'a header name made of token characters', name);
    if (typeof value !== 'string' || FORBIDDEN_HEADER_VALUE.test(value)) {
      throw new SpecError(`headers.${name}`, 'a header value without CR, LF or NUL', value);
    }
    headers[name.toLowerCase()] = value;
  }
  let auth = input.auth ?? null;
  if (auth === null && (url.username !== '' || url.password !== '')) {
    auth = { type: 'basic', username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  }
  url.username = '';
  url.password = '';
  if (input.bodyRegex !== undefined && input.bodyRegex !== null) {
    try {
      compileBodyPattern(input.bodyRegex);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new SpecError('bodyRegex', `an RE2 regular expression (linear-time; no backreferences or lookaround): ${why}`, input.bodyRegex);
    }
  }
  const maxRedirects = positiveInt('maxRedirects', input.maxRedirects ?? DEFAULT_MAX_REDIRECTS, 0, MAX_REDIRECTS_LIMIT);
  const connection = input.connection ?? 'fresh';
  if (connection !== 'fresh' && connection !== 'pooled') throw new SpecError('connection', '"fresh" or "pooled"', connection);
  const http2 = input.http2 ?? 'alpn';
  if (http2 !== 'alpn' && http2 !== 'prior-knowledge') throw new SpecError('http2', '"alpn" or "prior-knowledge"', http2);
  if (input.keyword !== undefined && input.keyword !== null && (typeof input.keyword !== 'string' || input.keyword === '')) {
    throw new SpecError('keyword', 'a non-empty string', input.keyword);
  }
  const conditions = parseConditions(input.conditions);
  // A condition on [STATUS] is the status assertion: the default 200-399 would judge first.
  const expectStatus = input.expectStatus === undefined && conditionsRead(conditions, 'STATUS') ? ANY_STATUS : normalizeExpect(input.expectStatus);
  return Object.freeze({
    kind: 'http',
    url: url.href,
    method,
    // no headers (the common case): one shared frozen record, not an empty object per target
    headers: isEmptyRecord(headers) ? NO_HEADERS : Object.freeze(headers),
    body: input.body ?? null,
    auth: auth === null ? null : Object.freeze({ ...auth }),
    expectStatus,
    keyword: input.keyword ?? null,
    bodyRegex: input.bodyRegex ?? null,
    followRedirects: input.followRedirects ?? false,
    maxRedirects,
    degradedAfterMs: optionalMs('degradedAfterMs', input.degradedAfterMs),
    ...budgets(input),
    verifyTls: input.verifyTls ?? true,
    connection,
    http2,
    ...certExpiryThresholds(input),
    conditions,
  });
}

export function defineTcpCheck(input: TcpCheckInput): TcpCheckSpec {
  return Object.freeze({
    kind: 'tcp',
    host: hostField('host', input.host),
    port: positiveInt('port', input.port, 1, 65535),
    degradedAfterMs: optionalMs('degradedAfterMs', input.degradedAfterMs),
    ...budgets(input),
    conditions: parseConditions(input.conditions, 'tcp'),
  });
}

export function defineCheck(input: CheckInput): CheckSpec {
  if (input.kind === 'tcp') return defineTcpCheck(input);
  if (input.kind === 'tls') return defineTlsCheck(input);
  if (input.kind === 'dns') return defineDnsCheck(input);
  if (input.kind === 'heartbeat') return defineHeartbeatCheck(input);
  if (input.kind !== undefined && input.kind !== 'http') throw new SpecError('kind', CHECK_KINDS.map((k) => `"${k}"`).join(', '), input.kind);
  return defineHttpCheck(input);
}

/**
 * What a result names as its target: the URL for HTTP, `host:port` for TCP and TLS (an IPv6
 * literal in brackets). The one definition every result, log line and refusal uses.
 */
export function targetOf(spec: CheckSpec): string {
  if (spec.kind === 'http') return spec.url;
  if (spec.kind === 'dns') return dnsTargetOf(spec);
  if (spec.kind === 'heartbeat') return heartbeatTargetOf(spec);
  return hostPort(spec.host, spec.port);
}

export function statusExpected(ranges: readonly StatusRange[], code: number): boolean {
  for (const r of ranges) if (code >= r.min && code <= r.max) return true;
  return false;
}
