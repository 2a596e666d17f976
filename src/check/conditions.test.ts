import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConditions } from '../domain/conditions.js';
import { firstFailedCondition, globMatches, type ConditionFacts } from './conditions.js';

const FACTS: ConditionFacts = {
  statusCode: 200,
  responseTimeMs: 120.4,
  body: Buffer.from(JSON.stringify({ status: 'UP', items: [{ name: 'a' }, { name: 'b' }], count: 7, ok: true, nothing: null })),
  header: (name) => ({ 'content-type': 'application/json; charset=utf-8' })[name],
  certExpiresInMs: 72 * 3_600_000,
  connected: true,
  dnsRcode: null,
};

function failed(condition: string, facts: ConditionFacts = FACTS): string | null {
  return firstFailedCondition(parseConditions([condition]), facts)?.detail ?? null;
}

test('the Gatus examples hold on a matching response', () => {
  for (const c of [
    '[STATUS] == 200',
    '[BODY].status == UP',
    'len([BODY].items) > 0',
    'len([BODY].items) == 2',
    '[BODY].items[1].name == b',
    '[RESPONSE_TIME] < 300',
    '[RESPONSE_TIME] < 1s',
    '[HEADER].content-type == pat(application/json*)',
    '[HEADER].Content-Type != pat(text/*)',
    '[CERTIFICATE_EXPIRATION] > 48h',
    '[CERTIFICATE_EXPIRATION] < 4d',
    '[STATUS] == any(200, 204)',
    '[BODY].count >= 7',
    '[BODY].ok == true',
    '[BODY].nothing == null',
    'has([BODY].status) == true',
    'has([BODY].missing) == false',
    '[BODY].missing != x',
    '[BODY] == pat(*"status":"UP"*)',
  ]) {
    assert.equal(failed(c), null, c);
  }
});

test('a failing condition names itself and the value it saw', () => {
  assert.equal(failed('[STATUS] == 201'), 'condition "[STATUS] == 201" failed: [STATUS] is 200');
  assert.equal(failed('[BODY].status == DOWN'), 'condition "[BODY].status == DOWN" failed: [BODY].status is "UP"');
  assert.equal(failed('len([BODY].items) > 5'), 'condition "len([BODY].items) > 5" failed: len([BODY].items) is 2');
  assert.equal(failed('[BODY].items[9].name == a'), 'condition "[BODY].items[9].name == a" failed: [BODY].items[9].name has no value (absent)');
  assert.equal(failed('[CERTIFICATE_EXPIRATION] > 30d'), `condition "[CERTIFICATE_EXPIRATION] > 30d" failed: [CERTIFICATE_EXPIRATION] is ${72 * 3_600_000}`);
  assert.equal(failed('[BODY].status < 3'), 'condition "[BODY].status < 3" failed: [BODY].status is "UP"');
  assert.match(failed('[BODY].x == 1', { ...FACTS, body: Buffer.from('<html>') }) ?? '', /has no value \(the body is not JSON\)/);
  assert.match(failed('[HEADER].x-y == 1', { ...FACTS, header: () => null }) ?? '', /has no value \(the response headers were not kept\)/);
});

test('hostile bodies: deep JSON is refused without recursion; a huge value is shown cut', () => {
  const deep = Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
  assert.match(failed('[BODY][0] == 1', { ...FACTS, body: deep }) ?? '', /nested deeper than 128 levels/);
  const big = Buffer.from(JSON.stringify({ v: 'x'.repeat(100_000) }));
  const detail = failed('[BODY].v == y', { ...FACTS, body: big }) ?? '';
  assert.ok(detail.length < 400, `detail of ${detail.length} chars`);
});

test('pat() is a linear star glob: correct, and fast on the classic backtracking killers', () => {
  assert.equal(globMatches('a*b*c', 'axxbyyc'), true);
  assert.equal(globMatches('a*b*c', 'axxcyyb'), false);
  assert.equal(globMatches('*', ''), true);
  assert.equal(globMatches('ab*ab', 'ab'), false, 'prefix and suffix may not overlap');
  assert.equal(globMatches('*aab*', 'aaab'), true);
  assert.equal(globMatches('exact', 'exact'), true);
  assert.equal(globMatches('exact', 'exactly'), false);
  // 1 MB of "a" against a*a*a*…*b: exponential for a backtracking matcher, one pass here.
  const text = 'a'.repeat(1_000_000);
  const glob = `${'a*'.repeat(50)}b`;
  const started = performance.now();
  assert.equal(globMatches(glob, text), false);
  assert.equal(globMatches(`*${'a'.repeat(1000)}b*`, text), false);
  const ms = performance.now() - started;
  assert.ok(ms < 2_000, `took ${ms} ms`);
});

test('parse errors name the condition and the position', () => {
  const cases: Array<[string, RegExp]> = [
    ['[STATUS] 200', /conditions\[0\]: expected a comparator .* at position 0/],
    ['[STATU] == 200', /expected a known placeholder, not \[STATU\]/],
    ['[BODY].a..b == 1', /expected an empty key after "\." at position 8/],
    ['[BODY].items[x] == 1', /expected an array index such as \[0\] at position 12/],
    ['200 == [STATUS]', /expected a placeholder on the left/],
    ['[STATUS] < abc', /expected a number after < at position 10/],
    ['[RESPONSE_TIME] > pat(1*)', /expected == or != with pat\(\)/],
    ['len([STATUS]) == 1', /expected len\(\) of \[BODY\] or \[HEADER\]/],
    ['[HEADER] == x', /expected a header name after \[HEADER\]/],
  ];
  for (const [condition, message] of cases) assert.throws(() => parseConditions([condition]), message, condition);
  assert.throws(() => parseConditions(['[STATUS] == 200', 5]), /conditions\[1\]: expected a condition string/);
  assert.throws(() => parseConditions(Array(33).fill('[STATUS] == 200')), /conditions: expected a list of at most 32/);
});
