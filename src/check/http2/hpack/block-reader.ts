// Reading the primitives of a header block (RFC 7541 §5): prefixed integers and string
// literals. Every read checks the block's end; nothing reads past it.
import { HpackError } from './hpack-error.js';
import { huffmanDecode } from './huffman.js';

/** Largest integer accepted anywhere in a block (index, length, table size): 2^31 - 1. */
export const MAX_HPACK_INTEGER = 0x7fff_ffff;
/** 2^31 needs 5 continuation bytes after a full prefix; a longer encoding is refused outright. */
const MAX_CONTINUATION_BYTES = 5;

export class BlockReader {
  private block: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;
  /** Huffman output scratch, grown on demand (bounded by 8/5 of the longest string seen). */
  private scratch: Buffer = Buffer.allocUnsafe(256);

  reset(block: Uint8Array): void {
    this.block = block;
    this.pos = 0;
    this.end = block.length;
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
    if (this.scratch.length < maxDecoded) this.scratch = Buffer.allocUnsafe(Math.max(maxDecoded, this.scratch.length * 2));
    const decoded = huffmanDecode(this.block, start, this.pos, this.scratch);
    return latin1(this.scratch, 0, decoded);
  }
}

export function truncated(what: string): HpackError {
  return new HpackError('truncated_block', `the block ends inside ${what}`);
}

/** Octets to a string, one char per octet: header fields are octets, not UTF-8 (RFC 9110 §5.5). */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (end - start < 24) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i] as number);
    return s;
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}
