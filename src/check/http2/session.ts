import type { Socket } from 'node:net';
import { Deadline } from '../context/deadline-clock.js';
import {
  CANCEL,
  COMPRESSION_ERROR,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_WINDOW_BYTES,
  ENHANCE_YOUR_CALM,
  FLAG_ACK,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FLAG_PADDED,
  FLAG_PRIORITY,
  FLOW_CONTROL_ERROR,
  FRAME_CONTINUATION,
  FRAME_DATA,
  FRAME_GOAWAY,
  FRAME_HEADER_BYTES,
  FRAME_HEADERS,
  FRAME_PING,
  FRAME_PRIORITY,
  FRAME_PUSH_PROMISE,
  FRAME_RST_STREAM,
  FRAME_SETTINGS,
  FRAME_SIZE_ERROR,
  FRAME_WINDOW_UPDATE,
  h2CodeName,
  MAX_ALLOWED_FRAME_BYTES,
  MAX_STREAM_ID,
  MAX_WINDOW_BYTES,
  NO_ERROR,
  PROTOCOL_ERROR,
  REFUSED_STREAM,
  SETTINGS_ENABLE_PUSH,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_FRAME_SIZE,
  SETTINGS_MAX_HEADER_LIST_SIZE,
  SETTINGS_TIMEOUT,
  STREAM_CLOSED,
} from './constants.js';
import {
  clientPreface,
  dataFrameHeader,
  goawayFrame,
  headersFrames,
  pingAckFrame,
  rstStreamFrame,
  SETTINGS_ACK_FRAME,
  windowUpdateFrame,
} from './frames.js';
import {
  CLOSE_GRACE_MS,
  CONNECTION_WINDOW_BYTES,
  MAX_CONTINUATION_FRAMES,
  MAX_FRAME_BYTES,
  MAX_GOAWAY_DEBUG_BYTES,
  MAX_IDLE_FRAMES_PER_SECOND,
  MAX_OUTBOUND_BUFFERED_BYTES,
  MAX_RECENTLY_RESET,
  SETTINGS_ACK_TIMEOUT_MS,
  STREAM_WINDOW_BYTES,
  type H2Limits,
} from './limits.js';
import { DEFAULT_MAX_HEADER_LIST_SIZE } from './hpack/index.js';
import { ReadTurn, type TurnReader } from './read-turn.js';
import { AWAITING_HEADERS, H2Stream, RECEIVING_BODY, type StreamEnd, type StreamEndCause, type StreamListener } from './stream.js';

/** The HPACK decoder the session feeds (src/check/http2/hpack's HpackDecoder fits). */
export interface HeaderBlockDecoder {
  /** decodes `block` from `start` to `end` */
  decode(block: Uint8Array, onField: (name: string, value: string) => void, start: number, end: number): void;
}

/** Where the session arms its SETTINGS-ACK deadline (the clients' DeadlineClock fits). */
export interface SessionClock {
  arm(entry: Deadline, durationMs: number): void;
  disarm(entry: Deadline): void;
}

/** What a session's owner (the pool) hears about; one object per session, no closures. */
export interface SessionObserver {
  /** the peer's SETTINGS were applied (the first ones, or a change): its stream limit may differ */
  onRemoteSettings(session: H2Session): void;
  /** the peer sent GOAWAY: no new streams on this session */
  onGoaway(session: H2Session): void;
  /** the connection is gone (every stream has been failed) */
  onClose(session: H2Session): void;
}

export interface H2SessionOptions {
  readonly limits: H2Limits;
  readonly clock: SessionClock;
  /** one decoder per session: HPACK's dynamic table is connection state */
  readonly decoder: HeaderBlockDecoder;
  /** how long the peer has to acknowledge our SETTINGS (default SETTINGS_ACK_TIMEOUT_MS) */
  readonly settingsAckTimeoutMs?: number;
  /** the frame budget per turn of the loop, shared with the other sessions of its clients (default: its own) */
  readonly readTurn?: ReadTurn;
}

export interface GoawayInfo {
  readonly code: number;
  readonly lastStreamId: number;
  /** the GOAWAY's debug data, printable ASCII, at most MAX_GOAWAY_DEBUG_BYTES */
  readonly debug: string;
}

const kSession = Symbol('vigil.h2.session');
type TaggedSocket = Socket & { [kSession]?: H2Session };

// Socket listeners are shared functions (EventEmitter calls them with `this` = the socket).
function onSocketData(this: TaggedSocket, chunk: Buffer): void {
  this[kSession]?.receive(chunk);
}
function onSocketError(this: TaggedSocket, err: Error): void {
  this[kSession]?.socketFailed(err);
}
function onSocketClose(this: TaggedSocket): void {
  this[kSession]?.socketClosed();
}
function destroySelf(this: Socket): void {
  this.destroy();
}
function flushOnTick(session: H2Session): void {
  session.flush();
}
const EMPTY = Buffer.alloc(0);
const NO_STREAMS: readonly H2Stream[] = Object.freeze([]);

/** Our connection preface: the magic, our SETTINGS and the connection window's update. */
function prefaceFor(maxHeaderListBytes: number): Buffer {
  return clientPreface(
    [
      [SETTINGS_ENABLE_PUSH, 0],
      [SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW_BYTES],
      [SETTINGS_MAX_HEADER_LIST_SIZE, maxHeaderListBytes],
    ],
    CONNECTION_WINDOW_BYTES - DEFAULT_WINDOW_BYTES,
  );
}
/** The preface for the engine's default header limit (64 KiB, also the clients' default) is built once, not per session (never written to). */
const COMMON_PREFACE = prefaceFor(DEFAULT_MAX_HEADER_LIST_SIZE);

