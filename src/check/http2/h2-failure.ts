import { constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { ErrorKind, ErrorPhase } from '../../domain/error-kind.js';
import { CheckFailure } from '../errors/check-failure.js';
import { classifyError } from '../errors/classify.js';

/**
 * A failure of one HTTP/2 stream. `unsent` is true when the server provably did not process
 * the request (the stream was never opened, or a GOAWAY's last-stream-id is below it): only
 * then may the pool retry it on another session (RFC 9113 §6.8).
 */
export class H2Failure extends CheckFailure {
  constructor(
    kind: ErrorKind,
    phase: ErrorPhase | null,
    detail: string,
    readonly unsent: boolean,
  ) {
    super(kind, phase, detail);
  }
}

export interface GoawayInfo {
  readonly errorCode: number;
  readonly lastStreamId: number;
}

// Per-session state lives on the session object itself (keyed by a private symbol), so no
// module-level registry is needed and it dies with the session.
const kGoaway = Symbol('vigil.h2.goaway');
const kSettings = Symbol('vigil.h2.settings');
type Watched = ClientHttp2Session & { [kGoaway]?: GoawayInfo | null; [kSettings]?: boolean };

function ignoreError(): void {
  // Session errors reach every open stream as that stream's 'error'; the session listener
  // only keeps an unhandled 'error' from crashing the process.
}

/**
 * Installs (once per session) listeners that remember the first GOAWAY and whether the
 * peer's SETTINGS arrived. Node emits the session's 'goaway' before it closes the streams
 * the GOAWAY cut off, so a stream's 'close' handler can tell "server went away" from
 * "server refused this stream". Node's `remoteSettings` shows defaults until the peer's
 * SETTINGS arrive, hence the flag. Call it right after creating the session.
 */
export function watchSession(session: ClientHttp2Session): void {
  const watched = session as Watched;
  if (watched[kGoaway] !== undefined) return;
  watched[kGoaway] = null;
  watched[kSettings] = false;
  session.on('goaway', (errorCode: number, lastStreamId: number) => {
    if (watched[kGoaway] === null) watched[kGoaway] = { errorCode, lastStreamId };
  });
  session.once('remoteSettings', () => {
    watched[kSettings] = true;
  });
  session.on('error', ignoreError);
}

export function hasRemoteSettings(session: ClientHttp2Session): boolean {
  return (session as Watched)[kSettings] === true;
}

export function goawayOf(session: ClientHttp2Session): GoawayInfo | null {
  return (session as Watched)[kGoaway] ?? null;
}

/** RFC 9113 §7 error codes, as they appear in GOAWAY and RST_STREAM frames. */
const CODE_NAMES: readonly string[] = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

export function h2CodeName(code: number): string {
  return CODE_NAMES[code] ?? `code ${code}`;
}

/** request() threw: the stream never existed, so the server never saw the request. */
export function requestNotSent(err: unknown, phase: ErrorPhase): H2Failure {
  const base = classifyError(err, phase);
  const kind = base.kind === 'other' ? 'h2_protocol_error' : base.kind;
  return new H2Failure(kind, phase, base.detail, true);
}

/**
 * Classifies a stream that closed without a complete response. Order matters: a GOAWAY
 * explains every later symptom (Node cuts streams above last-stream-id with CANCEL or
 * REFUSED_STREAM), then the stream's own RST code, then a socket error, then a bare close.
 */
export function streamFailure(
  err: unknown,
  stream: ClientHttp2Stream,
  session: ClientHttp2Session,
  isAnswered: boolean,
  phase: ErrorPhase,
): CheckFailure {
  const goaway = goawayOf(session);
  const id = stream.id;
  if (goaway !== null && !isAnswered) {
    const unsent = id === undefined || id > goaway.lastStreamId;
    const detail = `GOAWAY ${h2CodeName(goaway.errorCode)} (last stream ${goaway.lastStreamId}, this stream ${id ?? 'unopened'})`;
    return new H2Failure('h2_goaway', phase, detail, unsent);
  }
  const rst = stream.rstCode;
  if (rst === constants.NGHTTP2_REFUSED_STREAM) {
    return new H2Failure('h2_stream_refused', phase, 'RST_STREAM REFUSED_STREAM', false);
  }
  if (err !== undefined && err !== null) {
    const failure = classifyError(err, phase);
    if (failure.kind !== 'other') return failure;
  }
  if (rst === constants.NGHTTP2_CANCEL && (session.closed || session.destroyed)) {
    // The connection ended under the stream without an error of its own: a clean close.
    return isAnswered
      ? new CheckFailure('connection_reset', phase, 'HTTP/2 connection closed before the body ended')
      : new CheckFailure('no_response', phase, 'HTTP/2 connection closed before a response');
  }
  const name = rst === undefined ? 'no RST_STREAM' : `RST_STREAM ${h2CodeName(rst)}`;
  return new CheckFailure('h2_protocol_error', phase, `stream closed: ${name}`);
}
