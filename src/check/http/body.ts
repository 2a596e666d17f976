import { brotliDecompress, gunzip, inflate, inflateRaw, type InputType, type ZlibOptions } from 'node:zlib';
import type { Limits } from '../exchange-types.js';
import { CheckFailure } from '../errors/check-failure.js';
import { describeError } from '../errors/classify.js';
import type { HopResponse } from '../exchange-types.js';

export interface DecodedBody {
  /** decoded body (null when nothing was read) */
  readonly body: Buffer | null;
  readonly bytes: number | null;
  /** the body is incomplete (raw or decoded cap hit) */
  readonly overCap: boolean;
  /** decoding failed; the check fails on it only when it needs the body */
  readonly failure: CheckFailure | null;
}

type Decoder = (buf: InputType, options: ZlibOptions, cb: (err: Error | null, out: Buffer) => void) => void;

const DECODERS: Readonly<Record<string, Decoder>> = {
  gzip: gunzip,
  'x-gzip': gunzip,
  br: brotliDecompress as unknown as Decoder,
  deflate: (buf, options, cb) =>
    // "deflate" is specified as zlib-wrapped, but many servers send raw deflate: try both.
    inflate(buf, options, (err, out) => (err === null ? cb(null, out) : inflateRaw(buf, options, cb))),
};

function decodeOnce(decoder: Decoder, input: Buffer, maxOutputLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    decoder(input, { maxOutputLength }, (err, out) => (err === null ? resolve(out) : reject(err)));
  });
}

/** No content coding: the body is what was read, no decoding step (and no async hop) needed. */
export function isIdentity(response: HopResponse): boolean {
  const encoding = response.headers.contentEncoding;
  return encoding === undefined || encoding === '' || encoding === 'identity';
}

export function identityBody(response: HopResponse): DecodedBody {
  const chunks = response.bodyChunks;
  const body = chunks.length === 1 ? (chunks[0] as Buffer) : chunks.length === 0 ? EMPTY : Buffer.concat(chunks);
  return { body, bytes: body.length, overCap: response.bodyTruncated, failure: null };
}

const EMPTY = Buffer.alloc(0);

/**
 * Decodes the body (gzip, br, deflate; several codings are undone in reverse order) in the
 * zlib thread pool, capped at limits.maxDecodedBytes so a compression bomb stops early.
 */
export async function decodeBody(response: HopResponse, limits: Limits): Promise<DecodedBody> {
  if (isIdentity(response) || (response.bodyChunks.length === 0 && response.rawBodyBytes === 0)) return identityBody(response);
  const raw = response.bodyChunks.length === 1 ? (response.bodyChunks[0] as Buffer) : Buffer.concat(response.bodyChunks);
  const encoding = response.headers.contentEncoding as string;
  if (response.bodyTruncated) {
    // A cut-off compressed stream cannot be decoded meaningfully.
    return { body: null, bytes: null, overCap: true, failure: null };
  }
  const codings = encoding.toLowerCase().split(',').map((c) => c.trim()).filter((c) => c !== '' && c !== 'identity');
  let body = raw;
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i] as string;
    const decoder = DECODERS[coding];
    if (decoder === undefined) {
      return { body: null, bytes: null, overCap: false, failure: new CheckFailure('decode', 'receive', `unsupported content-encoding "${coding}"`) };
    }
    try {
      body = await decodeOnce(decoder, body, limits.maxDecodedBytes);
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        return { body: null, bytes: null, overCap: true, failure: null };
      }
      return { body: null, bytes: null, overCap: false, failure: new CheckFailure('decode', 'receive', `${coding} decoding failed: ${describeError(err)}`) };
    }
  }
  return { body, bytes: body.length, overCap: false, failure: null };
}
