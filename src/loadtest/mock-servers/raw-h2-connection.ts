import type { Socket } from 'node:net';
import { afterDelay, chooseAction, type MockConfig } from './mock-behaviour.js';

/**
 * A minimal HTTP/2 server connection for the load-test mocks (RFC 9113), written against the
 * raw socket so a mock stream costs a few microseconds instead of a node:http2 Http2Stream
 * (a Duplex per stream, on both sides of a 50,000-stream run). It speaks just enough h2:
 * preface, SETTINGS (+ACK), PING (ACK), WINDOW_UPDATE (connection send window), HEADERS and
 * CONTINUATION, RST_STREAM, GOAWAY. It never decodes HPACK: every request stream is answered
 * (the harness only asks `GET /ok`), so the request headers are skipped, which is legal for a
 * peer that keeps no decoder state it would need later. Responses are encoded without the
 * dynamic table. Faults and delays follow the shared mock behaviour.
 */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const FRAME_HEADER_BYTES = 9;
const MAX_FRAME_BYTES = 16_384;
const T_DATA = 0x0;
const T_HEADERS = 0x1;
const T_RST_STREAM = 0x3;
const T_SETTINGS = 0x4;
const T_PING = 0x6;
const T_GOAWAY = 0x7;
const T_WINDOW_UPDATE = 0x8;
const T_CONTINUATION = 0x9;
const F_END_STREAM = 0x1;
const F_ACK = 0x1;
const F_END_HEADERS = 0x4;
const E_NO_ERROR = 0x0;
const E_PROTOCOL_ERROR = 0x1;
const E_INTERNAL_ERROR = 0x2;
const E_FRAME_SIZE_ERROR = 0x6;
const DEFAULT_WINDOW = 65_535;

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId & 0x7fffffff, 5);
  payload.copy(out, FRAME_HEADER_BYTES);
  return out;
}

/** HPACK: `:status` literal without indexing (name = static index 8), then content-length (index 28). */
function responseHeaderBlock(statusCode: number, bodyBytes: number): Buffer {
  const length = String(bodyBytes);
  return Buffer.from([0x08, 0x03, ...Buffer.from(String(statusCode)), 0x0f, 0x0d, length.length, ...Buffer.from(length)]);
}

const OK_BODY = Buffer.from('ok');
const ERROR_BODY = Buffer.from('injected fault');
const OK_HEADERS = responseHeaderBlock(200, OK_BODY.length);
const u32 = (n: number): Buffer => {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
};
const SERVER_SETTINGS = frame(
  T_SETTINGS,
  0,
  0,
  Buffer.concat([Buffer.from([0x00, 0x03]), u32(0x7fffffff), Buffer.from([0x00, 0x04]), u32(1 << 20)]),
);
const SETTINGS_ACK = frame(T_SETTINGS, F_ACK, 0, Buffer.alloc(0));

export function serveRawH2(socket: Socket, config: MockConfig): void {
  new RawH2Connection(socket, config);
}