/** Names a connection-specific field forbids (RFC 9113 §8.2.2); a response carrying one is malformed. */
const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
const UPPER_CASE = /[A-Z]/;
const NON_PRINTABLE = /[^\x20-\x7e]/g;
const FRAME_NAMES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'];
const frameName = (type: number): string => FRAME_NAMES[type] ?? `frame type ${type}`;

/**
 * An HTTP/2 client connection (RFC 9113) over a socket that is already connected (TCP for
 * h2c with prior knowledge, TLS whose ALPN picked h2). Frames are parsed straight from the
 * socket's chunks; streams are small plain objects driven by the session's own handlers;
 * everything we write in a turn of the loop goes out in one socket write. Every peer
 * violation is answered as RFC 9113 says (GOAWAY or RST_STREAM with the right code) and
 * reaches the affected streams' listeners as a `StreamEnd`; every buffer, window and count
 * of frames the peer controls is bounded (limits.ts).
 *
 * Knows nothing of checks: it takes a socket, limits, a clock and a header decoder.
 */
export class H2Session extends Deadline implements TurnReader {
  observer: SessionObserver | null = null;
  /** the peer's first SETTINGS frame arrived */
  hasRemoteSettings = false;
  /** the peer's SETTINGS_MAX_CONCURRENT_STREAMS (unlimited until it says) */
  peerMaxConcurrentStreams = Infinity;
  /** the peer's GOAWAY (the lowest last-stream-id if it sent several) */
  goaway: GoawayInfo | null = null;
  /** the connection is gone or torn down: no frame is read or written any more */
  isClosed = false;
  /** why it closed (set with isClosed): what its streams were failed with */
  closedBy: { readonly cause: StreamEndCause; readonly detail: string; readonly error: unknown } | null = null;

  private readonly socket: TaggedSocket;
  private readonly clock: SessionClock;
  private readonly decoder: HeaderBlockDecoder;
  private readonly maxBlockBytes: number;
  private readonly settingsAckTimeoutMs: number;
  private readonly readTurn: ReadTurn;
  private readonly streams = new Map<number, H2Stream>();
  private nextStreamId = 1;
  private peerInitialWindow = DEFAULT_WINDOW_BYTES;
  private peerMaxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  /** connection-level bytes we may still send, and the peer may still send us */
  private sendWindow = DEFAULT_WINDOW_BYTES;
  private recvWindow = CONNECTION_WINDOW_BYTES;
  private isSettingsAcked = false;
  /** we sent GOAWAY (close() or a connection error): no new streams */
  private isGoawaySent = false;
  /** the socket was ended by us once the last stream finished */
  private isEnding = false;
  private socketError: unknown = null;

  // read state: the bytes of a frame not yet complete
  private partial: Buffer | null = null;
  private isReading = false;
  /** the turn's frame budget ran out: the socket is paused until continueReading */
  private isDeferred = false;
  // an open header block (HEADERS without END_HEADERS, then CONTINUATION frames)
  private blockStreamId = 0;
  private blockParts: Buffer[] = [];
  private blockBytes = 0;
  private blockFrames = 0;
  private blockEndStream = false;
  // the header block being decoded
  private decodingStream: H2Stream | null = null;
  private decodeStatus = 0;
  private decodeIsTrailers = false;
  private decodeSawRegular = false;
  private decodeMalformed: string | null = null;
  private readonly onField = (name: string, value: string): void => this.field(name, value);

  // write state
  private out: Buffer[] = [];
  private outBytes = 0;
  private isFlushScheduled = false;
  /** streams whose HEADERS or final DATA are in `out`: told `onWritten` once it is written */
  private written: H2Stream[] = [];
  /** streams with a body waiting for send window */
  private blocked: H2Stream[] = [];

  // flood bounds
  private idleFrames = 0;
  private idleWindowStartMs: number;
  private readonly recentlyReset = new Set<number>();
  private resetOrder: number[] = [];
  /** the highest stream id dropped from recentlyReset: a closed stream at or below it may be one we reset */
  private forgottenResetMaxId = 0;

  constructor(socket: Socket, options: H2SessionOptions) {
    super();
    this.socket = socket as TaggedSocket;
    this.clock = options.clock;
    this.decoder = options.decoder;
    this.maxBlockBytes = options.limits.maxHeaderListBytes;
    this.settingsAckTimeoutMs = options.settingsAckTimeoutMs ?? SETTINGS_ACK_TIMEOUT_MS;
    this.readTurn = options.readTurn ?? new ReadTurn();
    this.idleWindowStartMs = performance.now();
    if (socket.destroyed) {
      this.isClosed = true;
      return;
    }
    this.socket[kSession] = this;
    socket.setNoDelay(true);
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    const maxHeaderListBytes = options.limits.maxHeaderListBytes;
    this.queue(maxHeaderListBytes === DEFAULT_MAX_HEADER_LIST_SIZE ? COMMON_PREFACE : prefaceFor(maxHeaderListBytes));
    this.clock.arm(this, this.settingsAckTimeoutMs);
    this.scheduleFlush();
  }

  /** Streams open on this session. */
  get activeStreams(): number {
    return this.streams.size;
  }

  /** A new stream may be opened now (no GOAWAY either way, ids left, below the peer's limit). */
  canOpenStream(): boolean {
    return !this.isClosed && !this.socket.destroyed && this.goaway === null && !this.isGoawaySent && this.nextStreamId <= MAX_STREAM_ID && this.streams.size < this.peerMaxConcurrentStreams;
  }

