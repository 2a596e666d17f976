/**
 * The same GET / → 200 "ok" done by our executor and by the alternatives, each as a
 * `() => Promise<boolean>` (true = a 200 came back), so the side-by-side bench can run
 * them through one loop.
 */
import { get as httpGet } from 'node:http';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type SecureContext } from 'node:tls';
import type { ClientHttp2Session } from 'node:http2';
import { Client } from 'undici';
import { executeCheck, type Clients } from '../../src/check/index.js';
import type { CheckSpec, HttpCheckSpec } from '../../src/domain/check-spec.js';
import { firstHopPlan } from '../../src/check/http/hop-plan.js';
import { exchangeHttp2 } from '../../src/check/http/h2/exchange.js';
import type { H2Session } from '../../src/check/http2/session.js';
import { HpackEncoder } from '../../src/check/http2/hpack/index.js';
import { CheckContext } from '../../src/check/context/check-context.js';
import { PhaseTimer } from '../../src/check/context/phase-timer.js';

export type RequestFn = () => Promise<boolean>;

const HOST = '127.0.0.1';
const RAW_REQUEST = `GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`;
const STATUS_200 = 'HTTP/1.1 200';

/** Our check, all phases recorded, the result built and judged. */
export function oursCheck(spec: CheckSpec, clients: Clients): RequestFn {
  return async () => (await executeCheck(spec, clients)).status === 'up';
}

/** node:http with `agent: false`: a new connection per request. */
export function nodeHttpAgentFalse(port: number): RequestFn {
  return () =>
    new Promise((resolve, reject) => {
      httpGet({ host: HOST, port, path: '/', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', reject);
      }).on('error', reject);
    });
}

/** undici with a new Client (so a new connection) per request, closed after it. */
export function undiciFresh(port: number): RequestFn {
  const origin = `http://${HOST}:${port}`;
  return async () => {
    const client = new Client(origin, { pipelining: 0 });
    try {
      const { statusCode, body } = await client.request({ path: '/', method: 'GET', reset: true });
      await body.dump();
      return statusCode === 200;
    } finally {
      await client.close();
    }
  };
}

/** The floor: connect, write a fixed GET with Connection: close, read until the end. */
export function rawSocket(port: number): RequestFn {
  return () =>
    new Promise((resolve, reject) => {
      let head = '';
      const socket = netConnect({ host: HOST, port }, () => socket.write(RAW_REQUEST));
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        if (head.length < STATUS_200.length) head += chunk;
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(head.startsWith(STATUS_200)));
    });
}

/** The TLS floor: one full handshake with a shared SecureContext, then the same raw GET. */
export function rawTlsRequest(port: number, secureContext: SecureContext): RequestFn {
  return () =>
    new Promise((resolve, reject) => {
      let head = '';
      const socket = tlsConnect({ host: HOST, port, secureContext }, () => socket.write(RAW_REQUEST));
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        if (head.length < STATUS_200.length) head += chunk;
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(head.startsWith(STATUS_200)));
    });
}

const H2_PREFACE_AND_SETTINGS = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), Buffer.from([0, 0, 0, 0x4, 0, 0, 0, 0, 0])]);

/** HEADERS (END_STREAM | END_HEADERS) on stream 1 carrying `block`. */
function h2HeadersFrame(block: Buffer): Buffer {
  const frame = Buffer.alloc(9 + block.length);
  frame.writeUIntBE(block.length, 0, 3);
  frame[3] = 0x1;
  frame[4] = 0x5;
  frame.writeUInt32BE(1, 5);
  block.copy(frame, 9);
  return frame;
}

/**
 * The h2 floor over TLS: one handshake offering only h2, then the preface, an empty
 * SETTINGS and one GET as a hand-framed HEADERS with a block encoded once; frames are
 * scanned (not decoded) until stream 1 ends. A 200 is a response HEADERS block that opens
 * with HPACK's indexed `:status: 200` (0x88).
 */
