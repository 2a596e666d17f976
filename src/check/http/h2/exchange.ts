import { NO_RESPONSE_HEADERS, type HopRequest, type HopResponse, type ResponseHeaders } from '../../exchange-types.js';
import type { CheckContext } from '../../context/check-context.js';
import { isOverdue } from '../../context/deadline-clock.js';
import type { CheckFailure } from '../../errors/check-failure.js';
import type { H2Session } from '../../http2/session.js';
import type { H2Stream, StreamEnd, StreamListener } from '../../http2/stream.js';
import { requestNotSent, streamFailure } from './h2-failure.js';
import { encodeRequestBlock } from './request-block.js';

/**
 * Told exactly once: the failure, or null and the raw response. An object with a method, not
 * a callback, so the pool's per-check exchange passes itself and no closure lives per stream.
 */
export interface Http2ExchangeDone {
  exchanged(failure: CheckFailure | null, response: HopResponse | null): void;
}

function joined(prev: string | undefined, value: string): string {
  return prev === undefined ? value : `${prev}, ${value}`;
}

/**
 * One request as one stream: the engine's listener for it (the engine calls these methods
 * with the stream, so the exchange is the only object a check adds). Marks
 * 'requestWritten' when the request was handed to the socket, 'headers' when the final
 * response's header section is decoded, 'bodyEnd' at END_STREAM; moves ctx.phase
 * send → ttfb → receive.
 */
class StreamExchange implements StreamListener {
  private stream: H2Stream | null = null;
  private isSettled = false;
  private isWritten = false;
  private statusCode = 0;
  private contentEncoding: string | undefined = undefined;
  private location: string | undefined = undefined;
  private retryAfter: string | undefined = undefined;
  /** the fields the conditions read ([HEADER].name), [name, value, …]; null when they read none */
  private kept: string[] | null = null;
  /** the body's chunks, made at the first DATA (a HEAD or a bodiless answer needs none) */
  private chunks: Buffer[] | null = null;
  private bodyBytes = 0;

  constructor(
    private readonly session: H2Session,
    private readonly request: HopRequest,
    private readonly ctx: CheckContext,
    private readonly done: Http2ExchangeDone,
  ) {}

  start(flushNow: boolean): void {
    const { ctx, request, session } = this;
    if (ctx.aborted !== null) return this.done.exchanged(ctx.aborted, null);
    ctx.phase = 'send';
    // Encoded once per plan (HopRequest.h2Block): ~15 µs a check otherwise.
    const block = (request.h2Block ??= encodeRequestBlock(request));
    const stream = session.request(block, request.body, !request.expectBody, this);
    if (stream === null) return this.done.exchanged(requestNotSent(session, 'send'), null);
    this.stream = stream;
    ctx.onAbort(this);
    if (flushNow) session.flush();
  }

  onWritten(_stream: H2Stream, atMs: number): void {
    if (this.isSettled || this.isWritten) return;
    this.isWritten = true;
    this.ctx.timer.mark('requestWritten', atMs);
    this.ctx.phase = 'ttfb';
  }

  onField(_stream: H2Stream, name: string, value: string): void {
    // The three a check reads (checked by length first: most names are skipped), and the ones
    // the target's conditions read (a set built once per plan; null for almost every target).
    const length = name.length;
    if (length === 16 && name === 'content-encoding') this.contentEncoding = joined(this.contentEncoding, value);
    else if (length === 8 && name === 'location') this.location = joined(this.location, value);
    else if (length === 11 && name === 'retry-after') this.retryAfter = joined(this.retryAfter, value);
    const keep = this.request.keepHeaders;
    if (keep != null && keep.has(name)) (this.kept ??= []).push(name, value);
  }

  onResponse(stream: H2Stream, status: number, endStream: boolean): void {
    const atMs = performance.now();
    // Decoded after the budget ran out, while the clock's expiries were still catching up
    // (a burst of them goes in slices): too late, so a timeout, as it would have been.
    if (isOverdue(this.ctx, atMs)) return this.ctx.expire();
    // A server may answer before the upload finished (early 413/401): TTFB is then 0.
    if (!this.isWritten) {
      this.isWritten = true;
      this.ctx.timer.mark('requestWritten', atMs);
    }
    this.ctx.timer.mark('headers', atMs);
    this.ctx.phase = 'receive';
    this.statusCode = status;
    if (this.request.expectBody) return;
    // HEAD (or no body wanted): read nothing, the receive phase stays null.
    this.succeed(false, false);
    if (!endStream) this.session.cancel(stream);
  }

