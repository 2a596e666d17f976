/**
 * What every check definition shares: the error a user mistake becomes, and the validation
 * of the fields more than one kind has (budgets, thresholds). One home, so each kind's
 * `define*` speaks the same language about the same field.
 */

const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** A user mistake in a check definition: names the field and the accepted form. */
export class SpecError extends Error {
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly got?: unknown,
  ) {
    super(`${field}: expected ${expected}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`);
    this.name = 'SpecError';
  }
}

export function positiveInt(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SpecError(field, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

export function optionalMs(field: string, value: number | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  return positiveInt(field, value, 1, 3_600_000);
}

export function budgets(input: { timeoutMs?: number; connectTimeoutMs?: number }): { timeoutMs: number; connectTimeoutMs: number } {
  const timeoutMs = positiveInt('timeoutMs', input.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1, 3_600_000);
  const connectTimeoutMs = positiveInt('connectTimeoutMs', input.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, 1, 3_600_000);
  return { timeoutMs, connectTimeoutMs };
}

/** A host name or IP literal (IPv6 brackets removed). */
export function hostField(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > 253 || /[\s/]/.test(value)) {
    throw new SpecError(field, 'a host name or IP address', value);
  }
  return value.replace(/^\[(.*)\]$/, '$1');
}

/** `host:port`, with brackets around an IPv6 literal. */
/** A host as it stands in a URL or a Host header: an IPv6 address in brackets (once). */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function hostPort(host: string, port: number): string {
  return `${urlHost(host)}:${port}`;
}

// ---------------------------------------------------------------- certificate expiry

const DEFAULT_CERT_EXPIRY_WARN_DAYS = 14;
const DEFAULT_CERT_EXPIRY_CRITICAL_DAYS = 3;
/** 100 years: a threshold beyond any certificate's life is a mistake, not a setting. */
export const MAX_CERT_EXPIRY_DAYS = 36_500;

/**
 * When the earliest expiry in the presented certificate chain is this close, the result is
 * `degraded` (warn) or `down` (critical) with kind `cert_expiring_soon`. 0 turns a level off.
 */
export interface CertExpiryThresholds {
  readonly certExpiryWarnDays: number;
  readonly certExpiryCriticalDays: number;
}

export function certExpiryThresholds(input: { certExpiryWarnDays?: number; certExpiryCriticalDays?: number }): CertExpiryThresholds {
  const warn = positiveInt('certExpiryWarnDays', input.certExpiryWarnDays ?? DEFAULT_CERT_EXPIRY_WARN_DAYS, 0, MAX_CERT_EXPIRY_DAYS);
  const critical = positiveInt('certExpiryCriticalDays', input.certExpiryCriticalDays ?? DEFAULT_CERT_EXPIRY_CRITICAL_DAYS, 0, MAX_CERT_EXPIRY_DAYS);
  if (warn !== 0 && critical > warn) {
    throw new SpecError('certExpiryCriticalDays', `at most certExpiryWarnDays (${warn}); the critical level is the nearer one`, critical);
  }
  return { certExpiryWarnDays: warn, certExpiryCriticalDays: critical };
}
