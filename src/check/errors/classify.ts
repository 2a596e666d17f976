import type { ErrorKind, ErrorPhase } from '../../domain/error-kind.js';
import { CheckFailure } from './check-failure.js';

/**
 * Classifies a caught error once, where it is caught: Node/OpenSSL `code` first (a data
 * table), then `cause` / AggregateError members, message text last. The phase is the phase
 * the check was in when the error surfaced; it refines a few codes (a refused connection to
 * the DNS server is a DNS failure, not a refused target).
 */
const BY_CODE: Readonly<Record<string, ErrorKind>> = {
  // DNS
  ENOTFOUND: 'dns_no_record',
  ENODATA: 'dns_no_record',
  EAI_NODATA: 'dns_no_record',
  EAI_NONAME: 'dns_no_record',
  EAI_AGAIN: 'dns_failed',
  EAI_FAIL: 'dns_failed',
  ESERVFAIL: 'dns_failed',
  EREFUSED: 'dns_failed',
  EBADRESP: 'dns_failed',
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ECONNABORTED: 'connection_reset',
  EHOSTUNREACH: 'host_unreachable',
  EHOSTDOWN: 'host_unreachable',
  ENETUNREACH: 'network_unreachable',
  ENETDOWN: 'network_unreachable',
  ETIMEDOUT: 'connect_timeout',
  EMFILE: 'fd_exhausted',
  ENFILE: 'fd_exhausted',
  EADDRNOTAVAIL: 'internal',
  EADDRINUSE: 'internal',
  ENOBUFS: 'internal',
  ENOMEM: 'internal',
  // TLS certificate verification (OpenSSL X509_V_ERR_* names as Node reports them)
  CERT_HAS_EXPIRED: 'cert_expired',
  CERT_NOT_YET_VALID: 'cert_not_yet_valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'cert_not_trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'cert_not_trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'cert_not_trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'cert_not_trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'cert_not_trusted',
  CERT_UNTRUSTED: 'cert_not_trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'cert_hostname_mismatch',
  HOSTNAME_MISMATCH: 'cert_hostname_mismatch',
  CERT_SIGNATURE_FAILURE: 'cert_invalid',
  CERT_REVOKED: 'cert_invalid',
  CERT_REJECTED: 'cert_invalid',
  INVALID_CA: 'cert_invalid',
  INVALID_PURPOSE: 'cert_invalid',
  PATH_LENGTH_EXCEEDED: 'cert_invalid',
  CERT_CHAIN_TOO_LONG: 'cert_invalid',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 'cert_invalid',
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 'cert_invalid',
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 'cert_invalid',
  ERROR_IN_CERT_NOT_AFTER_FIELD: 'cert_invalid',
  EPROTO: 'tls_handshake',
  ERR_SSL_WRONG_VERSION_NUMBER: 'tls_handshake',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'tls_handshake',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'tls_handshake',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'tls_handshake',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'tls_handshake',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'tls_handshake',
  ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR: 'tls_handshake',
  ERR_SSL_TLSV1_UNRECOGNIZED_NAME: 'tls_handshake',
  ERR_TLS_HANDSHAKE_TIMEOUT: 'tls_handshake',
  // HTTP/1 parser (llhttp)
  HPE_HEADER_OVERFLOW: 'response_headers_too_large',
  // decoding
  Z_DATA_ERROR: 'decode',
  Z_BUF_ERROR: 'decode',
  Z_NEED_DICT: 'decode',
  ERR_BUFFER_TOO_LARGE: 'decode',
  ERR__ERROR_FORMAT_PADDING_1: 'decode',
  // HTTP/2
  ERR_HTTP2_GOAWAY_SESSION: 'h2_goaway',
  ERR_HTTP2_STREAM_CANCEL: 'h2_protocol_error',
  ERR_HTTP2_SESSION_ERROR: 'h2_protocol_error',
  ERR_HTTP2_ERROR: 'h2_protocol_error',
  ERR_HTTP2_INVALID_SESSION: 'h2_protocol_error',
  ERR_HTTP2_STREAM_ERROR: 'h2_protocol_error',
  ERR_HTTP2_PING_CANCEL: 'h2_protocol_error',
};

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function kindFromCode(code: string | undefined): ErrorKind | undefined {
  if (code === undefined) return undefined;
  const direct = BY_CODE[code];
  if (direct !== undefined) return direct;
  if (code.startsWith('HPE_')) return 'invalid_response';
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return 'tls_handshake';
  if (code.startsWith('ERR_BROTLI') || code.startsWith('ERR_ZLIB')) return 'decode';
  return undefined;
}

function kindFromMessage(message: string): ErrorKind | undefined {
  if (/NGHTTP2_REFUSED_STREAM/.test(message)) return 'h2_stream_refused';
  if (/GOAWAY/i.test(message)) return 'h2_goaway';
  if (/certificate has expired/i.test(message)) return 'cert_expired';
  if (/self[- ]signed certificate/i.test(message)) return 'cert_not_trusted';
  if (/wrong version number|ssl routines|alert/i.test(message)) return 'tls_handshake';
  if (/socket hang up/i.test(message)) return 'no_response';
  if (/too many open files/i.test(message)) return 'fd_exhausted';
  return undefined;
}

function find(err: unknown, depth: number): ErrorKind | undefined {
  if (depth > 4 || err === null || err === undefined) return undefined;
  if (err instanceof CheckFailure) return err.kind;
  const byCode = kindFromCode(codeOf(err));
  if (byCode !== undefined) return byCode;
  if (err instanceof AggregateError) {
    for (const inner of err.errors) {
      const k = find(inner, depth + 1);
      if (k !== undefined) return k;
    }
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined) {
    const k = find(cause, depth + 1);
    if (k !== undefined) return k;
  }
  return err instanceof Error ? kindFromMessage(err.message) : undefined;
}

export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    return err.errors.map(describeError).join('; ');
  }
  if (err instanceof Error) {
    const code = codeOf(err);
    return code !== undefined && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

export function classifyError(err: unknown, phase: ErrorPhase | null): CheckFailure {
  if (err instanceof CheckFailure) return err;
  let kind = find(err, 0) ?? 'other';
  if (phase === 'dns' && kind !== 'dns_no_record' && kind !== 'fd_exhausted' && kind !== 'internal') kind = 'dns_failed';
  if (phase === 'tls' && (kind === 'connection_reset' || kind === 'no_response' || kind === 'other')) kind = 'tls_handshake';
  return new CheckFailure(kind, phase, describeError(err));
}
