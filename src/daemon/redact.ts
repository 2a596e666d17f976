/**
 * Removes credentials from a spec before it leaves the daemon (API, status page, logs).
 * Basic-auth passwords, bearer tokens and credential-bearing headers become "[redacted]";
 * the URL never holds credentials (defineCheck moves them into `auth`).
 */
import type { CheckSpec } from '../domain/check-spec.js';

export const REDACTED = '[redacted]';
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|api-?key|password|session|auth/i;

export function redactSpec(spec: CheckSpec): CheckSpec {
  if (spec.kind !== 'http') return spec;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.headers)) headers[name] = SECRET_HEADER.test(name) ? REDACTED : value;
  const auth =
    spec.auth === null
      ? null
      : spec.auth.type === 'basic'
        ? Object.freeze({ type: 'basic' as const, username: spec.auth.username, password: REDACTED })
        : Object.freeze({ type: 'bearer' as const, token: REDACTED });
  return Object.freeze({ ...spec, headers: Object.freeze(headers), auth });
}
