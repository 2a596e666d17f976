/**
 * The closed set of reasons a check can fail, each with exactly one family.
 *
 * The family tables below are checked by the compiler (`satisfies Record<ErrorKind, …>`):
 * adding a kind to the union without giving it a family and an explanation does not compile.
 */
export type ErrorFamily = 'transport' | 'verdict' | 'internal' | 'other';

export type ErrorPhase = 'dns' | 'connect' | 'tls' | 'send' | 'ttfb' | 'receive';

export type ErrorKind =
  // transport: the exchange never completed
  | 'dns_failed'
  | 'connection_refused'
  | 'connection_reset'
  | 'host_unreachable'
  | 'network_unreachable'
  | 'connect_timeout'
  | 'tls_handshake'
  | 'timeout'
  | 'no_response'
  | 'body_timeout'
  | 'invalid_response'
  | 'response_headers_too_large'
  | 'decode'
  | 'h2_stream_refused'
  | 'h2_goaway'
  | 'h2_protocol_error'
  | 'dns_invalid_response'
  | 'circuit_open'
  // verdict: the exchange completed (or was refused by policy) and the target was judged unhealthy
  | 'dns_no_record'
  | 'address_not_allowed'
  | 'cert_expired'
  | 'cert_not_yet_valid'
  | 'cert_not_trusted'
  | 'cert_hostname_mismatch'
  | 'cert_invalid'
  | 'cert_expiring_soon'
  | 'starttls_refused'
  | 'condition_failed'
  | 'dns_unexpected_rcode'
  | 'dns_unexpected_answer'
  | 'unexpected_status'
  | 'rate_limited'
  | 'service_unavailable'
  | 'slow_response'
  | 'body_match_failed'
  | 'body_over_cap'
  | 'too_many_redirects'
  | 'invalid_redirect'
  | 'heartbeat_missed'
  | 'heartbeat_failed'
  | 'heartbeat_run_overdue'
  // internal: the probe could not run the check (our fault, not the target's)
  | 'fd_exhausted'
  | 'internal'
  // other
  | 'other';

export const ERROR_FAMILY = {
  dns_failed: 'transport',
  connection_refused: 'transport',
  connection_reset: 'transport',
  host_unreachable: 'transport',
  network_unreachable: 'transport',
  connect_timeout: 'transport',
  tls_handshake: 'transport',
  timeout: 'transport',
  no_response: 'transport',
  body_timeout: 'transport',
  invalid_response: 'transport',
  response_headers_too_large: 'transport',
  decode: 'transport',
  h2_stream_refused: 'transport',
  h2_goaway: 'transport',
  h2_protocol_error: 'transport',
  dns_invalid_response: 'transport',
  circuit_open: 'transport',
  dns_no_record: 'verdict',
  address_not_allowed: 'verdict',
  cert_expired: 'verdict',
  cert_not_yet_valid: 'verdict',
  cert_not_trusted: 'verdict',
  cert_hostname_mismatch: 'verdict',
  cert_invalid: 'verdict',
  cert_expiring_soon: 'verdict',
  starttls_refused: 'verdict',
  condition_failed: 'verdict',
  dns_unexpected_rcode: 'verdict',
  dns_unexpected_answer: 'verdict',
  unexpected_status: 'verdict',
  rate_limited: 'verdict',
  service_unavailable: 'verdict',
  slow_response: 'verdict',
  body_match_failed: 'verdict',
  body_over_cap: 'verdict',
  too_many_redirects: 'verdict',
  invalid_redirect: 'verdict',
  heartbeat_missed: 'verdict',
  heartbeat_failed: 'verdict',
  heartbeat_run_overdue: 'verdict',
  fd_exhausted: 'internal',
  internal: 'internal',
  other: 'other',
} as const satisfies Record<ErrorKind, ErrorFamily>;