  /**
   * Opens a stream: HEADERS with the encoded `block` (END_STREAM without a body), then the
   * body as DATA frames as the peer's windows allow. Written with the next flush (this
   * turn of the loop; call `flush()` to write now). Null when the session takes no new
   * streams: the request was not sent.
   */
  request(block: Buffer, body: Buffer | null, isHead: boolean, listener: StreamListener): H2Stream | null {
    if (!this.canOpenStream()) return null;
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const payload = body !== null && body.length > 0 ? body : null;
    const stream = new H2Stream(id, listener, payload, this.peerInitialWindow, isHead);
    this.streams.set(id, stream);
    this.queue(headersFrames(id, block, payload === null, this.peerMaxFrameBytes));
    this.written.push(stream);
    if (payload !== null) this.sendBody(stream);
    this.scheduleFlush();
    return stream;
  }

  /** Ends a stream from our side (RST_STREAM, CANCEL by default); its listener hears nothing more. */
  cancel(stream: H2Stream, code: number = CANCEL): void {
    stream.listener = null;
    if (!this.streams.delete(stream.id)) return;
    if (this.isClosed) return;
    this.queue(rstStreamFrame(stream.id, code));
    this.rememberReset(stream.id);
    this.scheduleFlush();
    this.finishDrainIfIdle();
  }

  /** Graceful close: GOAWAY(NO_ERROR), no new streams; the socket ends once open streams finish. */
  close(): void {
    if (this.isClosed) return;
    if (!this.isGoawaySent) {
      this.isGoawaySent = true;
      this.queue(goawayFrame(0, NO_ERROR));
      this.scheduleFlush();
    }
    this.finishDrainIfIdle();
  }

  /** Closes the connection now; open streams fail as `socket_closed`. */
  destroy(): void {
    this.socket.destroy();
  }

  ref(): void {
    this.socket.ref();
  }

  unref(): void {
    this.socket.unref();
  }

  /** The SETTINGS-ACK deadline (DeadlineClock): the peer never acknowledged our SETTINGS. */
  expire(): void {
    if (!this.isSettingsAcked) this.connectionError(SETTINGS_TIMEOUT, `no SETTINGS ACK within ${this.settingsAckTimeoutMs} ms`);
  }

  /** Writes everything queued in one socket write, then tells the streams whose request went out. */
  flush(): void {
    this.isFlushScheduled = false;
    const out = this.out;
    if (out.length > 0) {
      this.out = [];
      const bytes = this.outBytes;
      this.outBytes = 0;
      const socket = this.socket;
      if (!socket.destroyed && !socket.writableEnded) {
        if (out.length === 1) socket.write(out[0] as Buffer);
        else if (bytes <= 64 * 1024) socket.write(Buffer.concat(out, bytes));
        else {
          // A large body: writev, without copying it into one buffer first.
          socket.cork();
          for (const chunk of out) socket.write(chunk);
          socket.uncork();
        }
      }
    }
    const written = this.written;
    if (written.length === 0) return;
    this.written = [];
    // They all went out in the write above: one clock read for all of them (a read costs
    // ~55 ns here, and a flush often carries hundreds of requests).
    const atMs = performance.now();
    for (const stream of written) {
      stream.isHeadersSent = true;
      const listener = stream.listener;
      if (stream.body !== null || stream.isWritten || listener === null || this.isClosed) continue;
      stream.isWritten = true;
      listener.onWritten(stream, atMs);
    }
  }

  // ---------------------------------------------------------------- socket events

  /** @internal (socket 'data') */
  receive(chunk: Buffer): void {
    this.parse(chunk, this.readTurn);
  }

  /** @internal (ReadTurn, in a later turn after this session's budget ran out) the frames left over */
  continueReading(): void {
    this.isDeferred = false;
    if (this.isClosed) return;
    this.parse(EMPTY, this.readTurn);
    if (!this.isDeferred && !this.isClosed && !this.socket.destroyed) this.socket.resume();
  }

