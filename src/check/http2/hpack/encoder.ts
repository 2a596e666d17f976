// HPACK encoder for requests (RFC 7541 §6): stateless by choice. It uses the static table
// (a full match as an indexed field, else the name's index) and literals that never enter the
// peer's dynamic table, so it needs no dynamic table and never sends a size update: blocks can
// be encoded in any order, even ahead of time, and each stays valid on any connection.
import { writeInteger, writeString } from './block-writer.js';
import { huffmanEncodedLength } from './huffman.js';
import { STATIC_NAMES } from './static-table.js';

/** Credentials go out as never-indexed literals (RFC 7541 §7.1.3): no intermediary may index them. */
const NEVER_INDEXED_NAMES: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization']);

export type HeaderField = readonly [name: string, value: string];

export class HpackEncoder {
  /**
   * Encodes the fields in order into one header block. Names must be lower-case (RFC 9113
   * §8.2.1) and every char of names and values an octet (U+0000-U+00FF): anything else is a
   * programmer error and throws TypeError naming the field.
   */
  encode(fields: ReadonlyArray<HeaderField>): Buffer {
    let maxBytes = 0;
    for (const [name, value] of fields) maxBytes += 18 + name.length + value.length;
    const out = Buffer.allocUnsafe(maxBytes);
    let pos = 0;
    for (const [name, value] of fields) {
      const staticName = STATIC_NAMES.get(name);
      const fullIndex = staticName?.valueIndexes?.get(value);
      if (fullIndex !== undefined) {
        pos = writeInteger(out, pos, 7, 0x80, fullIndex);
        continue;
      }
      const valueBytes = huffmanEncodedLength(value);
      if (valueBytes < 0) throw new TypeError(`HpackEncoder: the value of ${JSON.stringify(name)} has a char above U+00FF`);
      // 0001xxxx never indexed, 0000xxxx without indexing; 4-bit name index, 0 = literal name
      const flags = NEVER_INDEXED_NAMES.has(name) ? 0x10 : 0x00;
      if (staticName !== undefined) {
        pos = writeInteger(out, pos, 4, flags, staticName.index);
      } else {
        out[pos++] = flags;
        pos = writeString(out, pos, name, literalNameBytes(name));
      }
      pos = writeString(out, pos, value, valueBytes);
    }
    return out.subarray(0, pos);
  }
}

/** huffmanEncodedLength of a name that is not in the static table, after checking it. */
function literalNameBytes(name: string): number {
  if (name.length === 0) throw new TypeError('HpackEncoder: a header name is empty');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || c > 0xff) throw new TypeError(`HpackEncoder: header name ${JSON.stringify(name)} is not lower-case octets`);
  }
  return huffmanEncodedLength(name);
}
