/**
 * What counts as a secret, and how it is hidden: the one rule for every output of Vigil —
 * logs, API answers, the status page, alerts, the CLI and the results it stores. Anything
 * that leaves the process goes through one of these functions; nothing else decides.
 *
 * Secrets are:
 * - basic-auth passwords and bearer tokens (`auth`), user-info in a URL (`user:pass@`);
 * - header values whose name says credential (authorization, cookie, x-api-key, *token*,
 *   *secret*, *session*, …);
 * - query or fragment parameters whose name says credential (`?token=`, `?api_key=`,
 *   `#access_token=`, `?sig=`, …);
 * - `Bearer …`/`Basic …` credentials and URLs inside free text (error details, log lines);
 * - any value that came from a `${env:…}`/`${file:…}` reference (`known`), wherever it shows;
 * - a heartbeat target's push token (never held: only its hash, which is not shown either).
 *
 * All functions are idempotent and never throw; they cost nothing when there is nothing to
 * hide (the common case is checked first, without parsing).
 */
import type { CheckResult } from './check-result.js';
import { isEmptyRecord, type CheckSpec } from './check-spec.js';

export const REDACTED = '[redacted]';

const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|passw|api-?key|session|auth|credential|signature/i;
const SECRET_PARAM = /token|secret|passw|pwd|api[-_]?key|^key$|^sig$|signature|session|auth|credential|^code$|^jwt$/i;
/** A URL inside free text; stops at whitespace and at quotes/brackets that usually end one. */
const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>()]+/gi;
const SCHEME_CREDENTIAL = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

function isSecretHeaderName(name: string): boolean {
  return SECRET_HEADER.test(name);
}

function isSecretParamName(name: string): boolean {
  return SECRET_PARAM.test(name);
}

/** `key=value&…` with every credential-named value replaced. */
function redactParams(text: string): string {
  return text
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: judge the raw name
      }
      return isSecretParamName(name) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
}

/**
 * A URL without user-info and with credential-named query and fragment parameters
 * redacted. Text that does not parse as a URL is returned with its query redacted anyway.
 */
export function redactUrl(url: string): string {
  if (!url.includes('@') && !url.includes('?') && !url.includes('#')) return url;
  let rest = url;
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    fragment = `#${redactParams(rest.slice(hash + 1))}`;
    rest = rest.slice(0, hash);
  }
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = `?${redactParams(rest.slice(q + 1))}`;
    rest = rest.slice(0, q);
  }
  // user-info: between "//" and the first "@" before the path
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/]*@)/i.exec(rest);
  if (m !== null) rest = `${m[1]}${rest.slice(m[0].length)}`;
  return `${rest}${query}${fragment}`;
}

/** Replaces each known secret value (longest first, so a value inside another is not half-hidden). */
function redactKnown(text: string, known: readonly string[]): string {
  if (known.length === 0) return text;
  let out = text;
  for (const secret of [...known].sort((a, b) => b.length - a.length)) {
    if (secret.length > 0 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Free text (an error detail, a log line): URLs redacted, `Bearer …` credentials hidden, known secrets removed. */
export function redactText(text: string, known: readonly string[] = []): string {
  let out = redactKnown(text, known);
  if (out.includes('://')) out = out.replace(URL_IN_TEXT, (u) => redactUrl(u));
  if (/bearer|basic/i.test(out)) out = out.replace(SCHEME_CREDENTIAL, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  return out;
}

/**
 * The spec with every credential replaced by "[redacted]": a copy when something is hidden,
 * the (frozen) spec itself when nothing is — no headers, no auth, a URL and body with nothing
 * to hide. The daemon keeps a view of every target (100,000 at fleet scale), so the common
 * case must not cost a second spec per target (docs/performance.md, "Bytes per target").
 */
export function redactSpec(spec: CheckSpec, known: readonly string[] = []): CheckSpec {
  if (spec.kind === 'heartbeat') return spec.tokenHash === null ? spec : Object.freeze({ ...spec, tokenHash: REDACTED });
  if (spec.kind !== 'http') return spec;
  if (spec.auth === null && isEmptyRecord(spec.headers) && redactKnown(redactUrl(spec.url), known) === spec.url && (spec.body === null || redactKnown(spec.body, known) === spec.body)) return spec;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.headers)) headers[name] = isSecretHeaderName(name) ? REDACTED : redactText(value, known);
  const auth =
    spec.auth === null
      ? null
      : spec.auth.type === 'basic'
        ? Object.freeze({ type: 'basic' as const, username: redactKnown(spec.auth.username, known), password: REDACTED })
        : Object.freeze({ type: 'bearer' as const, token: REDACTED });
  return Object.freeze({
    ...spec,
    url: redactKnown(redactUrl(spec.url), known),
    headers: Object.freeze(headers),
    body: spec.body === null ? null : redactKnown(spec.body, known),
    auth,
  });
}

/** A result safe to store, log, alert on or print: its target URL and detail redacted. */
export function redactResult(result: CheckResult, known: readonly string[] = []): CheckResult {
  const target = redactKnown(redactUrl(result.target), known);
  const detail = result.detail === null ? null : redactText(result.detail, known);
  if (target === result.target && detail === result.detail) return result;
  return { ...result, target, detail };
}
