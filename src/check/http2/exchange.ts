import {
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type IncomingHttpStatusHeader,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { NO_RESPONSE_HEADERS, type HopRequest, type HopResponse, type ResponseHeaders } from '../http/exchange-types.js';
import type { CheckContext } from '../net/connection-types.js';
import type { CheckFailure } from '../errors/check-failure.js';
import { requestNotSent, streamFailure, watchSession } from './h2-failure.js';

/** Connection-specific headers are forbidden in HTTP/2 (RFC 9113 §8.2.2); host becomes :authority. */
const CONNECTION_HEADERS: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te']);

export function toH2Headers(request: HopRequest): OutgoingHttpHeaders {
  const url = request.url;
  const out: OutgoingHttpHeaders = {
    ':method': request.method,
    ':scheme': url.protocol === 'https:' ? 'https' : 'http',
    ':authority': url.host,
    ':path': url.pathname + url.search,
  };
  for (const [name, value] of request.headers) {
    if (name === 'host') out[':authority'] = value;
    else if (CONNECTION_HEADERS.has(name)) {
      if (name === 'te' && value.trim().toLowerCase() === 'trailers') out.te = 'trailers';
    } else {
      const prev = out[name];
      out[name] = prev === undefined ? value : `${String(prev)}${name === 'cookie' ? '; ' : ', '}${value}`;
    }
  }
  return out;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value);
}

/** The headers a check reads (Node hands HTTP/2 names over lower-cased already). */
function pickHeaders(headers: IncomingHttpHeaders): ResponseHeaders {
  const contentEncoding = headers['content-encoding'];
  const location = headers['location'];
  const retryAfter = headers['retry-after'];
  if (contentEncoding === undefined && location === undefined && retryAfter === undefined) return NO_RESPONSE_HEADERS;
  return { contentEncoding: headerValue(contentEncoding), location: headerValue(location), retryAfter: headerValue(retryAfter) };
}


// Listeners are shared functions, not per-stream closures: the pooled load-test path runs
// tens of thousands of streams, and each stream's state is reached through one symbol-keyed
// property instead (EventEmitter calls listeners with `this` = the stream). The property is
// cleared when the exchange settles: Node keeps a closed stream's wrapper alive until the next
// full GC (the native handle is weak), and the exchange would keep the whole check with it.
const kExchange = Symbol('vigil.h2.exchange');
type TaggedStream = ClientHttp2Stream & { [kExchange]: StreamExchange | undefined };

function onStreamResponse(this: TaggedStream, headers: IncomingHttpHeaders & IncomingHttpStatusHeader): void {
  this[kExchange]?.onResponse(headers);
}
function onStreamData(this: TaggedStream, chunk: Buffer): void {
  this[kExchange]?.onData(chunk);
}
function onStreamError(this: TaggedStream, err: unknown): void {
  const exchange = this[kExchange];
  if (exchange !== undefined) exchange.error = err;
}
function onStreamClose(this: TaggedStream): void {
  this[kExchange]?.onClose();
}
function onStreamReady(this: TaggedStream): void {
  this[kExchange]?.onWritten();
}

/**
 * One request as one stream. The decision point is the stream's 'close': Node emits 'end'
 * even when the connection dies mid-body, so only a close with RST code NO_ERROR after the
 * response headers is a complete response (its time is the body end: 'close' follows the
 * final DATA frame in the same tick).
 */
class StreamExchange {
  private stream: TaggedStream | null = null;
  private settled = false;
  private isWritten = false;
  private statusCode = 0;
  private headers: ResponseHeaders = NO_RESPONSE_HEADERS;
  private readonly chunks: Buffer[] = [];
  private bodyBytes = 0;
  error: unknown = undefined;

  constructor(
    private readonly session: ClientHttp2Session,
    private readonly request: HopRequest,
    private readonly ctx: CheckContext,
    private readonly done: Http2ExchangeDone,
  ) {}

  start(): void {
    const { ctx, request } = this;
    if (ctx.aborted !== null) return this.done(ctx.aborted, null);
    watchSession(this.session);
    ctx.phase = 'send';
    const body = request.body !== null && request.body.length > 0 ? request.body : null;
    let stream: TaggedStream;
    try {
      stream = this.session.request(request.h2Headers ?? toH2Headers(request), { endStream: body === null }) as TaggedStream;
    } catch (err) {
      return this.done(requestNotSent(err, 'send'), null);
    }
    stream[kExchange] = this;
    this.stream = stream;
    ctx.onAbort((failure) => this.onAbort(failure));
    stream.on('response', onStreamResponse);
    stream.on('error', onStreamError);
    stream.on('close', onStreamClose);
    // Flowing from the start: a DATA frame that arrives with the HEADERS is delivered in the
    // same read, not buffered until a listener added on 'response' resumes the stream a tick
    // later (DATA never precedes the final response's HEADERS).
    if (request.expectBody) stream.on('data', onStreamData);
    // 'requestWritten' = the request was handed to nghttp2 complete. Without a body that is
    // the moment the stream gets its id: request() submits HEADERS+END_STREAM synchronously
    // when the session is connected (`pending` false; nghttp2 flushes it to the socket in
    // the same loop turn), else on 'ready' once the connection is up. With a body it is the
    // write callback of the final DATA frame, so upload time is not counted as TTFB.
    if (body !== null) stream.end(body, () => this.onWritten());
    else if (!stream.pending) this.onWritten();
    else stream.once('ready', onStreamReady);
  }

