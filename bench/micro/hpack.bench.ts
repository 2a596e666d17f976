/**
 * Our HPACK decoder on a typical response header block, next to hpack.js (the npm HPACK
 * implementation most installed, via spdy), and our encoder on a typical check request.
 */
import { do_not_optimize } from 'mitata';
import hpackJs from 'hpack.js';
import { writeInteger, writeString } from '../../src/check/http2/hpack/block-writer.js';
import { HpackDecoder, HpackEncoder, type HeaderField } from '../../src/check/http2/hpack/index.js';
import { STATIC_NAMES } from '../../src/check/http2/hpack/static-table.js';
import type { BenchDefinition, BenchRow } from '../harness/bench-types.js';
import { measureLatency } from '../harness/mitata-row.js';

const BENCH = 'micro/hpack';

/** :status 200 is a static index; the other six are what a response usually carries. */
const RESPONSE: readonly HeaderField[] = [
  [':status', '200'],
  ['content-type', 'application/json; charset=utf-8'],
  ['content-length', '1234'],
  ['date', 'Thu, 03 Dec 2026 22:40:00 GMT'],
  ['server', 'nginx/1.22.1'],
  ['cache-control', 'private, max-age=0, no-cache'],
  ['set-cookie', 'session=8f2c1e0d9b7a6f5e4d3c2b1a; Path=/; HttpOnly; Secure; SameSite=Lax'],
];

const REQUEST: readonly HeaderField[] = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':authority', 'api.example.com'],
  [':path', '/health?probe=vigil'],
  ['user-agent', 'vigil/0.1'],
  ['accept', '*/*'],
  ['authorization', 'Bearer c2VjcmV0LXRva2VuLWZvci1iZW5jaA'],
];

/** The first response on a connection as nghttp2 sends it: literals with incremental indexing, Huffman. */
function indexingBlock(fields: readonly HeaderField[]): Buffer {
  const out = Buffer.alloc(4096);
  let pos = writeInteger(out, 0, 7, 0x80, 8);
  for (const [name, value] of fields.slice(1)) {
    pos = writeInteger(out, pos, 6, 0x40, STATIC_NAMES.get(name)?.index ?? 0);
    pos = writeString(out, pos, value);
  }
  return out.subarray(0, pos);
}

/** A later response once all six are in the dynamic table: seven index bytes. */
const INDEXED_BLOCK = Buffer.from([0x88, 0xc3, 0xc2, 0xc1, 0xc0, 0xbf, 0xbe]);

interface Variant {
  readonly name: string;
  readonly decode: (block: Buffer) => number;
}

function ours(prime: Buffer | undefined): Variant {
  const decoder = new HpackDecoder();
  if (prime !== undefined) decoder.decode(prime, () => {});
  let n = 0;
  const onField = (name: string, value: string): void => {
    n += name.length + value.length;
  };
  return {
    name: 'vigil',
    decode(block) {
      n = 0;
      decoder.decode(block, onField);
      return n;
    },
  };
}

function hpackJsVariant(prime: Buffer | undefined): Variant {
  const decompressor = hpackJs.decompressor.create({ table: { size: 4096 } });
  const decode = (block: Buffer): number => {
    decompressor.write(block);
    decompressor.execute();
    let n = 0;
    for (let f = decompressor.read(); f !== null; f = decompressor.read()) n += f.name.length + f.value.length;
    return n;
  };
  if (prime !== undefined) decode(prime);
  return { name: 'hpack.js', decode };
}

const hpackBench: BenchDefinition = {
  name: BENCH,
  question: 'What does decoding a typical response header block cost (Huffman literals; all indexed), ours next to hpack.js, and encoding a typical request?',
  async run(ctx) {
    const expected = RESPONSE.reduce((n, [name, value]) => n + name.length + value.length, 0);
    // Literals without indexing leave the table as it was, so one decoder can decode the block
    // again and again: the cost of reading every string (the first response's cost, minus the
    // table inserts). The indexed block needs the table primed once with the literal version.
    const literal = new HpackEncoder().encode(RESPONSE);
    const prime = indexingBlock(RESPONSE);
    const rows: BenchRow[] = [];
    for (const [kind, block, primeBlock] of [['literal-huffman', literal, undefined], ['indexed', INDEXED_BLOCK, prime]] as const) {
      for (const make of [ours, hpackJsVariant]) {
        const variant = make(primeBlock);
        const got = variant.decode(block);
        if (got !== expected) throw new Error(`${BENCH} ${variant.name} ${kind}: decoded ${got} bytes of fields, expected ${expected}`);
        rows.push(await measureLatency(ctx, { bench: BENCH, variant: `decode-${kind}-${variant.name}` }, () => do_not_optimize(variant.decode(block)), 'ns'));
      }
    }
    const encoder = new HpackEncoder();
    rows.push(await measureLatency(ctx, { bench: BENCH, variant: 'encode-request-vigil' }, () => do_not_optimize(encoder.encode(REQUEST)), 'ns'));
    ctx.log(`  block sizes: literal-huffman ${literal.length} B, indexed ${INDEXED_BLOCK.length} B, request ${encoder.encode(REQUEST).length} B`);
    return rows;
  },
};

export const HPACK_BENCHES: readonly BenchDefinition[] = [hpackBench];
