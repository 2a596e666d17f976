import { createServer, type Socket } from 'node:net';
import { HpackEncoder } from '../../../src/check/http2/hpack/index.js';
import { closer, listen, LOOPBACK_V4, TimerSet, trackSockets, type RecordedRequest, type TestServer } from './test-server.js';

/**
 * An HTTP/2 server on a bare socket (h2c prior knowledge) that speaks exactly the frames a
 * test scripts, for the peers node:http2 would never be: floods, endless CONTINUATION,
 * PUSH_PROMISE, bad padding, frames on closed streams, no SETTINGS. It parses what the
 * client sends (preface, SETTINGS, HEADERS, DATA, RST_STREAM, GOAWAY) and records it, so a
 * test can assert the client's GOAWAY code and RST_STREAM codes. Request header blocks are
 * not decoded (only counted); responses are encoded with our stateless HPACK encoder.
 */
export const F = {
  DATA: 0x0, HEADERS: 0x1, PRIORITY: 0x2, RST_STREAM: 0x3, SETTINGS: 0x4, PUSH_PROMISE: 0x5,
  PING: 0x6, GOAWAY: 0x7, WINDOW_UPDATE: 0x8, CONTINUATION: 0x9,
} as const;
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8 } as const;

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

interface RawH2Connection {
  readonly socket: Socket;
  readonly timers: TimerSet;
  /** writes one frame (ignored once the socket is gone) */
  frame(type: number, flags: number, streamId: number, payload?: Buffer): void;
  /** a response header block for `fields`, in one HEADERS frame */
  headers(streamId: number, fields: ReadonlyArray<readonly [string, string]>, endStream: boolean): void;
  data(streamId: number, body: Buffer | string, endStream: boolean): void;
  /**
   * Writes `count` copies of a frame as fast as the socket drains, in batches, until the
   * socket closes: a flood that stops when the client hangs up. Resolves with frames written.
   */
  flood(frame: Buffer, count: number): Promise<number>;
}

export interface RawH2Options {
  /** our SETTINGS at connection start (null: never send SETTINGS) */
  readonly settings?: ReadonlyArray<readonly [number, number]> | null;
  /** acknowledge the client's SETTINGS (default true) */
  readonly ackSettings?: boolean;
  /** a request (HEADERS with END_STREAM, or its body complete) on `streamId` */
  readonly onRequest: (conn: RawH2Connection, streamId: number, body: Buffer) => void;
}

/** What the client sent, for assertions. */
interface ClientFrames {
  /** every GOAWAY error code the client sent, in order */
  readonly goawayCodes: number[];
  /** every RST_STREAM [streamId, code] */
  readonly resets: Array<readonly [number, number]>;
  /** streams opened (HEADERS), across connections */
  readonly streams: number[];
  readonly connections: number;
}

export interface RawH2Server extends TestServer {
  readonly client: ClientFrames;
  /** resolves once the client closed (or reset) every connection it opened */
  whenClientsGone(): Promise<void>;
}

export function frameBytes(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(9 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId & 0x7fffffff, 5);
  payload.copy(out, 9);
  return out;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

function settingsPayload(settings: ReadonlyArray<readonly [number, number]>): Buffer {
  const out = Buffer.alloc(settings.length * 6);
  settings.forEach(([id, value], i) => {
    out.writeUInt16BE(id, i * 6);
    out.writeUInt32BE(value >>> 0, i * 6 + 2);
  });
  return out;
}

export function encodeFields(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  return new HpackEncoder().encode(fields);
}

/**
 * One field as an HPACK literal without indexing with a new name, no Huffman (RFC 7541
 * §6.2.2), byte by byte: for names our encoder refuses to produce (upper case). Lengths < 127.
 */
export function literalField(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x00, name.length]), Buffer.from(name, 'latin1'), Buffer.from([value.length]), Buffer.from(value, 'latin1')]);
}

