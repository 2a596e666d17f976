import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_TARGET_DEFAULTS, parseTargetInput } from '../config/target-definition.js';
import { requiredRegions } from './region.js';

const base = { id: 'web', name: 'web', check: { url: 'https://example.com/' } };
const errorsOf = (extra: Record<string, unknown>) => {
  const parsed = parseTargetInput({ ...base, ...extra }, 'config', BUILTIN_TARGET_DEFAULTS);
  return parsed.ok ? [] : parsed.errors.map((e) => `${e.field}: ${e.message}`);
};

describe('target regions and quorum', () => {
  it('default: every region with a live node, majority', () => {
    const parsed = parseTargetInput(base, 'config', BUILTIN_TARGET_DEFAULTS);
    assert.ok(parsed.ok);
    assert.deepEqual([parsed.target.regions, parsed.target.quorum], [null, 'majority']);
    const listed = parseTargetInput({ ...base, regions: ['eu-west.1', 'us'], quorum: 'all' }, 'config', BUILTIN_TARGET_DEFAULTS);
    assert.ok(listed.ok);
    assert.deepEqual([listed.target.regions, listed.target.quorum], [['eu-west.1', 'us'], 'all']);
  });

  it('refuses bad regions and quorums, naming the field', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ regions: 'eu' }, /^regions: /],
      [{ regions: [] }, /^regions: expected at least one region/],
      [{ regions: ['eu', 'eu'] }, /^regions: expected each region once/],
      [{ regions: ['-eu'] }, /^regions\[0\]: expected region names of 1-64 letters/],
      [{ regions: [7] }, /^regions\[0\]: /],
      [{ regions: ['x'.repeat(65)] }, /^regions\[0\]: expected region names/],
      [{ regions: Array.from({ length: 33 }, (_, i) => `r${i}`) }, /^regions: /],
      [{ quorum: 'most' }, /^quorum: /],
      [{ quorum: 2 }, /^quorum: /],
    ];
    for (const [extra, expected] of cases) {
      const errors = errorsOf(extra);
      assert.equal(errors.length > 0, true, JSON.stringify(extra).slice(0, 80));
      assert.match(errors[0]!, expected, JSON.stringify(extra).slice(0, 80));
    }
  });

  it('required regions: any 1, majority more than half, all every one; none observed decides nothing', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => requiredRegions('majority', n)), [1, 2, 2, 3, 3]);
    assert.deepEqual([1, 2, 3].map((n) => requiredRegions('any', n)), [1, 1, 1]);
    assert.deepEqual([1, 2, 3].map((n) => requiredRegions('all', n)), [1, 2, 3]);
    assert.equal(requiredRegions('any', 0), Infinity);
  });
});
