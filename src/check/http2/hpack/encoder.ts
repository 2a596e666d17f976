// HPACK encoder for requests (RFC 7541 §6): stateless by choice. It uses the static table
// (a full match as an indexed field, else the name's index) and literals that never enter the
// peer's dynamic table, so it needs no dynamic table and never sends a size update: blocks can
// be encoded in any order, even ahead of time, and each stays valid on any connection.
import { writeInteger, writeString } from './block-writer.js';
import { STATIC_FIELD_INDEX, STATIC_NAME_INDEX } from './static-table.js';

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
      checkField(name, value);
      const fullIndex = STATIC_FIELD_INDEX.get(`${name}\0${value}`);
      if (fullIndex !== undefined) {
        pos = writeInteger(out, pos, 7, 0x80, fullIndex);
        continue;
      }
      const nameIndex = STATIC_NAME_INDEX.get(name) ?? 0;
      // 0001xxxx never indexed, 0000xxxx without indexing; 4-bit name index, 0 = literal name
      pos = writeInteger(out, pos, 4, NEVER_INDEXED_NAMES.has(name) ? 0x10 : 0x00, nameIndex);
      if (nameIndex === 0) pos = writeString(out, pos, name);
      pos = writeString(out, pos, value);
    }
    return out.subarray(0, pos);
  }
}

function checkField(name: string, value: string): void {
  if (name.length === 0) throw new TypeError('HpackEncoder: a header name is empty');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || c > 0xff) throw new TypeError(`HpackEncoder: header name ${JSON.stringify(name)} is not lower-case octets`);
  }
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0xff) throw new TypeError(`HpackEncoder: the value of ${JSON.stringify(name)} has a char above U+00FF`);
  }
}
