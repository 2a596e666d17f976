import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeIncidentRegions, describeRegionVerdicts, incidentRegionsOf, parseIncidentRegions, regionsWith, requiredRegions } from '../../src/domain/region.js';

describe('regions', () => {
  it('required regions: any 1, majority more than half, all every one; none observed decides nothing', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => requiredRegions('majority', n)), [1, 2, 2, 3, 3]);
    assert.deepEqual([1, 2, 3].map((n) => requiredRegions('any', n)), [1, 1, 1]);
    assert.deepEqual([1, 2, 3].map((n) => requiredRegions('all', n)), [1, 2, 3]);
    assert.equal(requiredRegions('any', 0), Infinity);
  });

  it('which regions saw what: one record, one summary', () => {
    const r = incidentRegionsOf('majority', ['europe', 'america'], ['europe'], ['asia']);
    assert.deepEqual(r, { quorum: 'majority', required: 2, verdicts: { america: 'up', asia: 'no_live_node', europe: 'down' } });
    assert.deepEqual(Object.keys(r.verdicts), ['america', 'asia', 'europe']);
    assert.deepEqual(regionsWith(r, 'down'), ['europe']);
    assert.equal(describeRegionVerdicts(r), 'down in europe; up in america; no live node: asia');
    assert.equal(describeIncidentRegions(r), 'down in europe; up in america; no live node: asia (quorum majority: 2 of 2 regions)');
    // nothing observed: required is capped at what was observed (0), never Infinity (JSON has none)
    const none = incidentRegionsOf('all', [], [], ['asia']);
    assert.equal(none.required, 0);
    assert.equal(describeIncidentRegions(none), 'down in none; up in none; no live node: asia (quorum all: 0 of 0 regions)');
  });

  it('reads a stored record back (keys sorted), refuses anything else', () => {
    assert.deepEqual(Object.keys(parseIncidentRegions({ quorum: 'any', required: 1, verdicts: { zz: 'up', aa: 'down' } })?.verdicts ?? {}), ['aa', 'zz']);
    for (const bad of [null, [], 'x', { quorum: 'any', required: 1 }, { quorum: 'most', required: 1, verdicts: {} }, { quorum: 'any', required: -1, verdicts: {} },
      { quorum: 'any', required: 1.5, verdicts: {} }, { quorum: 'any', required: 1, verdicts: { eu: 'sideways' } }, { quorum: 'any', required: 1, verdicts: { 'e u': 'up' } },
      { quorum: 'any', required: 1, verdicts: [] }, { quorum: 'any', required: 1, verdicts: {}, extra: 1 }]) {
      assert.equal(parseIncidentRegions(bad), null, JSON.stringify(bad));
    }
  });
});
