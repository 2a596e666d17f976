// The quorum decision (src/cluster/regional-incidents.ts) on a real Postgres, two regions'
// ports side by side as two nodes would run them: a quorum incident keeps the probe-degraded
// flag as one node's does (true only when every region that saw it down was degraded), and
// its `regions` column says which regions saw what on open, on every later decision and on
// the close; a region the target stops naming loses its verdict.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createRegionalIncidentPort } from '../../src/cluster/regional-incidents.js';
import type { Quorum } from '../../src/domain/region.js';
import type { IncidentEvent } from '../../src/incidents/incident-events.js';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { schemaPool } from '../helpers/postgres.js';

const schemas = schemaPool('vigil_regional');
const T0 = Date.now() - 60_000;

const opened = (targetId: string, at: number, probeDegraded: boolean): IncidentEvent => ({ type: 'opened', targetId, at, errorKind: 'timeout', detail: 'no answer in 10000 ms', failureCount: 2, probeDegraded });
const recovered = (targetId: string, at: number): IncidentEvent => ({ type: 'resolved', targetId, at, durationMs: 0, failuresAdded: 0, lastErrorKind: null, lastDetail: null, reason: 'recovered' });

test('quorum incidents: probe-degraded kept like a local one; regions stored on open, update and close', { timeout: 60_000 }, async () => {
  const store = await openPostgresStore({ url: schemas.urlFor(schemas.next()) });
  after(() => store.close());
  const { pool } = store;
  await pool.query(`INSERT INTO cluster_nodes (node_id, region, heartbeat_at) VALUES ('eu-1', 'europe', now()), ('us-1', 'america', now())`);
  const placements = new Map<string, { regions: readonly string[] | null; quorum: Quorum }>([
    ['deg', { regions: null, quorum: 'majority' }],
    ['mixed', { regions: null, quorum: 'majority' }],
    ['three', { regions: ['europe', 'america', 'asia'], quorum: 'any' }],
  ]);
  const port = (region: string) => createRegionalIncidentPort({ pool, store, region, leaseMs: 10_000, placementOf: (id) => placements.get(id), nowMs: () => Date.now() });
  const eu = port('europe');
  const us = port('america');

  // both regions saw it down on degraded probes: the incident says the probes may be the cause
  assert.equal(await eu.record(opened('deg', T0, true)), null, 'majority of two needs both');
  const degOpened = await us.record(opened('deg', T0 + 1_000, true));
  assert.equal(degOpened?.type, 'opened');
  assert.deepEqual(degOpened?.type === 'opened' && [degOpened.probeDegraded, degOpened.at, degOpened.regions], [true, T0 + 1_000, { quorum: 'majority', required: 2, verdicts: { america: 'down', europe: 'down' } }]);
  const deg = await store.getOpenIncident('deg');
  assert.deepEqual([deg?.openedWhileProbeDegraded, deg?.regions], [true, { quorum: 'majority', required: 2, verdicts: { america: 'down', europe: 'down' } }]);
  // one healthy region seeing it down clears the flag
  await eu.record(opened('mixed', T0, true));
  const mixedOpened = await us.record(opened('mixed', T0 + 500, false));
  assert.equal(mixedOpened?.type === 'opened' && mixedOpened.probeDegraded, false);
  assert.equal((await store.getOpenIncident('mixed'))?.openedWhileProbeDegraded, false);

  // america recovers: below the quorum, closed; the resolve event and the row say who saw what then
  const closed = await us.record(recovered('deg', T0 + 5_000));
  assert.deepEqual(closed?.type === 'resolved' && [closed.at, closed.durationMs, closed.regions], [T0 + 5_000, 4_000, { quorum: 'majority', required: 2, verdicts: { america: 'up', europe: 'down' } }]);
  const degClosed = (await store.listIncidents({ targetId: 'deg', state: 'closed' })).items[0];
  assert.deepEqual([degClosed?.closedAt, degClosed?.openedWhileProbeDegraded, degClosed?.regions], [T0 + 5_000, true, { quorum: 'majority', required: 2, verdicts: { america: 'up', europe: 'down' } }]);
  assert.match(degClosed?.lastDetail ?? '', /^down in europe; up in america \(quorum majority: 2 of 2 regions\) — europe: no answer in 10000 ms$/);

  // any of three, asia never live: europe opens it; america seeing it down too updates the row's regions
  const threeOpened = await eu.record(opened('three', T0, false));
  assert.deepEqual(threeOpened?.type === 'opened' && threeOpened.regions, { quorum: 'any', required: 1, verdicts: { america: 'up', asia: 'no_live_node', europe: 'down' } });
  assert.equal(await us.record(opened('three', T0 + 2_000, false)), null, 'already open: no second alert');
  assert.deepEqual((await store.getOpenIncident('three'))?.regions, { quorum: 'any', required: 1, verdicts: { america: 'down', asia: 'no_live_node', europe: 'down' } });
  // the target stops naming europe: the next decision drops europe's verdict
  placements.set('three', { regions: ['america'], quorum: 'any' });
  assert.equal(await us.reevaluate?.('three'), null);
  assert.deepEqual((await store.getOpenIncident('three'))?.regions, { quorum: 'any', required: 1, verdicts: { america: 'down' } });
  const left = await pool.query<{ region: string }>(`SELECT region FROM region_verdicts WHERE target_id = 'three' ORDER BY region`);
  assert.deepEqual(left.rows.map((r) => r.region), ['america']);
});