/** Plain-language explanation of each kind, for humans (CLI, status page, alerts). */
export const ERROR_EXPLANATION = {
  dns_failed: 'The name could not be resolved (resolver error or timeout).',
  connection_refused: 'The host answered but nothing listens on that port (connection refused).',
  connection_reset: 'The peer reset the connection.',
  host_unreachable: 'No route to the host.',
  network_unreachable: 'The network of the host is unreachable from this probe.',
  connect_timeout: 'The TCP connection was not established within the connect budget.',
  tls_handshake: 'The TLS handshake failed (alert, protocol or cipher mismatch, or not a TLS port).',
  timeout: 'No response headers arrived within the time budget.',
  no_response: 'The server closed the connection before sending a response.',
  body_timeout: 'The response body did not finish within the time budget.',
  invalid_response: 'The server sent something that is not a valid HTTP response.',
  response_headers_too_large: 'The response headers exceeded the size limit.',
  decode: 'The response body could not be decoded (bad gzip/brotli data or decoded size over the cap).',
  h2_stream_refused: 'The HTTP/2 server refused the stream.',
  h2_goaway: 'The HTTP/2 server sent GOAWAY before answering this request.',
  h2_protocol_error: 'The HTTP/2 exchange failed with a protocol error.',
  dns_invalid_response: 'The DNS server sent an answer that could not be parsed or does not answer the question asked.',
  circuit_open: 'Checks of this host are paused: it failed repeatedly (circuit breaker open).',
  dns_no_record: 'The name has no records of the asked type (no A/AAAA records for a connection).',
  address_not_allowed: 'The target resolves to a private or reserved address, which is not allowed.',
  cert_expired: 'The TLS certificate has expired.',
  cert_not_yet_valid: 'The TLS certificate is not valid yet.',
  cert_not_trusted: 'The TLS certificate is not signed by a trusted authority (or is self-signed).',
  cert_hostname_mismatch: 'The TLS certificate does not cover this host name.',
  cert_invalid: 'The TLS certificate is invalid.',
  dns_unexpected_rcode: 'The DNS server answered with a response code other than the expected one (e.g. NXDOMAIN or SERVFAIL instead of NOERROR).',
  dns_unexpected_answer: 'The DNS answer did not contain, or was not exactly, the expected records.',
  condition_failed: 'A condition of the target did not hold; detail names the condition and the value it saw.',
  starttls_refused: 'The mail server did not offer or refused STARTTLS, so no TLS session could start.',
  cert_expiring_soon: 'A certificate of the TLS chain expires soon: within the warning threshold (degraded) or the critical one (down).',
  unexpected_status: 'The HTTP status code was not one of the expected codes.',
  rate_limited: 'The server is rate-limiting this probe (429).',
  service_unavailable: 'The server reports it is temporarily unavailable (503).',
  slow_response: 'The target answered, but slower than the degraded threshold.',
  body_match_failed: 'The response body did not contain the expected keyword or pattern.',
  body_over_cap: 'The response body was larger than the cap, so it could not be checked.',
  too_many_redirects: 'The redirect chain was longer than allowed (or looped).',
  invalid_redirect: 'The server redirected to a missing, malformed or unsupported location.',
  heartbeat_missed: 'No heartbeat (push) arrived within the expected period plus its grace: the job did not run, or did not report.',
  heartbeat_failed: 'The job reported a failure (a /fail push or a non-zero exit code).',
  heartbeat_run_overdue: 'The job reported that it started but did not report success or failure within the grace time.',
  fd_exhausted: 'The probe ran out of file descriptors (EMFILE/ENFILE): the probe is overloaded.',
  internal: 'The probe failed internally while running the check.',
  other: 'An unclassified failure.',
} as const satisfies Record<ErrorKind, string>;

export function errorFamilyOf(kind: ErrorKind): ErrorFamily {
  return ERROR_FAMILY[kind];
}

export function isErrorKind(value: string): value is ErrorKind {
  return Object.hasOwn(ERROR_FAMILY, value);
}
