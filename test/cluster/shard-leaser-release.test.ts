// A node gives shards back when another node of its region comes up. It stops checking them
// before the release commits; when the release transaction fails (here a real Postgres
// trigger refuses it), the daemon must still hear that those shards are no longer held, or
// their targets' timers stay armed and fire for nothing from then on (no later tick would
// name them: they already left the held set).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { SHARD_COUNT, ShardLeaser } from '../../src/cluster/shard-leaser.js';
import { migratePostgres } from '../../src/storage/postgres/pg-schema.js';
import { schemaPool, TEST_PG_URL } from '../helpers/postgres.js';

const schemas = schemaPool('vigil_lease_release');
const schema = schemas.next();
let pool: pg.Pool;

before(async () => {
  pool = new pg.Pool({ connectionString: TEST_PG_URL, options: `-c search_path=${schema}`, max: 2 });
  await migratePostgres(pool, schema);
});
after(async () => {
  await pool.end();
  await schemas.drop();
});

const held = async (owner: string): Promise<number> =>
  Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM shard_leases WHERE owner = $1 AND expires_at > now()', [owner])).rows[0]?.n);

test('a release that fails to commit still takes the given-back shards off the daemon\'s timers', async () => {
  const told: { gained: number; lost: number[] }[] = [];
  const errors: string[] = [];
  const leaser = new ShardLeaser({
    pool, nodeId: 'a', region: 'r1', apiUrl: null,
    onHeld: ({ gained, lost }) => told.push({ gained: gained.size, lost: [...lost].sort((x, y) => x - y) }),
    onChange: (e) => void ('error' in e && errors.push(e.error)),
  });
  await leaser.tick();
  assert.deepEqual(told, [{ gained: SHARD_COUNT, lost: [] }], 'alone in its region, it takes all 64');
  assert.equal(await held('a'), SHARD_COUNT);

  // A second live node in the region halves the fair share; Postgres refuses the release.
  await pool.query("INSERT INTO cluster_nodes (node_id, region, api_url, heartbeat_at) VALUES ('b', 'r1', NULL, now())");
  await pool.query(`
    CREATE FUNCTION refuse_release() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.owner IS NULL AND OLD.owner IS NOT NULL THEN RAISE EXCEPTION 'release refused by the test'; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER refuse_release BEFORE UPDATE ON shard_leases FOR EACH ROW EXECUTE FUNCTION refuse_release();`);
  told.length = 0;
  await leaser.tick();
  assert.equal(errors.length, 1);
  assert.match(errors[0] ?? '', /release refused by the test/);
  assert.equal(await held('a'), SHARD_COUNT, 'the release rolled back: the store still says a holds all 64');
  const kept = leaser.state().owned;
  assert.equal(kept.length, SHARD_COUNT / 2, 'it checks only its fair share from now on');
  assert.equal(told.length, 1, 'the daemon was told');
  assert.equal(told[0]?.gained, 0);
  assert.deepEqual(told[0]?.lost, Array.from({ length: SHARD_COUNT }, (_, s) => s).filter((s) => !kept.includes(s)), 'exactly the shards it was giving back');

  // The next tick gives them back for real; nothing changes for the daemon.
  await pool.query('DROP TRIGGER refuse_release ON shard_leases');
  told.length = 0;
  await leaser.tick();
  assert.equal(errors.length, 1, 'no new error');
  assert.equal(await held('a'), SHARD_COUNT / 2);
  assert.deepEqual(leaser.state().owned, kept);
  assert.deepEqual(told, [], 'no timer to arm or disarm');
  await leaser.stop();
});
