import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HpackDecoder } from './decoder.js';
import { HpackError } from './hpack-error.js';

type Fields = Array<[string, string]>;

function bytes(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

function decode(decoder: HpackDecoder, block: Uint8Array | string): Fields {
  const fields: Fields = [];
  decoder.decode(typeof block === 'string' ? bytes(block) : block, (name, value) => fields.push([name, value]));
  return fields;
}

function assertReason(fn: () => unknown, reason: string, connectionError = true): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HpackError, `expected HpackError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.equal(err.connectionError, connectionError);
    return true;
  });
}

function rejects(hex: string, reason: string, decoder = new HpackDecoder()): void {
  assertReason(() => decode(decoder, hex), reason);
}

describe('HpackDecoder: RFC 7541 Appendix C', () => {
  const request1: Fields = [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']];
  it('C.2: one representation of each kind, the never-indexed one flagged', () => {
    const decoder = new HpackDecoder();
    assert.deepEqual(decode(decoder, '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'), [['custom-key', 'custom-header']]);
    assert.deepEqual(decode(decoder, 'be'), [['custom-key', 'custom-header']]); // now dynamic entry 62
    assert.deepEqual(decode(decoder, '040c 2f73 616d 706c 652f 7061 7468'), [[':path', '/sample/path']]);
    const flagged: Array<[string, string, boolean]> = [];
    decoder.decode(bytes('1008 7061 7373 776f 7264 0673 6563 7265 74 82'), (n, v, isNeverIndexed) => flagged.push([n, v, isNeverIndexed]));
    assert.deepEqual(flagged, [['password', 'secret', true], [':method', 'GET', false]]);
    // neither literal entered the table: 62 is still custom-key, 63 does not exist
    assert.deepEqual(decode(decoder, 'be'), [['custom-key', 'custom-header']]);
    rejects('bf', 'index_out_of_range', decoder);
  });

  it('C.4: requests with Huffman share the dynamic table', () => {
    const decoder = new HpackDecoder();
    assert.deepEqual(decode(decoder, '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'), request1);
    assert.deepEqual(decode(decoder, '8286 84be 5886 a8eb 1064 9cbf'), [...request1, ['cache-control', 'no-cache']]);
    assert.deepEqual(decode(decoder, '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'), [
      [':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value'],
    ]);
  });

  it('C.6: responses with a 256-byte table evict the oldest entries', () => {
    const decoder = new HpackDecoder({ maxTableSize: 256 });
    // our limit is below 4096, so the peer must open with a size update; C.6 assumes it was sent
    assert.deepEqual(decode(decoder, '3fe101'), []);
    const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
    const url = 'https://www.example.com';
    assert.deepEqual(decode(decoder, '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3'), [
      [':status', '302'], ['cache-control', 'private'], ['date', date1], ['location', url],
    ]);
    assert.deepEqual(decode(decoder, '4883 640e ffc1 c0bf'), [[':status', '307'], ['cache-control', 'private'], ['date', date1], ['location', url]]);
    assert.deepEqual(
      decode(decoder, '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07'),
      [
        [':status', '200'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'], ['location', url],
        ['content-encoding', 'gzip'], ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
      ],
    );
    // the table holds exactly set-cookie, content-encoding, date (215 bytes): 65 is gone
    assert.deepEqual(decode(decoder, 'c0'), [['date', 'Mon, 21 Oct 2013 20:13:22 GMT']]);
    rejects('c1', 'index_out_of_range', decoder);
  });
});

describe('HpackDecoder: a block inside a larger buffer (the engine decodes in place)', () => {
  it('decodes only start..end: the same fields and table as the block on its own; a string running past end is truncated', () => {
    const block = bytes('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572');
    const framed = Buffer.concat([bytes('ffff ff'), block, bytes('82 82')]);
    const decoder = new HpackDecoder();
    const fields: Fields = [];
    decoder.decode(framed, (name, value) => fields.push([name, value]), 3, 3 + block.length);
    assert.deepEqual(fields, [['custom-key', 'custom-header']]);
    assert.deepEqual(decode(decoder, 'be'), [['custom-key', 'custom-header']], 'the dynamic table took the entry');
    // The same bytes one short of the block: the value's string ends past `end`.
    assertReason(() => new HpackDecoder().decode(framed, () => undefined, 3, 2 + block.length), 'truncated_block');
  });

  it('a range outside the buffer is refused before anything is read', () => {
    const decoder = new HpackDecoder();
    assert.throws(() => decoder.decode(bytes('82'), () => undefined, 0, 2), RangeError);
    assert.throws(() => decoder.decode(bytes('82'), () => undefined, 1, 0), RangeError);
    assert.deepEqual(decode(decoder, '82'), [[':method', 'GET']], 'the decoder is still usable');
  });
});

describe('HpackDecoder: hostile blocks', () => {
  it('integers: overflow past 2^31 - 1, too many continuation bytes, cut short', () => {
    rejects('ff ffffffff0f', 'integer_overflow'); // 127 + 2^32 - 1
    rejects('ff 80808080 08', 'integer_overflow'); // 127 + 2^31
    rejects('ff 808080808000', 'integer_too_long'); // 127 in six continuation bytes
    rejects('ff', 'truncated_block');
    rejects('ff 80', 'truncated_block');
    // redundant zero continuation bytes within the cap are legal: name index 15, empty value
    assert.deepEqual(decode(new HpackDecoder(), '0f 808000 00'), [['accept-charset', '']]);
  });

  it('strings: a length beyond the block, a missing value, a huge length', () => {
    rejects('00 03 6162', 'truncated_block');
    rejects('40 01 61 85 6162', 'truncated_block');
    rejects('04', 'truncated_block');
    rejects('00', 'truncated_block');
    rejects('00 7f ffffff07', 'truncated_block');
  });

  it('Huffman strings: long or zero padding, EOS', () => {
    rejects('00 82 1fff 00', 'bad_huffman_padding');
    rejects('01 81 18', 'bad_huffman_padding');
    rejects('01 81 ff', 'bad_huffman_padding');
    rejects('01 84 ffffffff', 'eos_in_string');
  });

  it('indexes: 0, beyond the static table with an empty dynamic table, as a name', () => {
    rejects('80', 'index_zero');
    rejects('be', 'index_out_of_range');
    rejects('7f00 00', 'index_out_of_range'); // name index 63 on a literal
    rejects('0f 2f 00', 'index_out_of_range'); // name index 62 on a literal without indexing
  });

  it('table size updates: above our limit, after a field, three in a row', () => {
    assert.deepEqual(decode(new HpackDecoder(), '3fe11f 82'), [[':method', 'GET']]); // 4096: at the limit
    rejects('3fe21f', 'table_size_update_too_large'); // 4097
    rejects('82 20', 'table_size_update_not_at_start');
    rejects('20 20 20', 'too_many_table_size_updates');
    assert.deepEqual(decode(new HpackDecoder(), '20 3fe11f 82'), [[':method', 'GET']]);
  });

  it('a lowered limit shrinks the table and requires an update at the next block', () => {
    const decoder = new HpackDecoder();
    decode(decoder, '40 01 61 01 62'); // a: b (34 bytes)
    decoder.setMaxTableSize(100);
    assert.deepEqual(decode(decoder, ''), []); // an empty block does not discharge it
    rejects('be', 'table_size_update_missing', decoder);
    const next = new HpackDecoder();
    decode(next, '40 01 61 01 62');
    next.setMaxTableSize(100);
    assert.deepEqual(decode(next, '3f45 be'), [['a', 'b']]); // update to 100, entry kept
    rejects('3f46', 'table_size_update_too_large', next); // 101
  });

  it('a raised limit lets the peer grow the table; before that it stays at 4096', () => {
    const decoder = new HpackDecoder({ maxTableSize: 8192 });
    rejects('3fe13f', 'table_size_update_too_large', new HpackDecoder()); // 8192 above the default limit
    assert.deepEqual(decode(decoder, '3fe13f'), []);
    const value = 'x'.repeat(5000);
    decode(decoder, Buffer.concat([bytes('40 01 61 7f 8926'), Buffer.from(value)])); // 5000-byte value fits in 8192
    assert.deepEqual(decode(decoder, 'be'), [['a', value]]);
  });

  it('an entry larger than the table empties it and is not added', () => {
    const decoder = new HpackDecoder({ maxTableSize: 64 });
    decode(decoder, '3f21'); // size 64
    assert.deepEqual(decode(decoder, '40 01 61 01 62 be'), [['a', 'b'], ['a', 'b']]);
    const big = 'y'.repeat(32); // a: yyy... is 1 + 32 + 32 = 65 bytes
    assert.deepEqual(decode(decoder, Buffer.concat([bytes('40 01 61 20'), Buffer.from(big)])), [['a', big]]);
    rejects('be', 'index_out_of_range', decoder);
  });

  it('a header list over the limit is decoded to its end, delivered no further, and resets only the stream', () => {
    const decoder = new HpackDecoder({ maxHeaderListSize: 100 });
    const seen: Fields = [];
    // 42 + 42 fit in 100, the third does not; the literal after it still enters the table
    assertReason(() => decoder.decode(bytes('82 82 82 40 01 61 01 62'), (n, v) => seen.push([n, v])), 'header_list_too_large', false);
    assert.deepEqual(seen, [[':method', 'GET'], [':method', 'GET']]);
    assert.deepEqual(decode(decoder, 'be'), [['a', 'b']]);
  });

  it('1 MiB of tiny fields: bounded, in step, the connection survives', () => {
    const decoder = new HpackDecoder();
    const indexed = Buffer.alloc(1024 * 1024, 0x82);
    let delivered = 0;
    assertReason(() => decoder.decode(indexed, () => delivered++), 'header_list_too_large', false);
    assert.equal(delivered, Math.floor((64 * 1024) / 42));
    // 1 MiB of 4-byte literals with indexing (:authority: two letters, 44 bytes each): 262,144
    // inserts, each evicting one entry once the 4096-byte table holds its 93
    const literals = Buffer.alloc(1024 * 1024);
    const letter = (i: number): number => 0x61 + (i % 26);
    for (let i = 0; i < literals.length / 4; i++) literals.set([0x41, 0x02, letter(i), letter(i + 1)], i * 4);
    delivered = 0;
    assertReason(() => decoder.decode(literals, () => delivered++), 'header_list_too_large', false);
    assert.equal(delivered, Math.floor((64 * 1024) / 44));
    const value = (i: number): string => String.fromCharCode(letter(i), letter(i + 1));
    const last = literals.length / 4 - 1;
    assert.deepEqual(decode(decoder, 'be'), [[':authority', value(last)]]); // index 62: the newest
    assert.deepEqual(decode(decoder, 'ff1b'), [[':authority', value(last - 92)]]); // index 154: the oldest kept
    rejects('ff1c', 'index_out_of_range', decoder); // index 155
  });

  it('after a connection error the decoder refuses every later block', () => {
    const decoder = new HpackDecoder();
    rejects('80', 'index_zero', decoder);
    rejects('82', 'index_zero', decoder);
  });

  it('options must be sizes', () => {
    assert.throws(() => new HpackDecoder({ maxTableSize: -1 }), RangeError);
    assert.throws(() => new HpackDecoder({ maxHeaderListSize: 1.5 }), RangeError);
    assert.throws(() => new HpackDecoder().setMaxTableSize(2 ** 31), RangeError);
  });
});