  /**
   * Parses whole frames from what is left over and `chunk` while `turn` allows (null: all);
   * past that the socket is paused and the rest waits for a later turn of the loop, so one
   * large read never holds the loop for long (read-turn.ts). Then writes what the frames
   * queued.
   */
  private parse(chunk: Buffer, turn: ReadTurn | null): void {
    if (this.isClosed) return;
    let buf = chunk;
    if (this.partial !== null) {
      buf = chunk.length === 0 ? this.partial : Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    let offset = 0;
    this.isReading = true;
    try {
      while (!this.isClosed && buf.length - offset >= FRAME_HEADER_BYTES) {
        if (turn !== null && !turn.take()) {
          this.deferReading();
          break;
        }
        const length = (buf[offset] as number) * 65536 + ((buf[offset + 1] as number) << 8) + (buf[offset + 2] as number);
        if (length > MAX_FRAME_BYTES) {
          this.connectionError(FRAME_SIZE_ERROR, `a ${length}-byte frame, over our SETTINGS_MAX_FRAME_SIZE of ${MAX_FRAME_BYTES}`);
          break;
        }
        const end = offset + FRAME_HEADER_BYTES + length;
        if (end > buf.length) break;
        const type = buf[offset + 3] as number;
        const flags = buf[offset + 4] as number;
        const streamId = buf.readUInt32BE(offset + 5) & 0x7fffffff;
        offset = end;
        this.frame(type, flags, streamId, buf, end - length, end);
      }
    } finally {
      this.isReading = false;
    }
    if (!this.isClosed && offset < buf.length) this.partial = buf.subarray(offset);
    this.flush();
  }

  private deferReading(): void {
    if (this.isDeferred) return;
    this.isDeferred = true;
    this.socket.pause();
    this.readTurn.wait(this);
  }

  /** @internal (socket 'error': 'close' follows) */
  socketFailed(err: Error): void {
    this.socketError ??= err;
  }

  /** @internal (socket 'close') */
  socketClosed(): void {
    if (this.isClosed) return;
    // Frames that arrived before the close but waited for a later turn are still answers.
    if (this.partial !== null) this.parse(EMPTY, null);
    if (this.isClosed) return;
    const err = this.socketError;
    const detail = err === null ? 'connection closed' : String((err as Error).message ?? err);
    this.teardown(err === null ? 'socket_closed' : 'socket_error', NO_ERROR, detail, err, 0);
  }

  // ---------------------------------------------------------------- frames

  /**
   * One frame: its payload is `buf` from `start` to `end`. DATA and HEADERS, two per answer,
   * are handled on that range; a view of it (a Buffer object, ~90 ns) is made only for a
   * body chunk and the other frame types.
   */
  private frame(type: number, flags: number, id: number, buf: Buffer, start: number, end: number): void {
    if (this.blockStreamId !== 0 && type !== FRAME_CONTINUATION) {
      return this.connectionError(PROTOCOL_ERROR, `${frameName(type)} inside the header block of stream ${this.blockStreamId} (CONTINUATION expected)`);
    }
    if (!this.hasRemoteSettings && (type !== FRAME_SETTINGS || (flags & FLAG_ACK) !== 0)) {
      return this.connectionError(PROTOCOL_ERROR, `the server's preface began with ${frameName(type)}${type === FRAME_SETTINGS ? ' ACK' : ''}, not SETTINGS`);
    }
    switch (type) {
      case FRAME_DATA:
        return this.onData(flags, id, buf, start, end);
      case FRAME_HEADERS:
        return this.onHeaders(flags, id, buf, start, end);
      case FRAME_CONTINUATION:
        return this.onContinuation(flags, id, buf.subarray(start, end));
      case FRAME_RST_STREAM:
        return this.onRstStream(id, buf.subarray(start, end));
      case FRAME_SETTINGS:
        return this.onSettings(flags, id, buf.subarray(start, end));
      case FRAME_PING:
        return this.onPing(flags, id, buf.subarray(start, end));
      case FRAME_GOAWAY:
        return this.onGoaway(id, buf.subarray(start, end));
      case FRAME_WINDOW_UPDATE:
        return this.onWindowUpdate(id, buf.subarray(start, end));
      case FRAME_PRIORITY:
        if (id === 0) return this.connectionError(PROTOCOL_ERROR, 'PRIORITY on stream 0');
        return void this.countIdleFrame();
      case FRAME_PUSH_PROMISE:
        return this.connectionError(PROTOCOL_ERROR, 'PUSH_PROMISE although we sent SETTINGS_ENABLE_PUSH=0');
      default:
        // Unknown frame types are ignored (RFC 9113 §4.1), but they count towards the flood bound.
        return void this.countIdleFrame();
    }
  }

  private onData(flags: number, id: number, buf: Buffer, start: number, end: number): void {
    if (id === 0) return this.connectionError(PROTOCOL_ERROR, 'DATA on stream 0');
    const length = end - start;
    // Flow control counts the whole payload, padding included (RFC 9113 §6.9.1).
    this.recvWindow -= length;
    if (this.recvWindow < 0) return this.connectionError(FLOW_CONTROL_ERROR, 'DATA beyond the connection window we granted');
    if (this.recvWindow < CONNECTION_WINDOW_BYTES / 2) {
      this.queue(windowUpdateFrame(0, CONNECTION_WINDOW_BYTES - this.recvWindow));
      this.recvWindow = CONNECTION_WINDOW_BYTES;
    }
    let dataStart = start;
    let dataEnd = end;
    if ((flags & FLAG_PADDED) !== 0) {
      const padBytes = length > 0 ? (buf[start] as number) : 0;
      if (length === 0 || padBytes >= length) return this.connectionError(PROTOCOL_ERROR, `DATA padding of ${padBytes} bytes in a ${length}-byte frame`);
      dataStart = start + 1;
      dataEnd = end - padBytes;
    }
    const stream = this.streams.get(id);
    if (stream === undefined) return this.onClosedStreamFrame(id, FRAME_DATA);
    if (stream.progress === AWAITING_HEADERS) return this.streamError(stream, PROTOCOL_ERROR, 'malformed response: DATA before the response headers');
    stream.recvUnacked += length;
    if (stream.recvUnacked > STREAM_WINDOW_BYTES) return this.streamError(stream, FLOW_CONTROL_ERROR, 'DATA beyond the stream window we granted');
    const endStream = (flags & FLAG_END_STREAM) !== 0;
    if (dataEnd > dataStart) {
      stream.dataBytes += dataEnd - dataStart;
      if (stream.contentLength >= 0 && stream.dataBytes > stream.contentLength && !stream.isHead) {
        return this.streamError(stream, PROTOCOL_ERROR, `malformed response: more DATA than its content-length of ${stream.contentLength}`);
      }
      (stream.listener as StreamListener).onData(stream, buf.subarray(dataStart, dataEnd));
      if (stream.listener === null) return; // the listener cancelled it (body cap)
    } else if (!endStream && this.countIdleFrame()) return;
    if (endStream) return this.endOfResponse(stream);
    if (stream.recvUnacked >= STREAM_WINDOW_BYTES / 2) {
      this.queue(windowUpdateFrame(id, stream.recvUnacked));
      stream.recvUnacked = 0;
    }
  }

  private onHeaders(flags: number, id: number, buf: Buffer, payloadStart: number, payloadEnd: number): void {
    if (id === 0) return this.connectionError(PROTOCOL_ERROR, 'HEADERS on stream 0');
    let start = payloadStart;
    let end = payloadEnd;
    if ((flags & FLAG_PADDED) !== 0) {
      if (end === start) return this.connectionError(FRAME_SIZE_ERROR, 'a PADDED HEADERS frame without its pad length');
      end -= buf[start] as number;
      start++;
    }
    if ((flags & FLAG_PRIORITY) !== 0) start += 5;
    if (start > end) return this.connectionError(PROTOCOL_ERROR, `HEADERS padding longer than the frame (${payloadEnd - payloadStart} bytes)`);
    if (this.isIdle(id)) return this.connectionError(PROTOCOL_ERROR, `HEADERS on stream ${id}, which we never opened`);
    const endStream = (flags & FLAG_END_STREAM) !== 0;
    if ((flags & FLAG_END_HEADERS) !== 0) return this.headerBlock(id, buf, start, end, endStream);
    const fragment = buf.subarray(start, end);
    this.blockStreamId = id;
    this.blockParts = [fragment];
    this.blockBytes = fragment.length;
    this.blockFrames = 1;
    this.blockEndStream = endStream;
    if (this.blockBytes > this.maxBlockBytes) this.blockTooLarge();
  }

  private onContinuation(flags: number, id: number, payload: Buffer): void {
    if (this.blockStreamId === 0 || id !== this.blockStreamId) {
      return this.connectionError(PROTOCOL_ERROR, `CONTINUATION on stream ${id} without a header block open on it`);
    }
    this.blockParts.push(payload);
    this.blockBytes += payload.length;
    if (++this.blockFrames > MAX_CONTINUATION_FRAMES + 1 || this.blockBytes > this.maxBlockBytes) return this.blockTooLarge();
    if ((flags & FLAG_END_HEADERS) === 0) return;
    const parts = this.blockParts;
    this.blockParts = [];
    this.blockStreamId = 0;
    const block = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, this.blockBytes);
    this.headerBlock(id, block, 0, block.length, this.blockEndStream);
  }

