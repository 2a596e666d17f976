import type { CheckSpec } from '../domain/check-spec.js';
import { urlHost } from '../domain/spec-fields.js';

/**
 * A host lowercased, without a trailing dot and without IPv6 brackets, so `http://[::1]:80/`
 * and a tcp check of `::1` name one host (probe health files results by it).
 */
export function canonicalHost(host: string): string {
  let start = 0;
  let end = host.length;
  if (host.charCodeAt(0) === 91 /* [ */ && host.charCodeAt(end - 1) === 93 /* ] */) {
    start = 1;
    end -= 1;
  }
  if (end > start && host.charCodeAt(end - 1) === 46 /* . */) end -= 1;
  const bare = start === 0 && end === host.length ? host : host.slice(start, end);
  return bare.toLowerCase();
}

/**
 * The host of a spec. For http it is read straight out of `spec.url`, which `defineCheck`
 * produced with `URL#href` (scheme://[userinfo@]host[:port]/…), without building a URL
 * object on this per-check path.
 */
export function hostOfSpec(spec: CheckSpec): string {
  // A DNS check's host is the server it asks (the system's resolver has no name of its own).
  if (spec.kind === 'dns') return spec.server === null ? 'system-resolver' : canonicalHost(spec.server);
  // A pushed target has no host; its silence is never the probe's network trouble.
  if (spec.kind === 'heartbeat') return 'heartbeat';
  if (spec.kind !== 'http') return canonicalHost(spec.host);
  const url = spec.url;
  const schemeEnd = url.indexOf('://');
  let start = schemeEnd < 0 ? 0 : schemeEnd + 3;
  let end = start;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    end++;
  }
  const at = url.lastIndexOf('@', end - 1);
  if (at >= start) start = at + 1;
  // A port follows the last ':' unless that ':' is inside an IPv6 literal's brackets.
  const colon = url.lastIndexOf(':', end - 1);
  const bracket = url.lastIndexOf(']', end - 1);
  if (colon >= start && colon > bracket) end = colon;
  return canonicalHost(url.slice(start, end));
}

const DEFAULT_PORT: Readonly<Record<string, number>> = { http: 80, https: 443 };

/**
 * The key a circuit breaker files a check under: what fails together, i.e. scheme, canonical
 * host and port (`https://api.example.com:443`, `tcp://127.0.0.1:5432`). A dead port must not
 * refuse the checks of a live one on the same host, and a TLS listener can be down while the
 * plain one answers.
 */
export function circuitKeyOf(spec: CheckSpec): string {
  const host = hostOfSpec(spec);
  const bracketed = urlHost(host);
  if (spec.kind === 'heartbeat') return 'heartbeat://';
  if (spec.kind !== 'http') return `${spec.kind}://${bracketed}:${spec.port}`;
  const url = spec.url;
  const schemeEnd = url.indexOf('://');
  const scheme = url.slice(0, schemeEnd).toLowerCase();
  let end = schemeEnd + 3;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    end++;
  }
  const colon = url.lastIndexOf(':', end - 1);
  const bracket = url.lastIndexOf(']', end - 1);
  const at = url.lastIndexOf('@', end - 1);
  const explicit = colon > schemeEnd && colon > bracket && colon > at ? url.slice(colon + 1, end) : '';
  return `${scheme}://${bracketed}:${explicit === '' ? (DEFAULT_PORT[scheme] ?? 0) : explicit}`;
}
