import type { CheckKind } from './check-spec.js';
import type { ErrorFamily, ErrorKind, ErrorPhase } from './error-kind.js';

export type CheckStatus = 'up' | 'degraded' | 'down' | 'error';

/**
 * Phase timings in milliseconds (sub-ms precision, monotonic clock). Phases never overlap
 * and their sum is at most `totalMs`. A phase that did not happen is `null`, never 0.
 * With redirects, the phases describe the last hop; `totalMs` spans the whole chain.
 */
export interface Timings {
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  /** request written → response headers received */
  ttfbMs: number | null;
  /** response headers → body end */
  receiveMs: number | null;
  totalMs: number;
}

/**
 * The phases, in the order they happen, then the whole check: the one list that storage,
 * metrics, the API schema, the status page, the CLI and the load-test report derive from.
 */
export const PHASES = Object.freeze(['dns', 'connect', 'tls', 'ttfb', 'receive', 'total'] as const);
export type Phase = (typeof PHASES)[number];
/** The parts a check's time is split into (every phase but `total`), in order. */
export const PART_PHASES = Object.freeze(PHASES.filter((p): p is Exclude<Phase, 'total'> => p !== 'total'));
export type PartPhase = (typeof PART_PHASES)[number];
/** A phase's field in `Timings` (`dns` → `dnsMs`). */
export type TimingKey<P extends Phase = Phase> = `${P}Ms`;
export function timingKey<P extends Phase>(phase: P): TimingKey<P> {
  return `${phase}Ms`;
}
/** The timings of a check that never started a phase (refused before any work). */
export const NO_TIMINGS: Readonly<Timings> = Object.freeze({
  dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, receiveMs: null, totalMs: 0,
});

export interface TlsInfo {
  protocol: string | null;
  cipher: string | null;
  alpn: string | null;
  certSubject: string | null;
  certIssuer: string | null;
  /** the leaf certificate's notAfter, ISO-8601 */
  certExpiresAt: string | null;
  /** whole days until the leaf expires (negative once expired) */
  daysRemaining: number | null;
  /**
   * The earliest notAfter over the whole chain (leaf, intermediates, the root it verified
   * against), ISO-8601: what the certificate-expiry thresholds judge. Equal to
   * `certExpiresAt` when the leaf expires first.
   */
  chainExpiresAt: string | null;
  /** whole days until `chainExpiresAt` */
  chainDaysRemaining: number | null;
  /** the chain, leaf first: reported by `tls` checks, null for the others */
  chain: TlsCertificate[] | null;
}

export interface TlsCertificate {
  subject: string | null;
  issuer: string | null;
  /** ISO-8601 */
  notBefore: string | null;
  /** ISO-8601 */
  notAfter: string | null;
  /** SHA-256 fingerprint, colon-separated hex as OpenSSL prints it */
  fingerprint256: string | null;
}

/** The one result type every executor produces. Plain and JSON-safe. */
export interface CheckResult {
  kind: CheckKind;
  /** The URL (credentials removed) or `host:port` that was checked. */
  target: string;
  /** epoch ms */
  startedAt: number;
  status: CheckStatus;
  httpVersion: '1.1' | '2' | null;
  statusCode: number | null;
  /** decoded body bytes read (null when no body was read) */
  responseBytes: number | null;
  timings: Timings;
  errorKind: ErrorKind | null;
  errorFamily: ErrorFamily | null;
  errorPhase: ErrorPhase | null;
  detail: string | null;
  connectionReused: boolean;
  tls: TlsInfo | null;
}

export function isSuccess(result: Pick<CheckResult, 'status'>): boolean {
  return result.status === 'up' || result.status === 'degraded';
}