  /**
   * A header block over our limit (or in too many CONTINUATION frames) cannot be skipped:
   * HPACK state needs the whole block decoded. So the connection goes (GOAWAY
   * ENHANCE_YOUR_CALM); the stream it was for fails as headers too large.
   */
  private blockTooLarge(): void {
    const id = this.blockStreamId;
    const detail = this.blockFrames > MAX_CONTINUATION_FRAMES + 1
      ? `a header block in more than ${MAX_CONTINUATION_FRAMES} CONTINUATION frames`
      : `a header block over ${this.maxBlockBytes} bytes`;
    this.blockParts = [];
    this.blockStreamId = 0;
    this.connectionError(ENHANCE_YOUR_CALM, detail, 'headers_too_large', id);
  }

  /** A complete header block: `block` from `start` to `end`. */
  private headerBlock(id: number, block: Buffer, start: number, end: number, endStream: boolean): void {
    const stream = this.streams.get(id) ?? null;
    // A stream we reset still gets its blocks decoded: the dynamic table must stay in step.
    if (stream === null && !this.mayHaveReset(id)) return this.connectionError(STREAM_CLOSED, `HEADERS on closed stream ${id}`);
    this.decodingStream = stream;
    this.decodeStatus = 0;
    this.decodeSawRegular = false;
    this.decodeMalformed = null;
    this.decodeIsTrailers = stream !== null && stream.progress === RECEIVING_BODY;
    try {
      this.decoder.decode(block, this.onField, start, end);
    } catch (err) {
      this.decodingStream = null;
      const hpack = err as { reason?: unknown; connectionError?: unknown; message?: unknown };
      if (hpack.connectionError === false) {
        // The list is over our limit, but the block was fully decoded: only the stream fails.
        if (stream !== null) this.streamError(stream, CANCEL, `response header list over ${this.maxBlockBytes} bytes`, 'headers_too_large');
        return;
      }
      return this.connectionError(COMPRESSION_ERROR, String(hpack.message ?? hpack.reason ?? err));
    }
    this.decodingStream = null;
    if (stream === null) return;
    if (this.decodeMalformed !== null) return this.streamError(stream, PROTOCOL_ERROR, `malformed response: ${this.decodeMalformed}`);
    if (this.decodeIsTrailers) {
      if (!endStream) return this.streamError(stream, PROTOCOL_ERROR, 'malformed response: trailers without END_STREAM');
      return this.endOfResponse(stream);
    }
    const status = this.decodeStatus;
    if (status === 0) return this.streamError(stream, PROTOCOL_ERROR, 'malformed response: no :status');
    if (status < 200) {
      // Interim (1xx): no body, not the answer; 101 does not exist in HTTP/2 (RFC 9113 §8.6).
      if (status === 101) return this.streamError(stream, PROTOCOL_ERROR, 'malformed response: 101 Switching Protocols');
      if (endStream) return this.streamError(stream, PROTOCOL_ERROR, `malformed response: interim ${status} with END_STREAM`);
      return;
    }
    stream.progress = RECEIVING_BODY;
    stream.status = status;
    (stream.listener as StreamListener).onResponse(stream, status, endStream);
    if (endStream && stream.listener !== null) this.endOfResponse(stream);
  }