export async function startRawH2Server(options: RawH2Options): Promise<RawH2Server> {
  const timers = new TimerSet();
  const client = { goawayCodes: [] as number[], resets: [] as Array<readonly [number, number]>, streams: [] as number[], connections: 0 };
  const requests: RecordedRequest[] = [];
  const open = new Set<Socket>();
  const goneWaiters: Array<() => void> = [];
  const server = createServer((socket) => {
    client.connections++;
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      if (open.size === 0) for (const resolve of goneWaiters.splice(0)) resolve();
    });
    serve(socket, options, timers, client, requests);
  });
  const sockets = trackSockets(server);
  const port = await listen(server);
  return {
    host: LOOPBACK_V4,
    port,
    url: `http://${LOOPBACK_V4}:${port}/`,
    requests,
    client,
    whenClientsGone: () => (open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => goneWaiters.push(resolve))),
    close: closer(server, sockets, [() => timers.clear()]),
  };
}

function serve(socket: Socket, options: RawH2Options, timers: TimerSet, client: ClientFrames & { goawayCodes: number[]; streams: number[] }, requests: RecordedRequest[]): void {
  socket.on('error', () => undefined);
  socket.setNoDelay(true);
  const conn: RawH2Connection = {
    socket,
    timers,
    frame(type, flags, streamId, payload) {
      if (!socket.destroyed && socket.writable) socket.write(frameBytes(type, flags, streamId, payload));
    },
    headers(streamId, fields, endStream) {
      this.frame(F.HEADERS, FLAG.END_HEADERS | (endStream ? FLAG.END_STREAM : 0), streamId, encodeFields(fields));
    },
    data(streamId, body, endStream) {
      this.frame(F.DATA, endStream ? FLAG.END_STREAM : 0, streamId, Buffer.from(body));
    },
    flood(frame, count) {
      return new Promise<number>((resolve) => {
        let written = 0;
        const batch = Buffer.concat(Array.from({ length: 256 }, () => frame));
        const pump = (): void => {
          while (written < count && !socket.destroyed && socket.writable) {
            written += 256;
            if (!socket.write(batch)) return void socket.once('drain', pump);
          }
          resolve(written);
        };
        socket.once('close', () => resolve(written));
        pump();
      });
    },
  };
  if (options.settings !== null) conn.frame(F.SETTINGS, 0, 0, settingsPayload(options.settings ?? []));
  let buffered = Buffer.alloc(0);
  let sawPreface = false;
  const bodies = new Map<number, Buffer[]>();
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (!sawPreface) {
      if (buffered.length < PREFACE.length) return;
      if (!buffered.subarray(0, PREFACE.length).equals(PREFACE)) return void socket.destroy();
      sawPreface = true;
      buffered = buffered.subarray(PREFACE.length);
    }
    while (buffered.length >= 9) {
      const length = buffered.readUIntBE(0, 3);
      if (buffered.length < 9 + length) break;
      const type = buffered[3] as number;
      const flags = buffered[4] as number;
      const streamId = buffered.readUInt32BE(5) & 0x7fffffff;
      const payload = Buffer.from(buffered.subarray(9, 9 + length));
      buffered = buffered.subarray(9 + length);
      if (type === F.SETTINGS && (flags & FLAG.ACK) === 0) {
        if (options.ackSettings !== false) conn.frame(F.SETTINGS, FLAG.ACK, 0);
      } else if (type === F.GOAWAY) client.goawayCodes.push(payload.readUInt32BE(4));
      else if (type === F.RST_STREAM) client.resets.push([streamId, payload.readUInt32BE(0)]);
      else if (type === F.HEADERS) {
        client.streams.push(streamId);
        requests.push({ method: '', path: '', headers: {}, body: '' });
        bodies.set(streamId, []);
        if ((flags & FLAG.END_STREAM) !== 0) options.onRequest(conn, streamId, Buffer.alloc(0));
      } else if (type === F.DATA) {
        const parts = bodies.get(streamId);
        parts?.push(payload);
        if ((flags & FLAG.END_STREAM) !== 0) options.onRequest(conn, streamId, Buffer.concat(parts ?? []));
      }
    }
  });
}
