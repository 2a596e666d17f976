// Our HPACK codec against a real peer: node:http2's server (nghttp2). The client side is a raw
// TCP socket writing frames by hand, so only our encoder produces the request blocks and only
// our decoder reads the responses (which nghttp2 encodes with its dynamic table and Huffman).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, sensitiveHeaders, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { HpackDecoder, HpackEncoder } from '../../src/check/http2/hpack/index.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const DATA = 0x0;
const HEADERS = 0x1;
const SETTINGS = 0x4;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const ACK = 0x1;

function frame(type: number, flags: number, streamId: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** Frames as they arrive; the server's SETTINGS are acknowledged so it keeps talking. */
function readFrames(socket: Socket, onFrame: (f: Frame) => void): void {
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 9) {
      const length = pending.readUIntBE(0, 3);
      if (pending.length < 9 + length) break;
      const f = { type: pending[3] as number, flags: pending[4] as number, streamId: pending.readUInt32BE(5) & 0x7fff_ffff, payload: pending.subarray(9, 9 + length) };
      pending = pending.subarray(9 + length);
      if (f.type === SETTINGS && (f.flags & ACK) === 0) socket.write(frame(SETTINGS, ACK, 0));
      onFrame(f);
    }
  });
}

interface Seen {
  readonly raw: string[];
  readonly sensitive: readonly string[];
}

describe('HPACK against node:http2 (nghttp2)', () => {
  it('the server reads our blocks exactly, credentials never indexed; we read its responses', async () => {
    const seen: Seen[] = [];
    const server = createServer();
    server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
      const sensitive = (headers as Record<symbol, unknown>)[sensitiveHeaders];
      seen.push({ raw: rawHeaders, sensitive: Array.isArray(sensitive) ? (sensitive as string[]) : [] });
      stream.respond({ ':status': 200, 'content-type': 'text/plain; charset=utf-8', 'x-reply': `hello ${seen.length}`, 'cache-control': 'no-store' });
      stream.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    try {
      await once(socket, 'connect');
      const responses = new Map<number, Array<[string, string]>>();
      const responseBlockBytes = new Map<number, number>();
      const ended = new Set<number>();
      const decoder = new HpackDecoder();
      let allEnded: () => void = () => {};
      const done = new Promise<void>((resolve) => (allEnded = resolve));
      readFrames(socket, (f) => {
        if (f.type === HEADERS) {
          assert.equal(f.flags & (0x8 | 0x20), 0, 'no padding or priority in the server HEADERS');
          assert.ok((f.flags & END_HEADERS) !== 0);
          const fields: Array<[string, string]> = [];
          decoder.decode(f.payload, (name, value) => fields.push([name, value]));
          responses.set(f.streamId, fields);
          responseBlockBytes.set(f.streamId, f.payload.length);
        }
        if ((f.type === DATA || f.type === HEADERS) && (f.flags & END_STREAM) !== 0) ended.add(f.streamId);
        if (ended.size === 2) allEnded();
      });

      const encoder = new HpackEncoder();
      const request = (path: string): Array<[string, string]> => [
        [':method', 'GET'],
        [':scheme', 'http'],
        [':authority', `127.0.0.1:${port}`],
        [':path', path],
        ['user-agent', 'vigil-hpack-conformance/1.0 (+https://example.com/monitoring)'],
        ['accept', '*/*'],
        ['authorization', 'Bearer c2VjcmV0LXRva2Vu'],
        ['cookie', 'session=abc123'],
        ['x-trace', 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'],
      ];
      const first = request('/hpack?x=1');
      const second = request('/second');
      const firstBlock = encoder.encode(first);
      // Huffman made the block shorter than its raw literal octets would be
      assert.ok(firstBlock.length < first.reduce((n, [k, v]) => n + k.length + v.length, 0) - 40);
      socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0), frame(HEADERS, END_STREAM | END_HEADERS, 1, firstBlock), frame(HEADERS, END_STREAM | END_HEADERS, 3, encoder.encode(second))]));
      await done;

      assert.deepEqual(seen.map((s) => s.raw), [first.flat(), second.flat()]);
      for (const s of seen) assert.deepEqual([...s.sensitive].sort(), ['authorization', 'cookie']);
      // the second response reuses nghttp2's dynamic table entries from the first: one byte per
      // repeated field instead of a literal
      assert.ok((responseBlockBytes.get(3) ?? 0) < (responseBlockBytes.get(1) ?? 0) - 20, `response blocks ${[...responseBlockBytes.values()].join(', ')} bytes`);
      for (const [streamId, n] of [[1, 1], [3, 2]] as const) {
        const fields = responses.get(streamId) ?? [];
        assert.deepEqual(
          fields.filter(([name]) => name !== 'date'),
          [[':status', '200'], ['content-type', 'text/plain; charset=utf-8'], ['x-reply', `hello ${n}`], ['cache-control', 'no-store']],
        );
        assert.equal(fields.filter(([name]) => name === 'date').length, 1);
      }
    } finally {
      socket.destroy();
      server.close();
    }
  });
});
