/**
 * Every bound the engine puts on its peer, as a named constant (a hostile server hits each
 * one in test/check/http2-hostile.test.ts). A protocol engine distrusts its peer: no buffer,
 * window or frame count grows without a limit.
 */

/** What the engine is told by its user (the check's limits). */
export interface H2Limits {
  /**
   * Header list bytes (RFC 7541 §4.1 sizes) of one response we accept; sent as
   * SETTINGS_MAX_HEADER_LIST_SIZE. The compressed header block (HEADERS + CONTINUATION) is
   * bounded by the same number of bytes.
   */
  readonly maxHeaderListBytes: number;
}

/** Our SETTINGS_MAX_FRAME_SIZE: the protocol default; a larger frame is FRAME_SIZE_ERROR. */
export const MAX_FRAME_BYTES = 16_384;

/**
 * Our SETTINGS_INITIAL_WINDOW_SIZE (per stream) and the connection window we open at start.
 * A stream's window is replenished when half is consumed, so a body of any size arrives; the
 * check's body cap, not the window, bounds what a stream keeps.
 */
export const STREAM_WINDOW_BYTES = 1024 * 1024;
export const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;

/** CONTINUATION frames in one header block, at most (endless empty CONTINUATION frames). */
export const MAX_CONTINUATION_FRAMES = 64;

/**
 * Frames that make no progress on any request (SETTINGS, PING, PRIORITY, empty DATA, unknown
 * types, frames on closed streams) allowed per second; past it the peer gets GOAWAY
 * ENHANCE_YOUR_CALM (a SETTINGS or PING flood).
 */
export const MAX_IDLE_FRAMES_PER_SECOND = 1_000;

/**
 * Frames all sessions of one Clients parse per turn of the event loop, at most (read-turn.ts).
 * 2,048 frames are about 1,000 small responses: at ~15 µs of work per completed check in
 * the load generator, 15-20 ms of work per poll phase, still large batches of writes.
 */
export const MAX_FRAMES_PER_TURN = 2_048;

/** Bytes we may have queued on the socket before we stop answering a peer that does not read. */
export const MAX_OUTBOUND_BUFFERED_BYTES = 4 * 1024 * 1024;

/** The peer must acknowledge our SETTINGS within this long (else GOAWAY SETTINGS_TIMEOUT). */
export const SETTINGS_ACK_TIMEOUT_MS = 10_000;

/** Streams reset by us whose late frames are still ignored (not a protocol error), at most. */
export const MAX_RECENTLY_RESET = 1_024;

/** A connection we closed after a GOAWAY is destroyed if the peer has not closed it by then. */
export const CLOSE_GRACE_MS = 2_000;

/** Bytes of a GOAWAY's debug data kept for the detail. */
export const MAX_GOAWAY_DEBUG_BYTES = 256;
