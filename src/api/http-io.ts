import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';

/** Request bodies larger than this are refused with 413 before they are parsed. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads the whole body, refusing more than `maxBytes` (413) — checked against
 * Content-Length first so an honest large upload is refused without reading it.
 */
export async function readBody(req: IncomingMessage, maxBytes: number = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw tooLarge(maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // The client closed the connection (or the request timeout did) before the body ended.
    throw new ClientGoneError();
  }
  return Buffer.concat(chunks);
}

/**
 * The request cannot be answered: its connection closed before the body arrived (a client
 * abort, or Node's request timeout, which already answered 408). A normal event: no log line,
 * no response.
 */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
  constructor() {
    super('the client closed the connection before the request body arrived');
  }
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'payload_too_large', `request body is larger than ${maxBytes} bytes`);
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Every request body must be declared JSON (415 otherwise), on every route, read or not.
 * Required, not assumed: a body without a JSON type is what a web page can send to another
 * origin without a CORS preflight (text/plain, a form, a Blob without a type).
 */
export function assertJsonBodyType(req: IncomingMessage): void {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return;
  const type = req.headers['content-type'];
  if (type === undefined || !JSON_TYPE.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', `expected Content-Type: application/json, got ${type === undefined ? 'none' : JSON.stringify(type)}`);
  }
}

/** Reads and parses a JSON body. A missing or non-JSON Content-Type is a 415; an empty body or bad JSON a 400. */
export async function readJsonBody(req: IncomingMessage, maxBytes?: number): Promise<unknown> {
  assertJsonBodyType(req);
  const raw = await readBody(req, maxBytes);
  if (raw.length === 0) throw new ApiError(400, 'invalid_json', 'request body is empty; expected a JSON object');
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (err) {
    throw new ApiError(400, 'invalid_json', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

