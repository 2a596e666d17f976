import type { ErrorKind, ErrorPhase } from '../../../domain/error-kind.js';
import { CheckFailure } from '../../errors/check-failure.js';
import { classifyError } from '../../errors/classify.js';
import { h2CodeName, REFUSED_STREAM } from '../../http2/constants.js';
import type { H2Session } from '../../http2/session.js';
import type { H2Stream, StreamEnd } from '../../http2/stream.js';

export { h2CodeName } from '../../http2/constants.js';

/**
 * A failure of one HTTP/2 stream. `unsent` is true when the server provably did not process
 * the request (its HEADERS never reached the socket, a GOAWAY's last-stream-id is below it,
 * or the server refused it with REFUSED_STREAM): only then may the pool retry it on another
 * session (RFC 9113 §6.8, §8.7).
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

/** The session took no new stream (closed, draining, out of stream ids): the request was not sent. */
export function requestNotSent(session: H2Session, phase: ErrorPhase): H2Failure {
  const goaway = session.goaway;
  if (goaway !== null) return new H2Failure('h2_goaway', phase, `GOAWAY ${h2CodeName(goaway.code)} before the request was sent`, true);
  return new H2Failure('h2_protocol_error', phase, 'the HTTP/2 session takes no new streams (closed or closing)', true);
}

/**
 * Classifies a stream that ended without a complete response, once. Order matters: a GOAWAY
 * explains the symptoms that follow it (the connection closing under an unanswered
 * stream), then what the engine saw: the server's RST_STREAM code, a violation we answered
 * (code name in `detail`), a socket error, a bare close.
 */
export function streamFailure(end: StreamEnd, stream: H2Stream, session: H2Session, isAnswered: boolean, phase: ErrorPhase): CheckFailure {
  const goaway = session.goaway;
  const isOurVerdict = end.cause === 'stream_error' || end.cause === 'headers_too_large';
  if (goaway !== null && !isAnswered && !isOurVerdict && !(end.cause === 'reset' && end.code === REFUSED_STREAM)) {
    const unsent = end.unsent || stream.id > goaway.lastStreamId;
    const debug = goaway.debug === '' ? '' : `: ${goaway.debug}`;
    return new H2Failure('h2_goaway', phase, `GOAWAY ${h2CodeName(goaway.code)} (last stream ${goaway.lastStreamId}, this stream ${stream.id})${debug}`, unsent);
  }
  switch (end.cause) {
    case 'reset':
      if (end.code === REFUSED_STREAM) return new H2Failure('h2_stream_refused', phase, 'RST_STREAM REFUSED_STREAM', true);
      return new H2Failure('h2_protocol_error', phase, `stream reset by the server: RST_STREAM ${h2CodeName(end.code)}`, end.unsent);
    case 'headers_too_large':
      return new H2Failure('response_headers_too_large', phase, end.detail, false);
    case 'socket_error': {
      const failure = classifyError(end.error, phase);
      return new H2Failure(failure.kind === 'other' ? 'h2_protocol_error' : failure.kind, phase, failure.detail, end.unsent);
    }
    case 'socket_closed':
      return isAnswered
        ? new H2Failure('connection_reset', phase, 'HTTP/2 connection closed before the body ended', false)
        : new H2Failure('no_response', phase, 'HTTP/2 connection closed before a response', end.unsent);
    case 'goaway':
      return new H2Failure('h2_goaway', phase, `${end.detail} (this stream ${stream.id} above the last-stream-id)`, true);
    default:
      // connection_error, stream_error: a violation we answered with GOAWAY or RST_STREAM
      return new H2Failure('h2_protocol_error', phase, end.cause === 'stream_error' ? `${h2CodeName(end.code)}: ${end.detail}` : `connection error ${end.detail}`, end.unsent);
  }
}