  onWritten(): void {
    if (this.settled || this.isWritten || this.statusCode !== 0) return;
    this.isWritten = true;
    this.ctx.timer.mark('requestWritten');
    this.ctx.phase = 'ttfb';
  }

  onResponse(headers: IncomingHttpHeaders & IncomingHttpStatusHeader): void {
    if (this.settled) return;
    const atMs = performance.now();
    // A server may answer before the upload finished (early 413/401): TTFB is then 0, not
    // "from an earlier hop's mark".
    if (!this.isWritten) {
      this.isWritten = true;
      this.ctx.timer.mark('requestWritten', atMs);
    }
    this.ctx.timer.mark('headers', atMs);
    this.ctx.phase = 'receive';
    this.statusCode = headers[':status'] ?? 0;
    this.headers = pickHeaders(headers);
    const stream = this.stream as TaggedStream;
    if (this.request.expectBody) return;
    // HEAD (or no body wanted): read nothing, receive phase stays null.
    this.succeed(false, false);
    if (stream.endAfterHeaders) stream.resume();
    else stream.close(constants.NGHTTP2_CANCEL);
  }

  onData(chunk: Buffer): void {
    if (this.settled) return;
    const roomBytes = this.request.limits.maxBodyBytes - this.bodyBytes;
    if (chunk.length <= roomBytes) {
      this.chunks.push(chunk);
      this.bodyBytes += chunk.length;
      return;
    }
    // Over the raw cap: keep exactly the cap, stop reading and cancel the stream whether or
    // not a body assertion needs it; the orchestrator turns `bodyTruncated` into a verdict.
    if (roomBytes > 0) this.chunks.push(chunk.subarray(0, roomBytes));
    this.bodyBytes += roomBytes;
    this.ctx.timer.mark('bodyEnd');
    this.succeed(true, true);
    (this.stream as TaggedStream).close(constants.NGHTTP2_CANCEL);
  }

  onClose(): void {
    if (this.settled) return;
    const stream = this.stream as TaggedStream;
    if (stream.rstCode === constants.NGHTTP2_NO_ERROR && this.statusCode !== 0) {
      this.ctx.timer.mark('bodyEnd');
      return this.succeed(true, false);
    }
    this.fail(streamFailure(this.error, stream, this.session, this.statusCode !== 0, this.ctx.phase));
  }

  private onAbort(failure: CheckFailure): void {
    if (this.settled) return;
    this.settle();
    this.stream?.close(constants.NGHTTP2_CANCEL);
    this.done(failure, null);
  }

  /** Settled: later stream events are ignored, and the stream no longer reaches this check. */
  private settle(): void {
    this.settled = true;
    if (this.stream !== null) this.stream[kExchange] = undefined;
  }

  private succeed(hasBody: boolean, isTruncated: boolean): void {
    this.settle();
    this.ctx.onAbort(null);
    this.done(null, {
      httpVersion: '2',
      statusCode: this.statusCode,
      headers: this.headers,
      bodyChunks: hasBody ? this.chunks : [],
      rawBodyBytes: this.bodyBytes,
      bodyTruncated: isTruncated,
    });
  }

  private fail(failure: CheckFailure): void {
    this.settle();
    this.ctx.onAbort(null);
    this.done(failure, null);
  }
}

/** Called exactly once: with the failure, or with null and the raw response. */
export type Http2ExchangeDone = (failure: CheckFailure | null, response: HopResponse | null) => void;

/**
 * Runs one request as one stream on `session` and calls `done` once with the raw response or
 * a CheckFailure (an `H2Failure` with `unsent` when the server provably never saw the
 * request). Marks 'requestWritten', 'headers' and 'bodyEnd' on ctx.timer and moves ctx.phase
 * send → ttfb → receive; ctx.abort() cancels the stream (RST_STREAM CANCEL). Callback-style
 * so the pooled check runs from the socket to its result on one promise.
 */
export function startHttp2Exchange(session: ClientHttp2Session, request: HopRequest, ctx: CheckContext, done: Http2ExchangeDone): void {
  new StreamExchange(session, request, ctx, done).start();
}

/** `startHttp2Exchange` as a promise: resolves with the raw response, rejects with the CheckFailure. */
export function exchangeHttp2(session: ClientHttp2Session, request: HopRequest, ctx: CheckContext): Promise<HopResponse> {
  return new Promise<HopResponse>((resolve, reject) => {
    startHttp2Exchange(session, request, ctx, (failure, response) => (failure === null ? resolve(response as HopResponse) : reject(failure)));
  });
}
