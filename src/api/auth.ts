import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from './api-error.js';

/**
 * Checks `Authorization: Bearer <token>` in constant time. Both sides are hashed first so
 * the comparison never leaks the token's length through an early length mismatch.
 * A `null` token means the API is open (loopback only; the daemon refuses to listen beyond
 * loopback without one).
 */
export function createBearerAuth(token: string | null): (authorization: string | undefined) => void {
  if (token === null) return () => undefined;
  const expected = digest(token);
  return (authorization) => {
    const match = authorization === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    if (match === null || match[1] === undefined) {
      throw new ApiError(401, 'unauthorized', 'missing bearer token: send "Authorization: Bearer <token>"', undefined, {
        'www-authenticate': 'Bearer realm="vigil"',
      });
    }
    if (!timingSafeEqual(digest(match[1]), expected)) {
      throw new ApiError(401, 'unauthorized', 'invalid bearer token', undefined, {
        'www-authenticate': 'Bearer realm="vigil", error="invalid_token"',
      });
    }
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
