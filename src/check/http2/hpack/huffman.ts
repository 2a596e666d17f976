// Huffman coding of string literals (RFC 7541 §5.2, Appendix B).
//
// Decoding is a table-driven state machine that consumes 4 bits at a time. The states are the
// 256 internal nodes of the code tree (257 leaves); every code is at least 5 bits long, so one
// nibble finishes at most one symbol. Each transition is precomputed once at import into
// DECODE_TABLE (immutable afterwards).
import { HpackError } from './hpack-error.js';
import { HUFFMAN_CODE_BITS, HUFFMAN_CODES, HUFFMAN_EOS } from './huffman-table.js';

// Transition entry layout: bits 0-7 next state, bits 8-15 emitted symbol, then flags.
const EMITS = 1 << 16;
const HITS_EOS = 1 << 17;

interface DecodeTables {
  /** (state << 4 | nibble) -> entry */
  readonly transitions: Uint32Array;
  /** 1 where ending the string in this state is valid padding: root, or 1-7 one-bits from it */
  readonly isAccepting: Uint8Array;
}

function buildDecodeTables(): DecodeTables {
  // children[node * 2 + bit]: an internal node id (> 0), or -(symbol + 1) for a leaf; 0 = unset
  const children = new Int32Array(256 * 2);
  let nodeCount = 1;
  for (let sym = 0; sym <= HUFFMAN_EOS; sym++) {
    const bits = HUFFMAN_CODE_BITS[sym] ?? 0;
    const code = HUFFMAN_CODES[sym] ?? 0;
    let node = 0;
    for (let i = bits - 1; i >= 0; i--) {
      const slot = node * 2 + ((code >>> i) & 1);
      if (i === 0) {
        children[slot] = -(sym + 1);
      } else {
        if (children[slot] === 0) children[slot] = nodeCount++;
        node = children[slot] ?? 0;
      }
    }
  }
  if (nodeCount !== 256) throw new Error(`huffman table: ${nodeCount} internal nodes, expected 256`);

  const transitions = new Uint32Array(256 * 16);
  for (let state = 0; state < 256; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let entry = 0;
      for (let i = 3; i >= 0; i--) {
        const child = children[node * 2 + ((nibble >>> i) & 1)] ?? 0;
        if (child >= 0) {
          node = child;
          continue;
        }
        const sym = -child - 1;
        entry = sym === HUFFMAN_EOS ? HITS_EOS : EMITS | (sym << 8);
        node = 0;
      }
      transitions[(state << 4) | nibble] = entry | node;
    }
  }
  const isAccepting = new Uint8Array(256);
  for (let node = 0, depth = 0; depth <= 7; depth++) {
    isAccepting[node] = 1;
    node = children[node * 2 + 1] ?? 0;
  }
  return { transitions, isAccepting };
}

const { transitions: DECODE_TABLE, isAccepting: IS_ACCEPTING } = buildDecodeTables();

/**
 * Decodes src[start, end) into dst from offset 0; returns the decoded length. dst must hold
 * at least (end - start) * 8 / 5 bytes (the shortest code is 5 bits).
 */
export function huffmanDecode(src: Uint8Array, start: number, end: number, dst: Uint8Array): number {
  let state = 0;
  let out = 0;
  for (let i = start; i < end; i++) {
    const byte = src[i] as number;
    let entry = DECODE_TABLE[(state << 4) | (byte >>> 4)] as number;
    if ((entry & EMITS) !== 0) dst[out++] = entry >>> 8;
    else if ((entry & HITS_EOS) !== 0) throw eosError();
    entry = DECODE_TABLE[((entry & 0xff) << 4) | (byte & 0x0f)] as number;
    if ((entry & EMITS) !== 0) dst[out++] = entry >>> 8;
    else if ((entry & HITS_EOS) !== 0) throw eosError();
    state = entry & 0xff;
  }
  // What is left after the last symbol is padding: at most 7 bits, all ones (the EOS prefix).
  if (IS_ACCEPTING[state] !== 1) throw new HpackError('bad_huffman_padding', 'a Huffman string does not end in 0-7 one-bits of padding');
  return out;
}

function eosError(): HpackError {
  return new HpackError('eos_in_string', 'a Huffman string contains the EOS symbol');
}

/** Length in bytes of str (latin1, one octet per char) once Huffman-coded; -1 if a char is not an octet. */
export function huffmanEncodedLength(str: string): number {
  let bits = 0;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c > 0xff) return -1;
    bits += HUFFMAN_CODE_BITS[c] as number;
  }
  return (bits + 7) >>> 3;
}

/** Writes str Huffman-coded at dst[offset]; returns the offset after it. Pads with ones. */
export function huffmanEncode(str: string, dst: Uint8Array, offset: number): number {
  let acc = 0; // pending bits, right-aligned; fewer than 8 between symbols
  let pending = 0;
  let out = offset;
  for (let i = 0; i < str.length; i++) {
    const sym = str.charCodeAt(i) & 0xff;
    let code = HUFFMAN_CODES[sym] as number;
    let bits = HUFFMAN_CODE_BITS[sym] as number;
    // acc stays within 32-bit arithmetic: push codes longer than 24 bits in two parts.
    if (bits > 24) {
      const highBits = bits - 16;
      acc = (acc << highBits) | (code >>> 16);
      pending += highBits;
      while (pending >= 8) dst[out++] = acc >>> (pending -= 8);
      acc &= (1 << pending) - 1;
      code &= 0xffff;
      bits = 16;
    }
    acc = (acc << bits) | code;
    pending += bits;
    while (pending >= 8) dst[out++] = acc >>> (pending -= 8);
    acc &= (1 << pending) - 1;
  }
  if (pending > 0) dst[out++] = (acc << (8 - pending)) | (0xff >>> pending);
  return out;
}