  onData(stream: H2Stream, chunk: Buffer): void {
    const roomBytes = this.request.limits.maxBodyBytes - this.bodyBytes;
    const chunks = (this.chunks ??= []);
    if (chunk.length <= roomBytes) {
      chunks.push(chunk);
      this.bodyBytes += chunk.length;
      return;
    }
    // Over the raw cap: keep exactly the cap and cancel the stream (RST_STREAM CANCEL)
    // whether or not a body assertion needs it; the orchestrator turns `bodyTruncated`
    // into a verdict.
    if (roomBytes > 0) chunks.push(chunk.subarray(0, roomBytes));
    this.bodyBytes += roomBytes;
    this.ctx.timer.mark('bodyEnd');
    this.session.cancel(stream);
    this.succeed(true, true);
  }

  onEnd(): void {
    if (this.isSettled) return;
    const atMs = performance.now();
    if (isOverdue(this.ctx, atMs)) return this.ctx.expire();
    this.ctx.timer.mark('bodyEnd', atMs);
    this.succeed(true, false);
  }

  onError(stream: H2Stream, end: StreamEnd): void {
    if (this.isSettled) return;
    this.fail(streamFailure(end, stream, this.session, this.statusCode !== 0, this.ctx.phase));
  }

  /** @internal (CheckContext: the budget ran out or the probe aborted the check) */
  checkAborted(failure: CheckFailure): void {
    if (this.isSettled) return;
    this.isSettled = true;
    if (this.stream !== null) this.session.cancel(this.stream);
    this.stream = null;
    this.done.exchanged(failure, null);
  }

  private succeed(hasBody: boolean, isTruncated: boolean): void {
    this.isSettled = true;
    this.stream = null;
    this.ctx.onAbort(null);
    const headers: ResponseHeaders =
      this.request.keepHeaders != null
        ? { contentEncoding: this.contentEncoding, location: this.location, retryAfter: this.retryAfter, raw: this.kept ?? [] }
        : this.contentEncoding === undefined && this.location === undefined && this.retryAfter === undefined
          ? NO_RESPONSE_HEADERS
          : { contentEncoding: this.contentEncoding, location: this.location, retryAfter: this.retryAfter };
    this.done.exchanged(null, {
      httpVersion: '2',
      statusCode: this.statusCode,
      headers,
      bodyChunks: hasBody && this.chunks !== null ? this.chunks : [],
      rawBodyBytes: this.bodyBytes,
      bodyTruncated: isTruncated,
    });
  }

  private fail(failure: CheckFailure): void {
    this.isSettled = true;
    this.stream = null;
    this.ctx.onAbort(null);
    this.done.exchanged(failure, null);
  }
}

/**
 * Runs one request as one stream on `session` and calls `done` once with the raw response or
 * a CheckFailure (an `H2Failure` with `unsent` when the server provably never saw the
 * request). ctx.abort() cancels the stream (RST_STREAM CANCEL); the session stays usable.
 * `flushNow`: write the request at once (a fresh connection) instead of with the others
 * started in this turn of the loop (the pool batches them into one write).
 */
export function startHttp2Exchange(session: H2Session, request: HopRequest, ctx: CheckContext, done: Http2ExchangeDone, flushNow = false): void {
  new StreamExchange(session, request, ctx, done).start(flushNow);
}

/** `startHttp2Exchange` as a promise: resolves with the raw response, rejects with the CheckFailure. */
export function exchangeHttp2(session: H2Session, request: HopRequest, ctx: CheckContext, flushNow = false): Promise<HopResponse> {
  return new Promise<HopResponse>((resolve, reject) => {
    const done: Http2ExchangeDone = { exchanged: (failure, response) => (failure === null ? resolve(response as HopResponse) : reject(failure)) };
    startHttp2Exchange(session, request, ctx, done, flushNow);
  });
}
