import {
  CLIENT_PREFACE,
  FLAG_ACK,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FRAME_CONTINUATION,
  FRAME_DATA,
  FRAME_GOAWAY,
  FRAME_HEADER_BYTES,
  FRAME_HEADERS,
  FRAME_PING,
  FRAME_RST_STREAM,
  FRAME_SETTINGS,
  FRAME_WINDOW_UPDATE,
} from './constants.js';

/** Writes a frame header (RFC 9113 §4.1) at `offset` of `out`. */
function writeFrameHeader(out: Buffer, offset: number, length: number, type: number, flags: number, streamId: number): void {
  out[offset] = (length >>> 16) & 0xff;
  out[offset + 1] = (length >>> 8) & 0xff;
  out[offset + 2] = length & 0xff;
  out[offset + 3] = type;
  out[offset + 4] = flags;
  out.writeUInt32BE(streamId & 0x7fffffff, offset + 5);
}

function frameHeader(length: number, type: number, flags: number, streamId: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  writeFrameHeader(out, 0, length, type, flags, streamId);
  return out;
}

/** A SETTINGS frame with the given [identifier, value] pairs. */
function settingsFrame(settings: ReadonlyArray<readonly [number, number]>): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + settings.length * 6);
  writeFrameHeader(out, 0, settings.length * 6, FRAME_SETTINGS, 0, 0);
  let offset = FRAME_HEADER_BYTES;
  for (const [id, value] of settings) {
    out.writeUInt16BE(id, offset);
    out.writeUInt32BE(value >>> 0, offset + 2);
    offset += 6;
  }
  return out;
}

export const SETTINGS_ACK_FRAME: Buffer = frameHeader(0, FRAME_SETTINGS, FLAG_ACK, 0);

export function pingAckFrame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 8);
  writeFrameHeader(out, 0, 8, FRAME_PING, FLAG_ACK, 0);
  payload.copy(out, FRAME_HEADER_BYTES, 0, 8);
  return out;
}

export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 4);
  writeFrameHeader(out, 0, 4, FRAME_WINDOW_UPDATE, 0, streamId);
  out.writeUInt32BE(increment & 0x7fffffff, FRAME_HEADER_BYTES);
  return out;
}

export function rstStreamFrame(streamId: number, code: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 4);
  writeFrameHeader(out, 0, 4, FRAME_RST_STREAM, 0, streamId);
  out.writeUInt32BE(code >>> 0, FRAME_HEADER_BYTES);
  return out;
}

export function goawayFrame(lastStreamId: number, code: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 8);
  writeFrameHeader(out, 0, 8, FRAME_GOAWAY, 0, 0);
  out.writeUInt32BE(lastStreamId & 0x7fffffff, FRAME_HEADER_BYTES);
  out.writeUInt32BE(code >>> 0, FRAME_HEADER_BYTES + 4);
  return out;
}

/**
 * HEADERS (+ CONTINUATION when the block is larger than the peer's frame size) for `block`,
 * as one buffer: a request is one write of a few dozen bytes.
 */
export function headersFrames(streamId: number, block: Buffer, endStream: boolean, maxFrameBytes: number): Buffer {
  const endFlag = endStream ? FLAG_END_STREAM : 0;
  if (block.length <= maxFrameBytes) {
    const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + block.length);
    writeFrameHeader(out, 0, block.length, FRAME_HEADERS, endFlag | FLAG_END_HEADERS, streamId);
    block.copy(out, FRAME_HEADER_BYTES);
    return out;
  }
  const frames = Math.ceil(block.length / maxFrameBytes);
  const out = Buffer.allocUnsafe(frames * FRAME_HEADER_BYTES + block.length);
  let offset = 0;
  for (let i = 0, at = 0; i < frames; i++, at += maxFrameBytes) {
    const length = Math.min(maxFrameBytes, block.length - at);
    const isLast = i === frames - 1;
    const type = i === 0 ? FRAME_HEADERS : FRAME_CONTINUATION;
    const flags = (i === 0 ? endFlag : 0) | (isLast ? FLAG_END_HEADERS : 0);
    writeFrameHeader(out, offset, length, type, flags, streamId);
    block.copy(out, offset + FRAME_HEADER_BYTES, at, at + length);
    offset += FRAME_HEADER_BYTES + length;
  }
  return out;
}

export function dataFrameHeader(streamId: number, length: number, endStream: boolean): Buffer {
  return frameHeader(length, FRAME_DATA, endStream ? FLAG_END_STREAM : 0, streamId);
}

/** The client connection preface: the magic, our SETTINGS and the connection window update. */
export function clientPreface(settings: ReadonlyArray<readonly [number, number]>, connectionWindowIncrement: number): Buffer {
  const parts = [CLIENT_PREFACE, settingsFrame(settings)];
  if (connectionWindowIncrement > 0) parts.push(windowUpdateFrame(0, connectionWindowIncrement));
  return Buffer.concat(parts);
}
