import { HpackEncoder } from '../../http2/hpack/index.js';
import type { HopRequest } from '../../exchange-types.js';

/** Connection-specific headers are forbidden in HTTP/2 (RFC 9113 §8.2.2); host becomes :authority. */
const CONNECTION_HEADERS: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te']);

type RequestFields = Pick<HopRequest, 'method' | 'url' | 'headers'>;

/**
 * The request's header fields in HTTP/2 form: the four pseudo-headers first (`host` becomes
 * `:authority`), then the regular fields lower-cased as given, connection-specific ones
 * dropped (`te` only as `trailers`). Repeated names stay separate fields (cookie crumbs
 * included, RFC 9113 §8.2.3).
 */
function toH2Fields(request: RequestFields): Array<readonly [string, string]> {
  const url = request.url;
  let authority = url.host;
  const regular: Array<readonly [string, string]> = [];
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    if (lower === 'host') authority = value;
    else if (CONNECTION_HEADERS.has(lower)) {
      if (lower === 'te' && value.trim().toLowerCase() === 'trailers') regular.push(['te', 'trailers']);
    } else regular.push([lower, value]);
  }
  return [
    [':method', request.method],
    [':scheme', url.protocol === 'https:' ? 'https' : 'http'],
    [':authority', authority],
    [':path', url.pathname + url.search],
    ...regular,
  ];
}

/**
 * The request's HPACK header block. The encoder is stateless (static table and literals
 * without indexing), so a block encoded once is valid on every connection: hop plans keep
 * it (`HopRequest.h2Block`) and a check with a plan encodes nothing.
 */
export function encodeRequestBlock(request: RequestFields): Buffer {
  return new HpackEncoder().encode(toH2Fields(request));
}
