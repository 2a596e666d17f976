import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiToken, TokenScope } from '../config/api-settings.js';
import { ApiError } from './api-error.js';

/** The token a request was authorized with; null when the API is open (no token configured). */
export type Caller = { readonly name: string; readonly scope: TokenScope } | null;

/**
 * Checks `Authorization: Bearer <token>` against every configured token in constant time:
 * each side is hashed first (no early exit on a length mismatch) and every token is compared
 * (no early exit on the first match), so timing says nothing about which token, if any, is
 * close. No tokens means the API is open (loopback only; the daemon refuses to listen beyond
 * loopback without one). A read token may only GET.
 */
export function createTokenAuth(tokens: readonly ApiToken[]): (authorization: string | undefined, method: string) => Caller {
  if (tokens.length === 0) return () => null;
  const expected = tokens.map((t) => ({ name: t.name, scope: t.scope, digest: digest(t.secret) }));
  return (authorization, method) => {
    const match = authorization === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    if (match === null || match[1] === undefined) {
      throw new ApiError(401, 'unauthorized', 'missing bearer token: send "Authorization: Bearer <token>"', undefined, {
        'www-authenticate': 'Bearer realm="vigil"',
      });
    }
    const presented = digest(match[1]);
    let found: (typeof expected)[number] | null = null;
    for (const candidate of expected) {
      if (timingSafeEqual(presented, candidate.digest) && found === null) found = candidate;
    }
    if (found === null) {
      throw new ApiError(401, 'unauthorized', 'invalid bearer token', undefined, {
        'www-authenticate': 'Bearer realm="vigil", error="invalid_token"',
      });
    }
    if (found.scope === 'read' && method !== 'GET') {
      throw new ApiError(403, 'forbidden', `token ${JSON.stringify(found.name)} is read-only; ${method} needs an admin token`, undefined, {
        'www-authenticate': 'Bearer realm="vigil", error="insufficient_scope"',
      });
    }
    return { name: found.name, scope: found.scope };
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
