import type { Socket } from 'node:net';
import { afterDelay, chooseAction, type MockConfig } from './mock-behaviour.js';

/**
 * The HTTP/1.1 mock on the raw socket: reads one request head, answers with prebuilt bytes and
 * `Connection: close`, then ends the socket. A node:http server builds a parser, an
 * IncomingMessage and a ServerResponse per connection; in a connect-churn run that server work
 * would be a large share of the CPU the harness is meant to spend on the executor. Request
 * bodies are not expected (the harness sends GET); a head over 16 KiB is refused with 431.
 */
const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const OK_PREFIX = Buffer.from('GET /ok ');

function response(statusCode: number, reason: string, body: string): Buffer {
  return Buffer.from(
    `HTTP/1.1 ${statusCode} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

const OK = response(200, 'OK', 'ok');
const NOT_FOUND = response(404, 'Not Found', '');
const TOO_LARGE = response(431, 'Request Header Fields Too Large', '');

function faultResponse(statusCode: number): Buffer {
  return response(statusCode, 'Injected Fault', 'injected fault');
}

export function serveRawHttp1(socket: Socket, config: MockConfig): void {
  let head: Buffer | null = null;
  socket.on('error', () => undefined);
  const onData = (chunk: Buffer): void => {
    head = head === null ? chunk : Buffer.concat([head, chunk]);
    if (head.indexOf(HEAD_END) === -1) {
      if (head.length > MAX_HEAD_BYTES) {
        socket.off('data', onData);
        socket.end(TOO_LARGE);
      }
      return;
    }
    socket.off('data', onData);
    answer(socket, head, config);
  };
  socket.on('data', onData);
}

function answer(socket: Socket, head: Buffer, config: MockConfig): void {
  if (head.compare(OK_PREFIX, 0, OK_PREFIX.length, 0, OK_PREFIX.length) !== 0) return void socket.end(NOT_FOUND);
  const action = chooseAction(config, Math.random);
  if (action.type === 'reset') return void socket.resetAndDestroy();
  if (action.type === 'close') return void socket.destroy();
  const bytes = action.type === 'status' ? faultResponse(action.statusCode) : OK;
  const cancel = afterDelay(action.delayMs, () => {
    if (!socket.destroyed) socket.end(bytes);
  });
  if (action.delayMs > 0) socket.once('close', cancel);
}
