// Writing the primitives of a header block (RFC 7541 §5). The caller sizes dst: an integer
// takes at most 6 bytes, a string at most 6 + its length.
import { huffmanEncode, huffmanEncodedLength } from './huffman.js';

/** Writes value with `prefixBits` of it in the first byte, whose high bits are `flags`. */
export function writeInteger(dst: Buffer, pos: number, prefixBits: number, flags: number, value: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    dst[pos++] = flags | value;
    return pos;
  }
  dst[pos++] = flags | max;
  let rest = value - max;
  while (rest >= 0x80) {
    dst[pos++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  dst[pos++] = rest;
  return pos;
}

/**
 * Writes str (latin1 octets) as a string literal, Huffman-coded when that is shorter;
 * huffmanBytes is huffmanEncodedLength(str), which the caller has already checked.
 */
export function writeString(dst: Buffer, pos: number, str: string, huffmanBytes = huffmanEncodedLength(str)): number {
  if (huffmanBytes < str.length) {
    pos = writeInteger(dst, pos, 7, 0x80, huffmanBytes);
    return huffmanEncode(str, dst, pos);
  }
  pos = writeInteger(dst, pos, 7, 0x00, str.length);
  return pos + dst.write(str, pos, 'latin1');
}
