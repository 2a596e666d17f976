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
