// Every case of every story of the hpack-test-case corpus (test/fixtures/hpack/README.md),
// decoded in order with one decoder per story; and every header list of it through our encoder
// and back.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { HpackDecoder, HpackEncoder } from '../../src/check/http2/hpack/index.js';

interface CorpusCase {
  readonly seqno: number;
  readonly wire: string;
  readonly headers: ReadonlyArray<Readonly<Record<string, string>>>;
  readonly header_table_size?: number;
}
type Corpus = Record<string, { readonly cases: readonly CorpusCase[] }>;
type Fields = Array<[string, string]>;

/** file -> [stories, cases]: the counts the corpus holds, so no test passes on an empty file */
const FILES: ReadonlyArray<readonly [file: string, stories: number, cases: number]> = [
  ['nghttp2.json.gz', 32, 3384],
  ['nghttp2-change-table-size.json.gz', 31, 3267],
  ['go-hpack.json.gz', 32, 3384],
  ['python-hpack.json.gz', 32, 3384],
];

function loadCorpus(file: string): Corpus {
  const url = new URL(`../fixtures/hpack/${file}`, import.meta.url);
  return JSON.parse(gunzipSync(readFileSync(url)).toString('utf8')) as Corpus;
}

function expectedFields(c: CorpusCase): Fields {
  return c.headers.map((h) => {
    const entries = Object.entries(h);
    assert.equal(entries.length, 1);
    return entries[0] as [string, string];
  });
}

function decode(decoder: HpackDecoder, block: Uint8Array): Fields {
  const fields: Fields = [];
  decoder.decode(block, (name, value) => fields.push([name, value]));
  return fields;
}

describe('hpack-test-case corpus', () => {
  let totalStories = 0;
  let totalCases = 0;
  for (const [file, storyCount, caseCount] of FILES) {
    it(`${file}: ${storyCount} stories, ${caseCount} cases decode exactly and round-trip`, () => {
      const corpus = loadCorpus(file);
      const encoder = new HpackEncoder();
      let cases = 0;
      for (const [story, { cases: storyCases }] of Object.entries(corpus)) {
        const decoder = new HpackDecoder();
        let tableSize = 4096;
        for (const c of storyCases) {
          const where = `${file} ${story} seqno ${c.seqno}`;
          // the table size our SETTINGS allow from this case on; the wire carries the update
          if (c.header_table_size !== undefined && c.header_table_size !== tableSize) {
            tableSize = c.header_table_size;
            decoder.setMaxTableSize(tableSize);
          }
          const expected = expectedFields(c);
          assert.deepEqual(decode(decoder, Buffer.from(c.wire, 'hex')), expected, where);
          assert.deepEqual(decode(new HpackDecoder(), encoder.encode(expected)), expected, `${where} round trip`);
          cases++;
        }
      }
      assert.equal(Object.keys(corpus).length, storyCount);
      assert.equal(cases, caseCount);
      totalStories += storyCount;
      totalCases += cases;
    });
  }
  it('covered the whole corpus', (t) => {
    assert.equal(totalStories, 127);
    assert.equal(totalCases, 13_419);
    t.diagnostic(`${totalStories} stories, ${totalCases} cases decoded and round-tripped`);
  });
});
