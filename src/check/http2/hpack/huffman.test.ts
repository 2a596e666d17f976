import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HpackError } from './hpack-error.js';
import { huffmanDecode, huffmanEncode, huffmanEncodedLength } from './huffman.js';

function encode(str: string): Buffer {
  const out = Buffer.alloc(huffmanEncodedLength(str));
  assert.equal(huffmanEncode(str, out, 0), out.length);
  return out;
}

function decode(bytes: Uint8Array): string {
  const out = Buffer.alloc(Math.ceil((bytes.length * 8) / 5));
  return out.toString('latin1', 0, huffmanDecode(bytes, 0, bytes.length, out));
}

function assertReason(fn: () => unknown, reason: string): void {
  assert.throws(fn, (err: unknown) => err instanceof HpackError && err.reason === reason && err.connectionError);
}

describe('huffman', () => {
  // RFC 7541 C.4.1-C.4.3 and C.6.1
  const vectors: ReadonlyArray<readonly [string, string]> = [
    ['www.example.com', 'f1e3c2e5f23a6ba0ab90f4ff'],
    ['no-cache', 'a8eb10649cbf'],
    ['custom-key', '25a849e95ba97d7f'],
    ['custom-value', '25a849e95bb8e8b4bf'],
    ['302', '6402'],
    ['private', 'aec3771a4b'],
    ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07abe941054d444a8200595040b8166e082a62d1bff'],
  ];
  for (const [text, hex] of vectors) {
    it(`codes ${JSON.stringify(text)} as RFC 7541 Appendix C does`, () => {
      assert.equal(encode(text).toString('hex'), hex);
      assert.equal(decode(Buffer.from(hex, 'hex')), text);
    });
  }

  it('round-trips every octet, alone and all together', () => {
    let all = '';
    for (let c = 0; c < 256; c++) {
      const s = String.fromCharCode(c);
      all += s;
      assert.equal(decode(encode(s)), s, `octet ${c}`);
      assert.equal(decode(encode(s + s + s)), s + s + s, `octet ${c} x3`);
    }
    assert.equal(decode(encode(all)), all);
    assert.equal(decode(new Uint8Array(0)), '');
  });

  it('refuses padding longer than 7 bits', () => {
    // 'a' (00011) then 11 one-bits
    assertReason(() => decode(Buffer.from([0x1f, 0xff])), 'bad_huffman_padding');
    // a whole byte of ones is 8 bits of padding
    assertReason(() => decode(Buffer.from([0xff])), 'bad_huffman_padding');
  });

  it('refuses padding that is not all ones', () => {
    // 'a' (00011) then 000
    assertReason(() => decode(Buffer.from([0x18])), 'bad_huffman_padding');
    // 'a' then 110
    assertReason(() => decode(Buffer.from([0x1e])), 'bad_huffman_padding');
  });

  it('refuses the EOS symbol inside a string', () => {
    // 30 one-bits are EOS
    assertReason(() => decode(Buffer.from([0xff, 0xff, 0xff, 0xff])), 'eos_in_string');
    // 'a' then EOS then padding
    assertReason(() => decode(Buffer.from([0x1f, 0xff, 0xff, 0xff, 0xfe])), 'eos_in_string');
  });
});
