// Reading the primitives of a header block (RFC 7541 §5): prefixed integers and string
// literals. Every read checks the block's end; nothing reads past it.
import { HpackError } from './hpack-error.js';
import { huffmanDecode } from './huffman.js';

/** Largest integer accepted anywhere in a block (index, length, table size): 2^31 - 1. */
export const MAX_HPACK_INTEGER = 0x7fff_ffff;
/** 2^31 needs 5 continuation bytes after a full prefix; a longer encoding is refused outright. */
const MAX_CONTINUATION_BYTES = 5;
const MAX_KEPT_SCRATCH_BYTES = 4096;

const NO_BLOCK = Buffer.alloc(0);

export class BlockReader {
  private block: Buffer = NO_BLOCK;
  pos = 0;
  end = 0;
  /** Huffman output scratch, grown on demand */
  private scratch: Buffer = NO_BLOCK;

  /** Reads `block` from `start` to `end` (the whole of it by default). */
  reset(block: Uint8Array, start = 0, end = block.length): void {
    // a Buffer view once per block, so strings come out through Buffer's own latin1 slicing
    this.block = Buffer.isBuffer(block) ? block : Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    this.pos = start;
    this.end = end;
  }

  /** Drops the block, so a decoder between blocks holds no peer's bytes. */
  release(): void {
    this.block = NO_BLOCK;
    this.pos = 0;
    this.end = 0;
  }

  /** The byte at pos without consuming it; the caller has checked pos < end. */
  peek(): number {
    return this.block[this.pos] as number;
  }

  /** An integer whose first byte holds `prefixBits` of it (RFC 7541 §5.1). */
  readInteger(prefixBits: number): number {
    const block = this.block;
    const max = (1 << prefixBits) - 1;
    let value = (block[this.pos++] as number) & max;
    if (value < max) return value;
    for (let shift = 0; shift < 7 * MAX_CONTINUATION_BYTES; shift += 7) {
      if (this.pos >= this.end) throw truncated('an integer');
      const byte = block[this.pos++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if (value > MAX_HPACK_INTEGER) throw new HpackError('integer_overflow', `an integer exceeds ${MAX_HPACK_INTEGER}`);
      if ((byte & 0x80) === 0) return value;
    }
    throw new HpackError('integer_too_long', `an integer has more than ${MAX_CONTINUATION_BYTES} continuation bytes`);
  }

  /** A string literal (RFC 7541 §5.2): H flag, 7-bit-prefix length, then raw or Huffman octets. */
  readString(): string {
    if (this.pos >= this.end) throw truncated('a string literal');
    const isHuffman = ((this.block[this.pos] as number) & 0x80) !== 0;
    const length = this.readInteger(7);
    if (length > this.end - this.pos) throw truncated(`a string of ${length} bytes`);
    const start = this.pos;
    this.pos += length;
    if (!isHuffman) return latin1(this.block, start, this.pos);
    const maxDecoded = Math.ceil((length * 8) / 5);
    // The scratch is kept only up to MAX_KEPT_SCRATCH_BYTES: one huge string must not pin memory
    // on every idle connection.
    let out = this.scratch;
    if (out.length < maxDecoded) {
      out = Buffer.allocUnsafe(maxDecoded);
      if (maxDecoded <= MAX_KEPT_SCRATCH_BYTES) this.scratch = out;
    }
    return latin1(out, 0, huffmanDecode(this.block, start, this.pos, out));
  }
}

function truncated(what: string): HpackError {
  return new HpackError('truncated_block', `the block ends inside ${what}`);
}

/**
 * Octets to a string, one char per octet: header fields are octets, not UTF-8 (RFC 9110 §5.5).
 * Below 8 octets a loop is cheaper than the call into Buffer's native slicing.
 */
function latin1(bytes: Buffer, start: number, end: number): string {
  if (end - start < 8) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i] as number);
    return s;
  }
  return bytes.toString('latin1', start, end);
}
