import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { HTTPParser, validateParserBinding } from './parser-pool.js';

test("this Node's _http_common has the llhttp binding shape the HTTP/1.1 engine uses", () => {
  // Fails on a Node whose internal binding changed: the engine would refuse to start there.
  const real = createRequire(import.meta.url)('_http_common') as unknown;
  assert.equal(validateParserBinding(real), HTTPParser);
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.RESPONSE, {}, 16_384, 0);
  parser.close();
});

test('a binding of another shape is refused at start, naming what is missing and the Node version', () => {
  class Partial {
    static RESPONSE = 2;
    static kOnHeaders = 1;
    initialize(): void {}
    execute(): void {}
  }
  const cases: Array<[unknown, RegExp]> = [
    [null, /lacks HTTPParser\./],
    [{}, /lacks HTTPParser\./],
    [{ HTTPParser: 42 }, /lacks HTTPParser\./],
    [
      { HTTPParser: Partial },
      /Node v99\.0\.0 lacks HTTPParser\.kOnHeadersComplete, HTTPParser\.kOnBody, HTTPParser\.kOnMessageComplete, HTTPParser\.kLenientOptionalCRBeforeLF, HTTPParser\.prototype\.finish\(\), HTTPParser\.prototype\.remove\(\), HTTPParser\.prototype\.free\(\), HTTPParser\.prototype\.close\(\)\./,
    ],
  ];
  for (const [mod, message] of cases) assert.throws(() => validateParserBinding(mod, 'v99.0.0'), message);
});