  /** One decoded field of the block in `decodingStream` (RFC 9113 §8.1.2, §8.3.2 checks). */
  private field(name: string, value: string): void {
    const stream = this.decodingStream;
    if (stream === null || this.decodeMalformed !== null) return;
    if (name.charCodeAt(0) === 58 /* ':' */) {
      if (this.decodeIsTrailers) this.decodeMalformed = `pseudo-header ${name} in trailers`;
      else if (this.decodeSawRegular) this.decodeMalformed = `pseudo-header ${name} after a regular field`;
      else if (name !== ':status') this.decodeMalformed = `pseudo-header ${name} in a response`;
      else if (this.decodeStatus !== 0) this.decodeMalformed = 'two :status fields';
      else if (value.length !== 3 || !(value >= '100' && value <= '999')) this.decodeMalformed = `:status ${JSON.stringify(value.slice(0, 16))}`;
      else this.decodeStatus = Number(value);
      return;
    }
    this.decodeSawRegular = true;
    if (UPPER_CASE.test(name)) {
      this.decodeMalformed = `upper-case field name ${JSON.stringify(name.slice(0, 64))}`;
      return;
    }
    if (CONNECTION_SPECIFIC.has(name)) {
      this.decodeMalformed = `connection-specific field ${name}`;
      return;
    }
    if (this.decodeIsTrailers || this.decodeStatus < 200) return;
    if (name === 'content-length') {
      const length = /^\d{1,15}$/.test(value) ? Number(value) : -1;
      if (length < 0 || (stream.contentLength >= 0 && stream.contentLength !== length)) {
        this.decodeMalformed = `content-length ${JSON.stringify(value.slice(0, 32))}`;
        return;
      }
      stream.contentLength = length;
    }
    (stream.listener as StreamListener).onField(stream, name, value);
  }

  private endOfResponse(stream: H2Stream): void {
    const isEmptyByDefinition = stream.isHead || stream.status === 204 || stream.status === 304;
    if (stream.contentLength >= 0 && !isEmptyByDefinition && stream.dataBytes !== stream.contentLength) {
      return this.streamError(stream, PROTOCOL_ERROR, `malformed response: content-length ${stream.contentLength} but ${stream.dataBytes} bytes of DATA`);
    }
    this.streams.delete(stream.id);
    // The server answered before our upload ended: stop sending (RFC 9113 §8.1).
    if (stream.body !== null) {
      stream.body = null;
      this.queue(rstStreamFrame(stream.id, NO_ERROR));
      this.rememberReset(stream.id);
    }
    const listener = stream.listener as StreamListener;
    stream.listener = null;
    listener.onEnd(stream);
    this.finishDrainIfIdle();
  }

  private onRstStream(id: number, payload: Buffer): void {
    if (payload.length !== 4) return this.connectionError(FRAME_SIZE_ERROR, `RST_STREAM of ${payload.length} bytes`);
    if (id === 0) return this.connectionError(PROTOCOL_ERROR, 'RST_STREAM on stream 0');
    if (this.isIdle(id)) return this.connectionError(PROTOCOL_ERROR, `RST_STREAM on stream ${id}, which we never opened`);
    const stream = this.streams.get(id);
    if (stream === undefined) return void this.countIdleFrame();
    const code = payload.readUInt32BE(0);
    this.streams.delete(id);
    // REFUSED_STREAM: the server did not process it and says so (RFC 9113 §8.7).
    const unsent = code === REFUSED_STREAM || !stream.isHeadersSent;
    this.failStream(stream, 'reset', code, `RST_STREAM ${h2CodeName(code)}`, unsent, null);
    this.finishDrainIfIdle();
  }

  private onSettings(flags: number, id: number, payload: Buffer): void {
    if (id !== 0) return this.connectionError(PROTOCOL_ERROR, `SETTINGS on stream ${id}`);
    if ((flags & FLAG_ACK) !== 0) {
      if (payload.length !== 0) return this.connectionError(FRAME_SIZE_ERROR, `a SETTINGS ACK with ${payload.length} bytes`);
      if (!this.isSettingsAcked) {
        this.isSettingsAcked = true;
        this.clock.disarm(this);
      } else if (this.countIdleFrame()) return;
      return;
    }
    if (payload.length % 6 !== 0) return this.connectionError(FRAME_SIZE_ERROR, `SETTINGS of ${payload.length} bytes (not a multiple of 6)`);
    if (this.hasRemoteSettings && this.countIdleFrame()) return;
    let windowDelta = 0;
    for (let at = 0; at < payload.length; at += 6) {
      const key = payload.readUInt16BE(at);
      const value = payload.readUInt32BE(at + 2);
      if (key === SETTINGS_MAX_CONCURRENT_STREAMS) this.peerMaxConcurrentStreams = value;
      else if (key === SETTINGS_ENABLE_PUSH) {
        if (value > 1) return this.connectionError(PROTOCOL_ERROR, `SETTINGS_ENABLE_PUSH ${value}`);
      } else if (key === SETTINGS_INITIAL_WINDOW_SIZE) {
        if (value > MAX_WINDOW_BYTES) return this.connectionError(FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE ${value}`);
        windowDelta += value - this.peerInitialWindow;
        this.peerInitialWindow = value;
      } else if (key === SETTINGS_MAX_FRAME_SIZE) {
        if (value < DEFAULT_MAX_FRAME_BYTES || value > MAX_ALLOWED_FRAME_BYTES) return this.connectionError(PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value}`);
        this.peerMaxFrameBytes = value;
      }
      // HEADER_TABLE_SIZE concerns an encoder's dynamic table: ours uses none. Unknown ids are ignored.
    }
    if (windowDelta !== 0) {
      for (const stream of this.streams.values()) {
        stream.sendWindow += windowDelta;
        if (stream.sendWindow > MAX_WINDOW_BYTES) return this.connectionError(FLOW_CONTROL_ERROR, 'SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window');
      }
    }
    this.queue(SETTINGS_ACK_FRAME);
    if (this.isOutboundFull()) return;
    this.hasRemoteSettings = true;
    if (windowDelta > 0) this.resumeBlocked();
    this.observer?.onRemoteSettings(this);
  }