class RawH2Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private sawPreface = false;
  private out: Buffer[] = [];
  private sendWindow = DEFAULT_WINDOW;
  /** responses waiting for connection send window (DATA is flow-controlled) */
  private readonly blocked: Array<{ streamId: number; statusCode: number; body: Buffer }> = [];
  /** delayed answers, cancelled by RST_STREAM or the socket closing */
  private readonly pending = new Map<number, () => void>();
  private headersStreamId = 0;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly config: MockConfig,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      for (const cancel of this.pending.values()) cancel();
      this.pending.clear();
    });
    this.out.push(SERVER_SETTINGS);
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (!this.sawPreface) {
      if (this.buffered.length < PREFACE.length) return;
      if (!this.buffered.subarray(0, PREFACE.length).equals(PREFACE)) return this.goAway(E_PROTOCOL_ERROR);
      this.sawPreface = true;
      this.buffered = this.buffered.subarray(PREFACE.length);
    }
    let offset = 0;
    while (!this.closed && this.buffered.length - offset >= FRAME_HEADER_BYTES) {
      const length = this.buffered.readUIntBE(offset, 3);
      if (length > MAX_FRAME_BYTES) return this.goAway(E_FRAME_SIZE_ERROR);
      if (this.buffered.length - offset < FRAME_HEADER_BYTES + length) break;
      const type = this.buffered[offset + 3] ?? 0;
      const flags = this.buffered[offset + 4] ?? 0;
      const streamId = this.buffered.readUInt32BE(offset + 5) & 0x7fffffff;
      const payload = this.buffered.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length);
      offset += FRAME_HEADER_BYTES + length;
      this.onFrame(type, flags, streamId, payload);
    }
    this.buffered = offset === this.buffered.length ? Buffer.alloc(0) : Buffer.from(this.buffered.subarray(offset));
    this.flush();
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (type === T_HEADERS || type === T_CONTINUATION) {
      if (type === T_HEADERS) this.headersStreamId = streamId;
      if ((flags & F_END_HEADERS) !== 0) this.onRequest(this.headersStreamId);
    } else if (type === T_SETTINGS) {
      if ((flags & F_ACK) === 0) this.out.push(SETTINGS_ACK);
    } else if (type === T_PING) {
      if ((flags & F_ACK) === 0) this.out.push(frame(T_PING, F_ACK, 0, Buffer.from(payload)));
    } else if (type === T_WINDOW_UPDATE) {
      if (streamId === 0) this.sendWindow += payload.readUInt32BE(0) & 0x7fffffff;
      this.unblock();
    } else if (type === T_RST_STREAM) {
      this.pending.get(streamId)?.();
      this.pending.delete(streamId);
    } else if (type === T_GOAWAY) {
      this.socket.end();
    }
    // DATA, PRIORITY and unknown frame types carry nothing the mock needs.
  }

  private onRequest(streamId: number): void {
    const action = chooseAction(this.config, Math.random);
    if (action.type === 'reset') return void this.out.push(frame(T_RST_STREAM, 0, streamId, u32(E_INTERNAL_ERROR)));
    if (action.type === 'close') return void this.out.push(frame(T_RST_STREAM, 0, streamId, u32(E_NO_ERROR)));
    const statusCode = action.type === 'status' ? action.statusCode : 200;
    const body = statusCode === 200 ? OK_BODY : ERROR_BODY;
    if (action.delayMs <= 0) return this.respond(streamId, statusCode, body);
    const cancel = afterDelay(action.delayMs, () => {
      this.pending.delete(streamId);
      if (this.closed) return;
      this.respond(streamId, statusCode, body);
      this.flush();
    });
    this.pending.set(streamId, cancel);
  }

  private respond(streamId: number, statusCode: number, body: Buffer): void {
    if (this.blocked.length > 0 || this.sendWindow < body.length) return void this.blocked.push({ streamId, statusCode, body });
    this.sendWindow -= body.length;
    const headers = statusCode === 200 ? OK_HEADERS : responseHeaderBlock(statusCode, body.length);
    this.out.push(frame(T_HEADERS, F_END_HEADERS, streamId, headers), frame(T_DATA, F_END_STREAM, streamId, body));
  }

  private unblock(): void {
    const waiting = this.blocked.splice(0, this.blocked.length);
    for (const r of waiting) this.respond(r.streamId, r.statusCode, r.body);
  }

  private flush(): void {
    if (this.out.length === 0 || this.closed) return;
    const bytes = this.out.length === 1 ? (this.out[0] as Buffer) : Buffer.concat(this.out);
    this.out = [];
    this.socket.write(bytes);
  }

  private goAway(code: number): void {
    this.out.push(frame(T_GOAWAY, 0, 0, Buffer.concat([u32(0), u32(code)])));
    this.flush();
    this.closed = true;
    this.socket.end();
  }
}
