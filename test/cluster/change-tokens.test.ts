// The cluster's change tokens (src/cluster/target-sync.ts, Postgres migration 12): every
// committed change to targets or maintenance windows moves its token, through any statement
// that changed a row; a statement that changed nothing, an uncommitted change and a change to
// the other table do not; the read is one primary-key lookup whatever the fleet.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SYNC_TOKEN_SQL } from '../../src/cluster/target-sync.js';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { schemaPool } from '../helpers/postgres.js';
import { httpTarget } from '../storage/store.fixtures.js';

const schemas = schemaPool('vigil_tokens');

describe('cluster change tokens', async () => {
  const store = await openPostgresStore({ url: schemas.urlFor(schemas.next()) });
  after(() => store.close());
  const tokens = async (): Promise<{ targets: string; windows: string }> => (await store.pool.query<{ targets: string; windows: string }>(SYNC_TOKEN_SQL)).rows[0] as { targets: string; windows: string };
  const window = { id: 'nightly', source: 'api' as const, input: { id: 'nightly', from: 0, to: 1, global: true } };

  it('moves the targets token on each committed insert, update and delete, and only then', async () => {
    const t0 = await tokens();
    await store.createTarget(httpTarget('a'), 1_000);
    const t1 = await tokens();
    assert.notEqual(t1.targets, t0.targets, 'insert');
    assert.equal(t1.windows, t0.windows, 'a target write leaves the windows token');
    await store.updateTarget('a', { name: 'renamed' }, 2_000);
    const t2 = await tokens();
    assert.notEqual(t2.targets, t1.targets, 'update');
    assert.equal(await store.deleteTarget('a'), true);
    const t3 = await tokens();
    assert.notEqual(t3.targets, t2.targets, 'delete');
    assert.equal(await store.deleteTarget('a'), false);
    assert.equal((await tokens()).targets, t3.targets, 'a delete of nothing');
  });

  it('moves once for a bulk upsert of many targets, and not at all when it changes nothing', async () => {
    const list = Array.from({ length: 500 }, (_, i) => httpTarget(`bulk-${i}`));
    const before = await tokens();
    await store.upsertTargets(list, 3_000);
    const first = await tokens();
    assert.equal(BigInt(first.targets) - BigInt(before.targets), 1n, 'one statement, one bump');
    await store.upsertTargets(list, 4_000);
    assert.equal((await tokens()).targets, first.targets, 'unchanged rows are not written');
  });

  it('is not moved by a change another session has not committed', async () => {
    const client = await store.pool.connect();
    try {
      const before = await tokens();
      await client.query('BEGIN');
      await client.query("UPDATE targets SET name = 'in flight' WHERE id = 'bulk-1'");
      assert.equal((await tokens()).targets, before.targets, 'uncommitted');
      await client.query('COMMIT');
      assert.notEqual((await tokens()).targets, before.targets, 'committed');
    } finally {
      client.release();
    }
  });

  it('moves the windows token on a window write and delete', async () => {
    const w0 = await tokens();
    await store.putMaintenanceWindow(window, 5_000);
    const w1 = await tokens();
    assert.notEqual(w1.windows, w0.windows, 'put');
    assert.equal(w1.targets, w0.targets, 'a window write leaves the targets token');
    assert.equal(await store.deleteMaintenanceWindow('nightly'), true);
    assert.notEqual((await tokens()).windows, w1.windows, 'delete');
  });

  it('reads two rows by primary key, not the tables', async () => {
    const { rows } = await store.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${SYNC_TOKEN_SQL}`);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    assert.match(plan, /change_counters_pkey/);
    assert.doesNotMatch(plan, /on targets|on maintenance_windows/i, plan);
  });
});
