/**
 * What a browser can make the daemon do. The API listens on loopback without a token by
 * default, so two browser attacks matter (docs/api.md, "Security"):
 *
 * - **DNS rebinding**: a page on evil.example whose name is re-pointed at 127.0.0.1 talks to
 *   the daemon as a same-origin page and can read every answer. Its requests carry
 *   `Host: evil.example:8080`, so only the names the daemon listens as are served.
 * - **CSRF**: any page can send a POST without a preflight when the body is a "simple"
 *   type (text/plain, form data, a Blob without a type). Bodies must be
 *   `application/json` (http-io.ts), and a state-changing request that a browser marks as
 *   coming from another origin (`Origin`, `Sec-Fetch-Site`) is refused before it is read.
 *
 * No CORS header is ever sent, so no other origin may read an answer either. Heartbeat push
 * URLs (`/push/{token}`) are exempt from the cross-origin rule: the token is their credential.
 */
import { parseHostRule, type HostRule } from '../config/api-settings.js';
import { urlHost } from '../domain/spec-fields.js';
import { ApiError } from './api-error.js';
import { PUSH_PREFIX } from './routes/push-routes.js';

/** Methods that change state; every other method is read-only on this server. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Health probes carry nothing worth stealing and are often called by IP (load balancers). */
const ANY_HOST_PATHS = new Set(['/healthz', '/readyz']);


/**
 * The Host names served by default: the bind address (for a wildcard bind, every local
 * interface address), localhost, 127.0.0.1 and [::1], each with the listen port.
 */
export function defaultHostRules(bindHost: string, port: number, interfaceAddresses: readonly string[]): HostRule[] {
  const wildcard = bindHost === '0.0.0.0' || bindHost === '::' || bindHost === '[::]';
  const names = ['localhost', '127.0.0.1', '[::1]', ...(wildcard ? interfaceAddresses : [bindHost])];
  return [...new Set(names.map((n) => urlHost(n).toLowerCase()))].map((name) => ({ name, port }));
}

function formatRule(rule: HostRule): string {
  return rule.port === null ? rule.name : `${rule.name}:${rule.port}`;
}

export interface RequestGuard {
  /** Throws 421 for a Host the daemon does not answer as, 403 for a cross-site write. */
  check(method: string, path: string, headers: Readonly<Record<string, string | string[] | undefined>>): void;
}

export function createRequestGuard(rules: readonly HostRule[]): RequestGuard {
  const allowed = rules.map(formatRule).join(', ');
  const isAllowed = (host: string | undefined): boolean => {
    if (host === undefined) return false;
    const rule = parseHostRule(host);
    if (rule === null) return false;
    return rules.some((r) => r.name === rule.name && (r.port === null || r.port === rule.port));
  };
  return {
    check(method, path, headers) {
      const host = single(headers.host);
      if (!ANY_HOST_PATHS.has(path) && !isAllowed(host)) {
        throw new ApiError(
          421,
          'misdirected_host',
          `this daemon does not answer as Host ${JSON.stringify(host ?? '')} (a DNS-rebinding defence); it answers as ${allowed}. Add names with --allowed-hosts`,
        );
      }
      // Push URLs carry their own credential (the token in the path): a cross-site page that
      // knows none can do nothing with them, so a browser's Origin does not matter there.
      if (!STATE_CHANGING.has(method) || path.startsWith(PUSH_PREFIX)) return;
      const fetchSite = single(headers['sec-fetch-site']);
      if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
        throw crossOrigin(`Sec-Fetch-Site: ${fetchSite}`);
      }
      const origin = single(headers.origin);
      if (origin !== undefined && !isSameOrigin(origin, host)) throw crossOrigin(`Origin: ${origin}`);
    },
  };
}

/** Same origin as the page the daemon itself served: http://<the request's own Host>. */
function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined || origin === 'null') return false;
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && url.host.toLowerCase() === new URL(`http://${host}`).host.toLowerCase();
  } catch {
    return false;
  }
}

function crossOrigin(what: string): ApiError {
  return new ApiError(403, 'cross_origin', `state-changing requests from another origin are refused (${what}); call the API from a script or server, not a web page`);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
