import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HpackDecoder } from './decoder.js';
import { HpackEncoder, type HeaderField } from './encoder.js';
import { HpackError } from './hpack-error.js';

function hex(fields: ReadonlyArray<HeaderField>): string {
  return new HpackEncoder().encode(fields).toString('hex');
}

function decodeFlagged(block: Uint8Array, decoder = new HpackDecoder()): Array<[string, string, boolean]> {
  const out: Array<[string, string, boolean]> = [];
  decoder.decode(block, (name, value, isNeverIndexed) => out.push([name, value, isNeverIndexed]));
  return out;
}

describe('HpackEncoder', () => {
  it('a full static match is one index byte', () => {
    assert.equal(hex([[':method', 'GET'], [':scheme', 'https'], [':path', '/'], ['accept-encoding', 'gzip, deflate']]), '82878490');
  });

  it('other fields are literals without indexing, with the static name index, Huffman when shorter', () => {
    // RFC 7541 C.4.1's :authority, but without indexing (0x01, not 0x41)
    assert.equal(hex([[':authority', 'www.example.com']]), '018cf1e3c2e5f23a6ba0ab90f4ff');
    // name index 31 needs a continuation byte in a 4-bit prefix: 0f 10
    assert.equal(hex([['content-type', 'a']]), '0f100161'); // 'a' is 5 bits: Huffman saves nothing
    // a name not in the static table is a literal too
    // a name not in the static table is a literal too; 'x-a' and NUL gain nothing from Huffman (18 and 13 bits)
    assert.equal(hex([['x-a', '\u0000']]), '0003782d610100');
  });

  it('never indexes credentials', () => {
    const fields: HeaderField[] = [['authorization', 'Basic dXNlcjpwYXNz'], ['cookie', 'a=b'], ['proxy-authorization', 'x'], ['x-token', 'y']];
    const block = new HpackEncoder().encode(fields);
    assert.equal(block[0], 0x1f); // 0001 1111: never indexed, name index 15 + ...
    assert.equal(block[1], 23 - 15); // ... 8 = authorization (23)
    assert.deepEqual(decodeFlagged(block), [
      ['authorization', 'Basic dXNlcjpwYXNz', true],
      ['cookie', 'a=b', true],
      ['proxy-authorization', 'x', true],
      ['x-token', 'y', false],
    ]);
  });

  it('leaves the peer dynamic table empty, so blocks are valid in any order', () => {
    const decoder = new HpackDecoder();
    decodeFlagged(new HpackEncoder().encode([['user-agent', 'vigil/0.1'], ['x-custom', 'value']]), decoder);
    assert.throws(() => decodeFlagged(Buffer.from([0xbe]), decoder), (err: unknown) => err instanceof HpackError && err.reason === 'index_out_of_range');
  });

  it('round-trips every octet in names and values, long values too', () => {
    let octets = '';
    for (let c = 0; c < 256; c++) octets += String.fromCharCode(c);
    const fields: HeaderField[] = [['x-octets', octets], ['x-long', 'v'.repeat(70_000)], ['x-empty', ''], ['x-é', 'ÿ']];
    assert.deepEqual(decodeFlagged(new HpackEncoder().encode(fields), new HpackDecoder({ maxHeaderListSize: 1 << 20 })), fields.map(([n, v]) => [n, v, false]));
  });

  it('refuses upper-case or empty names and chars that are not octets', () => {
    const encoder = new HpackEncoder();
    assert.throws(() => encoder.encode([['Content-Type', 'x']]), /header name "Content-Type" is not lower-case octets/);
    assert.throws(() => encoder.encode([['', 'x']]), /a header name is empty/);
    assert.throws(() => encoder.encode([['x-a', 'snow ☃']]), /the value of "x-a" has a char above U\+00FF/);
  });
});
