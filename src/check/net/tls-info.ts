import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { TlsInfo } from '../../domain/check-result.js';

const DAY_MS = 86_400_000;

function distinguishedName(name: Record<string, string | string[]> | undefined): string | null {
  if (name === undefined) return null;
  const parts = Object.entries(name).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`);
  return parts.length === 0 ? null : parts.join(', ');
}

/**
 * Reads what a monitor reports about the negotiated TLS session and the leaf certificate.
 * `parsed` is the certificate Node already parsed for its identity check, when there was one.
 */
export function readTlsInfo(socket: TLSSocket, parsed: PeerCertificate | null = null, nowMs: number = Date.now()): TlsInfo {
  const cert = parsed ?? socket.getPeerCertificate(false);
  const hasCert = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
  const expiresMs = hasCert && cert.valid_to ? Date.parse(cert.valid_to) : NaN;
  const alpn = socket.alpnProtocol;
  return {
    protocol: socket.getProtocol() ?? null,
    cipher: socket.getCipher()?.name ?? null,
    alpn: typeof alpn === 'string' ? alpn : null,
    certSubject: hasCert ? distinguishedName(cert.subject as unknown as Record<string, string>) : null,
    certIssuer: hasCert ? distinguishedName(cert.issuer as unknown as Record<string, string>) : null,
    certExpiresAt: Number.isNaN(expiresMs) ? null : new Date(expiresMs).toISOString(),
    daysRemaining: Number.isNaN(expiresMs) ? null : Math.floor((expiresMs - nowMs) / DAY_MS),
  };
}