  private onPing(flags: number, id: number, payload: Buffer): void {
    if (payload.length !== 8) return this.connectionError(FRAME_SIZE_ERROR, `PING of ${payload.length} bytes`);
    if (id !== 0) return this.connectionError(PROTOCOL_ERROR, `PING on stream ${id}`);
    if (this.countIdleFrame()) return;
    if ((flags & FLAG_ACK) !== 0) return; // we send no PINGs: an unsolicited ACK is ignored
    this.queue(pingAckFrame(payload));
    this.isOutboundFull();
  }

  private onGoaway(id: number, payload: Buffer): void {
    if (id !== 0) return this.connectionError(PROTOCOL_ERROR, `GOAWAY on stream ${id}`);
    if (payload.length < 8) return this.connectionError(FRAME_SIZE_ERROR, `GOAWAY of ${payload.length} bytes`);
    const previous = this.goaway;
    const said = payload.readUInt32BE(0) & 0x7fffffff;
    // A later GOAWAY may only lower the last-stream-id (RFC 9113 §6.8).
    const lastStreamId = previous === null ? said : Math.min(said, previous.lastStreamId);
    // An error code explains more than a later NO_ERROR (Node's server sends one when it
    // destroys the session after a GOAWAY with an error).
    const saidCode = payload.readUInt32BE(4);
    const code = saidCode === NO_ERROR && previous !== null ? previous.code : saidCode;
    const debug = payload.subarray(8, 8 + MAX_GOAWAY_DEBUG_BYTES).toString('latin1').replace(NON_PRINTABLE, '?');
    this.goaway = { code, lastStreamId, debug };
    // The owner hears first, so a retry of the streams failed below goes to another session.
    if (previous === null) this.observer?.onGoaway(this);
    const detail = `GOAWAY ${h2CodeName(code)}`;
    for (const stream of this.streams.values()) {
      if (stream.id <= lastStreamId) continue;
      this.streams.delete(stream.id);
      this.failStream(stream, 'goaway', code, detail, true, null);
    }
    if (code !== NO_ERROR && !this.isClosed) {
      // A GOAWAY with an error code ends the connection (a connection error on its side):
      // streams it may have processed will not be answered either.
      this.teardown('connection_error', code, `the server's ${detail}`, null, 0);
      return this.endSocket();
    }
    this.finishDrainIfIdle();
  }

