import type { CheckSpec } from '../domain/check-spec.js';
import type { TargetView } from '../daemon/daemon-handle.js';

export const REDACTED = '[redacted]';

/** Header names whose values are credentials (compared lowercased). */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token', 'x-access-token', 'api-key']);

/**
 * A copy of the spec with every credential replaced by "[redacted]". The daemon already
 * hands out redacted views; the API redacts again so a bug there cannot leak a secret
 * through a response. Idempotent.
 */
export function redactSpec(spec: CheckSpec): CheckSpec {
  if (spec.kind !== 'http') return spec;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.headers)) {
    headers[name] = SECRET_HEADERS.has(name.toLowerCase()) || /token|secret|password|api[-_]?key/i.test(name) ? REDACTED : value;
  }
  const auth =
    spec.auth === null
      ? null
      : spec.auth.type === 'basic'
        ? { type: 'basic' as const, username: spec.auth.username, password: REDACTED }
        : { type: 'bearer' as const, token: REDACTED };
  return { ...spec, url: stripUserinfo(spec.url), headers, auth };
}

function stripUserinfo(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return url;
  }
}

/** The JSON form of a target in API responses. */
export function targetJson(view: TargetView): Record<string, unknown> {
  return {
    id: view.id,
    name: view.name,
    source: view.source,
    kind: view.spec.kind,
    spec: redactSpec(view.spec),
    intervalMs: view.intervalMs,
    tags: view.tags,
    enabled: view.enabled,
    confirmations: view.confirmations,
    allowPrivateTargets: view.allowPrivateTargets,
    phaseMs: view.phaseMs,
  };
}
