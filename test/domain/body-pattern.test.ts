import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BODY_PATTERN_MAX_CHARS, BODY_PATTERN_MAX_INPUT_CHARS, compileBodyPattern } from '../../src/domain/body-pattern.js';
import { defineCheck, SpecError } from '../../src/domain/check-spec.js';

test('bodyRegex is RE2: the constructs that need backtracking are refused when the spec is defined, naming the field', () => {
  // A backreference cannot be matched in linear time; an RE2-class engine has none. Refusing
  // it is what "linear by construction" looks like from outside.
  for (const pattern of ['(a)\\1', '(?=a)b', '(?!a)b', '(?<=a)b', 'a{1001}', 'x'.repeat(BODY_PATTERN_MAX_CHARS + 1)]) {
    assert.throws(
      () => defineCheck({ url: 'http://example.com/', bodyRegex: pattern }),
      (e: unknown) => e instanceof SpecError && e.field === 'bodyRegex' && /an RE2 regular expression/.test(e.message),
      pattern.slice(0, 20),
    );
  }
  for (const pattern of ['^(a+)+$', '"status":\\s*"ok"', '(?i)healthy', '[0-9]{1,3}\\.[0-9]+', 'x'.repeat(BODY_PATTERN_MAX_CHARS)]) {
    assert.equal(defineCheck({ url: 'http://example.com/', bodyRegex: pattern }).kind, 'http', pattern.slice(0, 20));
  }
});

test('the classic catastrophic patterns answer the right verdict on inputs that would take V8 hours', () => {
  const evil = `${'a'.repeat(64)}!`;
  assert.equal(compileBodyPattern('^(a+)+$').test(evil), false);
  assert.equal(compileBodyPattern('^(a|aa)+$').test(evil), false);
  assert.equal(compileBodyPattern('^(a|a?)+$').test('a'.repeat(64)), true);
  assert.equal(compileBodyPattern('(x+x+)+y').test('x'.repeat(64)), false);
});

test('only the first 1 Mi characters of the decoded body are evaluated', () => {
  const pattern = compileBodyPattern('z');
  assert.equal(pattern.test(`${'a'.repeat(BODY_PATTERN_MAX_INPUT_CHARS - 1)}z`), true);
  assert.equal(pattern.test(`${'a'.repeat(BODY_PATTERN_MAX_INPUT_CHARS)}z`), false);
});