  private onWindowUpdate(id: number, payload: Buffer): void {
    if (payload.length !== 4) return this.connectionError(FRAME_SIZE_ERROR, `WINDOW_UPDATE of ${payload.length} bytes`);
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (id === 0) {
      if (increment === 0) return this.connectionError(PROTOCOL_ERROR, 'WINDOW_UPDATE of 0 on the connection');
      this.sendWindow += increment;
      if (this.sendWindow > MAX_WINDOW_BYTES) return this.connectionError(FLOW_CONTROL_ERROR, 'WINDOW_UPDATE overflows the connection window');
      if (this.blocked.length > 0) this.resumeBlocked();
      else this.countIdleFrame();
      return;
    }
    if (this.isIdle(id)) return this.connectionError(PROTOCOL_ERROR, `WINDOW_UPDATE on stream ${id}, which we never opened`);
    const stream = this.streams.get(id);
    if (stream === undefined) return void this.countIdleFrame();
    if (increment === 0) return this.streamError(stream, PROTOCOL_ERROR, 'WINDOW_UPDATE of 0');
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW_BYTES) return this.streamError(stream, FLOW_CONTROL_ERROR, 'WINDOW_UPDATE overflows the stream window');
    if (stream.isBlocked) this.resumeBlocked();
    else this.countIdleFrame();
  }

  /** DATA or HEADERS for a stream not open: ignored if we reset it, else a violation. */
  private onClosedStreamFrame(id: number, type: number): void {
    if (this.isIdle(id)) return this.connectionError(PROTOCOL_ERROR, `${frameName(type)} on stream ${id}, which we never opened`);
    if (this.mayHaveReset(id)) return;
    this.connectionError(STREAM_CLOSED, `${frameName(type)} on closed stream ${id}`);
  }

  /**
   * We reset this closed stream, or may have: its id is in the recent resets, or at or below
   * one that fell out of that bounded set. A late answer to a stream we cancelled (a check
   * whose budget ran out while its answer was on the way) is normal (RFC 9113 §5.1) however
   * many streams were reset since (a load generator whose checks time out in bulk resets
   * thousands), and must not cost the session with every stream on it. Such frames are
   * ignored, as those of a stream still in the set always were.
   */
  private mayHaveReset(id: number): boolean {
    return this.recentlyReset.has(id) || id <= this.forgottenResetMaxId;
  }

  /** A stream id we never opened: server-initiated (even) or above our last. */
  private isIdle(id: number): boolean {
    return (id & 1) === 0 || id >= this.nextStreamId;
  }

  // ---------------------------------------------------------------- sending

  private queue(frame: Buffer): void {
    this.out.push(frame);
    this.outBytes += frame.length;
  }

  private scheduleFlush(): void {
    // While a read is processed, its end flushes everything at once.
    if (this.isReading || this.isFlushScheduled) return;
    this.isFlushScheduled = true;
    process.nextTick(flushOnTick, this);
  }

  /** Queues as much of the stream's body as both windows allow; the rest waits for WINDOW_UPDATE. */
  private sendBody(stream: H2Stream): void {
    const body = stream.body as Buffer;
    while (stream.bodyOffset < body.length) {
      const bytes = Math.min(body.length - stream.bodyOffset, this.sendWindow, stream.sendWindow, this.peerMaxFrameBytes);
      if (bytes <= 0) {
        if (!stream.isBlocked) {
          stream.isBlocked = true;
          this.blocked.push(stream);
        }
        return;
      }
      const isLast = stream.bodyOffset + bytes === body.length;
      this.queue(dataFrameHeader(stream.id, bytes, isLast));
      this.queue(body.subarray(stream.bodyOffset, stream.bodyOffset + bytes));
      stream.bodyOffset += bytes;
      this.sendWindow -= bytes;
      stream.sendWindow -= bytes;
    }
    stream.body = null;
    this.written.push(stream);
  }

  private resumeBlocked(): void {
    const blocked = this.blocked;
    this.blocked = [];
    for (const stream of blocked) {
      stream.isBlocked = false;
      if (stream.listener !== null && stream.body !== null && this.streams.get(stream.id) === stream) this.sendBody(stream);
    }
    this.scheduleFlush();
  }

  // ---------------------------------------------------------------- errors and closing

  /** Counts a frame that advanced no request; true when the flood bound was hit (connection gone). */
  private countIdleFrame(): boolean {
    if (++this.idleFrames <= MAX_IDLE_FRAMES_PER_SECOND) return false;
    const nowMs = performance.now();
    if (nowMs - this.idleWindowStartMs >= 1_000) {
      this.idleWindowStartMs = nowMs;
      this.idleFrames = 1;
      return false;
    }
    this.connectionError(ENHANCE_YOUR_CALM, `more than ${MAX_IDLE_FRAMES_PER_SECOND} frames that carry no response in a second (a SETTINGS, PING or empty-frame flood)`);
    return true;
  }

  /** A peer that makes us answer (ACKs) but does not read them: true when we gave up on it. */
  private isOutboundFull(): boolean {
    if (this.socket.writableLength + this.outBytes <= MAX_OUTBOUND_BUFFERED_BYTES) return false;
    this.connectionError(ENHANCE_YOUR_CALM, `over ${MAX_OUTBOUND_BUFFERED_BYTES} bytes of our answers left unread by the peer`);
    return true;
  }

  /** A stream error (RFC 9113 §5.4.2): RST_STREAM with `code`; the session goes on. */
  private streamError(stream: H2Stream, code: number, detail: string, cause: StreamEndCause = 'stream_error'): void {
    this.streams.delete(stream.id);
    this.queue(rstStreamFrame(stream.id, code));
    this.rememberReset(stream.id);
    this.failStream(stream, cause, code, detail, false, null);
    this.finishDrainIfIdle();
  }

  /**
   * A connection error (RFC 9113 §5.4.1): GOAWAY with `code`, every stream fails, the socket
   * is ended (destroyed if the peer has not closed it within CLOSE_GRACE_MS).
   */
  private connectionError(code: number, detail: string, cause: StreamEndCause = 'connection_error', victimId = 0): void {
    if (this.isClosed) return;
    // Requests still queued never reach the server (their streams fail as unsent, so they
    // may be retried elsewhere); we accept no streams from it, so our last-stream-id is 0.
    this.out = [];
    this.outBytes = 0;
    this.written = [];
    this.queue(goawayFrame(0, code));
    this.isGoawaySent = true;
    this.flush();
    this.teardown(cause, code, `${h2CodeName(code)}: ${detail}`, null, victimId);
    this.endSocket();
  }

  private teardown(cause: StreamEndCause, code: number, detail: string, error: unknown, victimId: number): void {
    this.isClosed = true;
    this.closedBy = { cause, detail, error };
    this.clock.disarm(this);
    this.out = [];
    this.outBytes = 0;
    this.written = [];
    this.blocked = [];
    this.observer?.onClose(this);
    // (a fresh connection ends with no stream open: no array for it)
    const streams = this.streams.size === 0 ? NO_STREAMS : [...this.streams.values()];
    this.streams.clear();
    for (const stream of streams) {
      const isVictim = stream.id === victimId;
      this.failStream(stream, isVictim ? cause : cause === 'headers_too_large' ? 'connection_error' : cause, code, detail, !stream.isHeadersSent, error);
    }
  }

  private failStream(stream: H2Stream, cause: StreamEndCause, code: number, detail: string, unsent: boolean, error: unknown): void {
    const listener = stream.listener;
    if (listener === null) return;
    stream.listener = null;
    const end: StreamEnd = { cause, code, detail, unsent, error };
    listener.onError(stream, end);
  }

  private rememberReset(id: number): void {
    this.recentlyReset.add(id);
    this.resetOrder.push(id);
    if (this.resetOrder.length > MAX_RECENTLY_RESET) {
      const drop = this.resetOrder.length - MAX_RECENTLY_RESET / 2;
      for (let i = 0; i < drop; i++) {
        const forgotten = this.resetOrder[i] as number;
        this.recentlyReset.delete(forgotten);
        if (forgotten > this.forgottenResetMaxId) this.forgottenResetMaxId = forgotten;
      }
      this.resetOrder = this.resetOrder.slice(drop);
    }
  }

  /** After GOAWAY (either way), the connection ends with its last stream. */
  private finishDrainIfIdle(): void {
    if (this.isEnding || this.streams.size > 0 || (this.goaway === null && !this.isGoawaySent)) return;
    this.flush();
    this.endSocket();
  }

  private endSocket(): void {
    if (this.isEnding) return;
    this.isEnding = true;
    const socket = this.socket;
    if (socket.destroyed) return;
    socket.end();
    socket.setTimeout(CLOSE_GRACE_MS, destroySelf);
    socket.unref();
  }
}
