import { CheckFailure } from '../errors/check-failure.js';

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** Headers that carry credentials: never sent to another origin. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-auth-token', 'api-key']);

export interface HopState {
  readonly url: URL;
  readonly method: string;
  readonly body: Buffer | null;
  /** credentials (spec auth and credential headers) are sent only to the original origin */
  readonly sendCredentials: boolean;
}

export function isRedirect(code: number): boolean {
  return REDIRECT_CODES.has(code);
}

export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADERS.has(name);
}

/**
 * The next hop of a redirect (RFC 9110 §15.4): 301/302/303 become a body-less GET (HEAD
 * stays HEAD), 307/308 keep method and body; leaving the original origin drops credentials
 * for good, even if a later hop comes back.
 */
export function nextHop(current: HopState, code: number, location: string | undefined, originalOrigin: string): HopState {
  if (location === undefined || location.trim() === '') {
    throw new CheckFailure('invalid_redirect', 'receive', `${code} without a Location header`);
  }
  let url: URL;
  try {
    url = new URL(location.trim(), current.url);
  } catch {
    throw new CheckFailure('invalid_redirect', 'receive', `${code} to an invalid Location ${JSON.stringify(location)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CheckFailure('invalid_redirect', 'receive', `${code} to unsupported scheme ${url.protocol}`);
  }
  url.hash = '';
  const keepsMethod = code === 307 || code === 308;
  const method = keepsMethod || current.method === 'HEAD' ? current.method : 'GET';
  return {
    url,
    method,
    body: keepsMethod ? current.body : null,
    sendCredentials: current.sendCredentials && url.origin === originalOrigin,
  };
}
