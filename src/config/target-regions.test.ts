import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_TARGET_DEFAULTS, parseTargetInput } from './target-definition.js';

const base = { id: 'web', name: 'web', check: { url: 'https://example.com/' } };
const errorsOf = (extra: Record<string, unknown>) => {
  const parsed = parseTargetInput({ ...base, ...extra }, 'config', BUILTIN_TARGET_DEFAULTS);
  return parsed.ok ? [] : parsed.errors.map((e) => `${e.field}: ${e.message}`);
};

describe('target regions and quorum', () => {
  it('default: every region with a live node, majority; null says the default out loud', () => {
    const parsed = parseTargetInput(base, 'config', BUILTIN_TARGET_DEFAULTS);
    assert.ok(parsed.ok);
    assert.deepEqual([parsed.target.regions, parsed.target.quorum], [null, 'majority']);
    const listed = parseTargetInput({ ...base, regions: ['eu-west.1', 'us'], quorum: 'all' }, 'config', BUILTIN_TARGET_DEFAULTS);
    assert.ok(listed.ok);
    assert.deepEqual([listed.target.regions, listed.target.quorum], [['eu-west.1', 'us'], 'all']);
    const explicit = parseTargetInput({ ...base, regions: null }, 'api', BUILTIN_TARGET_DEFAULTS);
    assert.ok(explicit.ok);
    assert.equal(explicit.target.regions, null);
  });

  it('refuses bad regions and quorums, naming the field', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ regions: 'eu' }, /^regions: /],
      [{ regions: {} }, /^regions: /],
      [{ regions: [] }, /^regions: expected at least one region/],
      [{ regions: ['eu', 'eu'] }, /^regions: expected each region once, got "eu" twice$/],
      [{ regions: ['-eu'] }, /^regions\[0\]: expected region names of 1-64 letters/],
      [{ regions: ['eu', 7] }, /^regions\[1\]: /],
      [{ regions: [null] }, /^regions\[0\]: /],
      [{ regions: [''] }, /^regions\[0\]: expected region names/],
      [{ regions: ['x'.repeat(65)] }, /^regions\[0\]: expected region names/],
      [{ regions: ['eu\u202e'] }, /^regions\[0\]: expected region names/],
      [{ regions: ['eu\u0000'] }, /^regions\[0\]: expected region names/],
      [{ regions: ['eu\n'] }, /^regions\[0\]: expected region names/],
      [{ regions: ['europe '] }, /^regions\[0\]: expected region names/],
      [{ regions: ['éu'] }, /^regions\[0\]: expected region names/],
      [{ regions: Array.from({ length: 33 }, (_, i) => `r${i}`) }, /^regions: /],
      [{ quorum: 'most' }, /^quorum: /],
      [{ quorum: 2 }, /^quorum: /],
      [{ quorum: null }, /^quorum: /],
      [{ quorum: 'Majority' }, /^quorum: /],
    ];
    for (const [extra, expected] of cases) {
      const errors = errorsOf(extra);
      assert.equal(errors.length > 0, true, JSON.stringify(extra).slice(0, 80));
      assert.match(errors[0]!, expected, JSON.stringify(extra).slice(0, 80));
      // a refused value is never echoed raw (control and bidi characters stay out of the message)
      for (const raw of ['\u0000', '\u202e', '\n']) assert.equal(errors[0]!.includes(raw), false, JSON.stringify(errors[0]));
    }
    // 32 regions is the bound, 64 characters the longest name
    assert.deepEqual(errorsOf({ regions: Array.from({ length: 32 }, (_, i) => `r${i}`) }), []);
    assert.deepEqual(errorsOf({ regions: ['x'.repeat(64)] }), []);
  });
});