export function rawTlsH2Request(port: number, secureContext: SecureContext): RequestFn {
  const request = Buffer.concat([H2_PREFACE_AND_SETTINGS, h2HeadersFrame(new HpackEncoder().encode([[':method', 'GET'], [':scheme', 'https'], [':authority', `${HOST}:${port}`], [':path', '/']]))]);
  return () =>
    new Promise((resolve, reject) => {
      let buffered: Buffer = Buffer.alloc(0);
      let isOk = false;
      const socket = tlsConnect({ host: HOST, port, secureContext, ALPNProtocols: ['h2'] }, () => socket.write(request));
      socket.on('data', (chunk: Buffer) => {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        while (buffered.length >= 9) {
          const length = buffered.readUIntBE(0, 3);
          if (buffered.length < 9 + length) return;
          const type = buffered[3];
          const flags = buffered[4] as number;
          const streamId = buffered.readUInt32BE(5) & 0x7fffffff;
          if (streamId === 1 && type === 0x1 && buffered[9] === 0x88) isOk = true;
          buffered = buffered.subarray(9 + length);
          if (streamId === 1 && (flags & 0x1) !== 0) return void socket.end();
        }
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(isOk));
    });
}

/** One TLS handshake and nothing else: what a TLS check costs at least. */
export function tlsHandshakeOnly(port: number, secureContext: SecureContext): RequestFn {
  return () =>
    new Promise((resolve, reject) => {
      let isAuthorized = false;
      const socket = tlsConnect({ host: HOST, port, secureContext }, () => {
        isAuthorized = socket.authorized;
        socket.end();
      });
      socket.on('error', reject);
      socket.resume();
      socket.on('close', () => resolve(isAuthorized));
    });
}

/** The headers our check sends (user agent, accept, accept-encoding), for a like-for-like bare request. */
export const CHECK_LIKE_H2_HEADERS = Object.freeze({
  ':method': 'GET',
  ':scheme': 'http',
  ':path': '/',
  'user-agent': 'Vigil/0.1 (+uptime check)',
  accept: '*/*',
  'accept-encoding': 'gzip, br',
});

/** A bare node:http2 request on one already-connected session (`:path` only, or given headers). */
export function bareHttp2(session: ClientHttp2Session, headers: Readonly<Record<string, string>> = { ':path': '/' }): RequestFn {
  return () =>
    new Promise((resolve, reject) => {
      let status = 0;
      const stream = session.request({ ...headers }, { endStream: true });
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.resume();
      stream.on('error', reject);
      stream.on('close', () => resolve(status === 200));
    });
}

/**
 * Our HTTP/2 engine alone (`exchangeHttp2`: one stream with the check's headers, phase marks,
 * the three response headers picked, the body collected) on an already-connected session of
 * our engine:
 * no pool, no budget timer, no verdict, no result. Separates the engine's cost from the
 * orchestration's in `compare/h2c`.
 */
export function oursH2Engine(session: H2Session, spec: HttpCheckSpec, clients: Clients): RequestFn {
  const request = firstHopPlan(spec, clients).request;
  return async () => {
    const ctx = new CheckContext(new PhaseTimer(), 10_000);
    return (await exchangeHttp2(session, request, ctx)).statusCode === 200;
  };
}

/** The session pool (lease, stream, release) and the engine: pooled mode minus the orchestration. */
export function oursH2Pool(spec: HttpCheckSpec, clients: Clients): RequestFn {
  const plan = firstHopPlan(spec, clients);
  const connect = plan.h2Connect;
  if (connect === undefined) throw new Error('oursH2Pool: expected a pooled prior-knowledge spec');
  return async () => {
    const ctx = new CheckContext(new PhaseTimer(), 10_000);
    return (await clients.h2Pool.exchange(plan.poolKey, connect, plan.request, ctx)).statusCode === 200;
  };
}
