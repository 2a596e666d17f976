import { parseConditions, type Condition } from './conditions.js';
import { budgets, certExpiryThresholds, hostField, optionalMs, positiveInt, SpecError, type CertExpiryThresholds } from './spec-fields.js';

/** Plain-text protocols whose STARTTLS command the `tls` check speaks before the handshake. */
export const STARTTLS_PROTOCOLS = ['smtp', 'imap', 'pop3'] as const;
export type StartTlsProtocol = (typeof STARTTLS_PROTOCOLS)[number];

/** A TLS check: connect, (STARTTLS,) handshake, report the session and chain; no HTTP. */
export interface TlsCheckSpec extends CertExpiryThresholds {
  readonly kind: 'tls';
  readonly host: string;
  readonly port: number;
  /** SNI and the name the certificate must cover; null for an IP literal without one */
  readonly servername: string | null;
  readonly starttls: StartTlsProtocol | null;
  /** ALPN protocols offered (none by default) */
  readonly alpn: readonly string[];
  readonly verifyTls: boolean;
  readonly degradedAfterMs: number | null;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  /** [CONNECTED], [RESPONSE_TIME], [CERTIFICATE_EXPIRATION]; parsed once (src/domain/conditions.ts) */
  readonly conditions: readonly Condition[];
}

export type TlsCheckInput = {
  kind: 'tls';
  host: string;
  port: number;
  servername?: string | null;
  starttls?: StartTlsProtocol | null;
  alpn?: readonly string[];
  verifyTls?: boolean;
  certExpiryWarnDays?: number;
  certExpiryCriticalDays?: number;
  degradedAfterMs?: number | null;
  timeoutMs?: number;
  connectTimeoutMs?: number;
  conditions?: readonly string[];
};

const ALPN_ID = /^[\x21-\x7e]{1,255}$/;

export function defineTlsCheck(input: TlsCheckInput): TlsCheckSpec {
  const host = hostField('host', input.host);
  const isIpLiteral = /^[\d.]+$/.test(host) || host.includes(':');
  const servername = input.servername === undefined || input.servername === null ? (isIpLiteral ? null : host) : hostField('servername', input.servername);
  const starttls = input.starttls ?? null;
  if (starttls !== null && !(STARTTLS_PROTOCOLS as readonly string[]).includes(starttls)) {
    throw new SpecError('starttls', `one of ${STARTTLS_PROTOCOLS.map((p) => `"${p}"`).join(', ')}`, starttls);
  }
  const alpn = input.alpn ?? [];
  if (!Array.isArray(alpn) || alpn.length > 8) throw new SpecError('alpn', 'a list of at most 8 ALPN protocol ids such as "h2"', alpn);
  alpn.forEach((id, i) => {
    if (typeof id !== 'string' || !ALPN_ID.test(id)) throw new SpecError(`alpn[${i}]`, 'an ALPN protocol id (printable ASCII, 1-255 bytes)', id);
  });
  return Object.freeze({
    kind: 'tls',
    host,
    port: positiveInt('port', input.port, 1, 65535),
    servername,
    starttls,
    alpn: Object.freeze([...alpn]),
    verifyTls: input.verifyTls ?? true,
    ...certExpiryThresholds(input),
    degradedAfterMs: optionalMs('degradedAfterMs', input.degradedAfterMs),
    ...budgets(input),
    conditions: parseConditions(input.conditions, 'tls'),
  });
}
