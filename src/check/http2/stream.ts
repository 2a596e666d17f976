/**
 * Why a stream ended without a complete response. Only failures allocate one; the check
 * layer (src/check/http/h2/h2-failure.ts) turns it into an error kind.
 */
export type StreamEndCause =
  /** the peer sent RST_STREAM (`code`) */
  | 'reset'
  /** the peer's GOAWAY cut the stream off (its id is above the last-stream-id) */
  | 'goaway'
  /** the connection ended with a connection error; `code` is what our or the peer's GOAWAY said */
  | 'connection_error'
  /** the response broke a rule of RFC 9113 §8 (malformed, content-length); we reset it with `code` */
  | 'stream_error'
  /** the response's header list is over our limit (we reset it, or closed the connection) */
  | 'headers_too_large'
  /** the socket failed (`error` holds the Node error) */
  | 'socket_error'
  /** the socket closed without an error */
  | 'socket_closed';

export interface StreamEnd {
  readonly cause: StreamEndCause;
  /** the RFC 9113 error code involved (RST_STREAM, GOAWAY or ours); NO_ERROR when none */
  readonly code: number;
  readonly detail: string;
  /**
   * the server provably never processed the request: its HEADERS never reached the socket,
   * or a GOAWAY's last-stream-id is below it (RFC 9113 §6.8), or it was REFUSED_STREAM
   * (§8.7). Only such a request may be retried elsewhere.
   */
  readonly unsent: boolean;
  /** the socket error, for `socket_error` */
  readonly error: unknown;
}

/**
 * What the user of a stream implements, once per request (the check's exchange object): the
 * engine calls these with the stream, so no closure per stream is needed. After `onEnd` or
 * `onError`, or once the user cancels the stream, nothing more is called.
 */
export interface StreamListener {
  /**
   * the request (HEADERS and, with a body, the final DATA frame) was handed to the socket, at
   * `atMs` (performance.now(): one reading for every stream of that write)
   */
  onWritten(stream: H2Stream, atMs: number): void;
  /** a regular field of the final response's header section (names lower-case, validated) */
  onField(stream: H2Stream, name: string, value: string): void;
  /** the final response's header section is complete; `endStream`: no body follows */
  onResponse(stream: H2Stream, status: number, endStream: boolean): void;
  onData(stream: H2Stream, chunk: Buffer): void;
  /** END_STREAM after a complete, well-formed response (trailers, if any, were read) */
  onEnd(stream: H2Stream): void;
  onError(stream: H2Stream, end: StreamEnd): void;
}

/** Response progress on a stream. */
export const AWAITING_HEADERS = 0;
export const RECEIVING_BODY = 1;

/**
 * One request stream: a small plain object, all behaviour in the session. No Duplex, no
 * per-stream listeners.
 */
export class H2Stream {
  /** bytes we may still send on this stream (peer's window) */
  sendWindow: number;
  /** bytes received since our last WINDOW_UPDATE for this stream */
  recvUnacked = 0;
  /** request body still to send, from `bodyOffset` */
  body: Buffer | null;
  bodyOffset = 0;
  /** the HEADERS frame left in a socket write (the server may have seen the request) */
  isHeadersSent = false;
  /** the whole request was handed to the socket */
  isWritten = false;
  /** waiting in the session's blocked list for send window */
  isBlocked = false;
  /** AWAITING_HEADERS or RECEIVING_BODY */
  progress = AWAITING_HEADERS;
  status = 0;
  /** the response's content-length, or -1 */
  contentLength = -1;
  dataBytes = 0;
  /** the response may carry no content (HEAD, 204, 304): content-length is not checked */
  readonly isHead: boolean;

  constructor(
    readonly id: number,
    public listener: StreamListener | null,
    body: Buffer | null,
    sendWindow: number,
    isHead: boolean,
  ) {
    this.body = body;
    this.sendWindow = sendWindow;
    this.isHead = isHead;
  }
}
