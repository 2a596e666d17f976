import type { HttpAuth } from '../../domain/check-spec.js';
import { UsageError } from '../usage-error.js';

/**
 * Strict parsers for `vigil check` flag values. Each throws a UsageError naming the flag and
 * the accepted form. Values that may hold secrets (headers, auth) are never echoed back.
 */

/** An integer written as plain digits, within [min, max]. `1e3`, `1.5`, `-1`, ` 5` are refused. */
export function parseIntegerFlag(flag: string, text: string, min: number, max: number, unit = ''): number {
  const value = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const suffix = unit === '' ? '' : ` (${unit})`;
    throw new UsageError(`${flag}: expected an integer from ${min} to ${max}${suffix}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Collects repeated `--header 'Name: value'` flags; a repeated name is joined with ", ". */
export function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trim().toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) {
      throw new UsageError(`--header: expected "Name: value" with a token header name`);
    }
    const value = line.slice(colon + 1).trim();
    if (/[\r\n\0]/.test(value)) throw new UsageError(`--header: expected a value without CR, LF or NUL (header ${name})`);
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return headers;
}

/** `--basic-auth user:password` (the password may contain colons) or `--bearer token`. */
export function parseAuth(basic: string | undefined, bearer: string | undefined): HttpAuth | null {
  if (basic !== undefined && bearer !== undefined) {
    throw new UsageError('--basic-auth and --bearer: expected at most one of them');
  }
  if (basic !== undefined) {
    const colon = basic.indexOf(':');
    if (colon <= 0) throw new UsageError('--basic-auth: expected user:password with a non-empty user');
    return { type: 'basic', username: basic.slice(0, colon), password: basic.slice(colon + 1) };
  }
  if (bearer !== undefined) {
    if (bearer === '' || /[\s\0]/.test(bearer)) throw new UsageError('--bearer: expected a non-empty token without whitespace');
    return { type: 'bearer', token: bearer };
  }
  return null;
}

/** `host:port`, `1.2.3.4:443` or `[::1]:443`. */
export function parseHostPort(text: string): { host: string; port: number } {
  const form = 'expected host:port, with an IPv6 address in brackets such as [::1]:443';
  const m = /^(\[[0-9a-fA-F:.%\w]+\]|[^\s:/[\]]+):([0-9]+)$/.exec(text);
  if (!m || m[1] === undefined || m[2] === undefined) throw new UsageError(`--tcp: ${form}, got ${JSON.stringify(text)}`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`--tcp: expected a port from 1 to 65535, got ${JSON.stringify(text)}`);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}
