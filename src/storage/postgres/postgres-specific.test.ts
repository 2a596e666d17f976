// What the shared contract cannot say about Postgres: racing migrations, a newer schema,
// daily partitions dropped by retention, a database that is not there or goes away.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adminQuery, schemaPool } from '../../../test/helpers/postgres.js';
import { freePort } from '../../../test/helpers/tcp-proxy.js';
import { httpResult } from '../../../test/storage/store.fixtures.js';
import { PostgresUrlError, parsePostgresUrl } from './pg-connection.js';
import { PG_SCHEMA_VERSION, StoreSchemaError } from './pg-schema.js';
import { createPostgresStore, openPostgresStore, StoreUnavailableError } from './postgres-store.js';

const schemas = schemaPool('vigil_pgspec');
const DAY = 86_400_000;

async function partitionsOf(schema: string): Promise<string[]> {
  const rows = await adminQuery<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
     JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = $1 AND p.relname = 'results' ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.name);
}

describe('Postgres store', () => {
  it('three nodes claiming the alert outbox at once never hold one delivery twice', async () => {
    const schema = schemas.next();
    const nodes = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url: schemas.urlFor(schema), maxConnections: 4 })));
    try {
      const now = Date.now();
      const ids = Array.from({ length: 300 }, (_, i) => `d${i}`);
      await nodes[0]!.enqueueAlertDeliveries(ids.map((id, i) => ({ id, channel: 'ops', eventType: 'incident_opened', targetId: `t${i}`, payload: '{}', createdAt: now })));
      const taken = new Map<string, string>();
      // each node claims small batches in a loop, all three at once, until nothing is left
      await Promise.all(
        nodes.map(async (store, n) => {
          for (;;) {
            const batch = await store.claimAlertDeliveries({ owner: `node-${n}`, nowMs: now, leaseMs: 60_000, limit: 7 });
            if (batch.length === 0) return;
            for (const d of batch) {
              assert.equal(taken.has(d.id), false, `${d.id} claimed by ${taken.get(d.id)} and node-${n}`);
              taken.set(d.id, `node-${n}`);
            }
          }
        }),
      );
      assert.equal(taken.size, 300);
      assert.ok(new Set(taken.values()).size >= 2, 'the work was shared');
    } finally {
      await Promise.all(nodes.map((s) => s.close()));
    }
  });

  it('applies migrations once when four stores start on one schema at the same moment', async () => {
    const schema = schemas.next();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openPostgresStore({ url: schemas.urlFor(schema) })));
    try {
      const rows = await adminQuery<{ version: number }>(`SELECT version FROM ${schema}.vigil_schema ORDER BY version`);
      assert.deepEqual(rows.map((r) => r.version), Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => i + 1));
      await (stores[0] as (typeof stores)[number]).insertResults([httpResult(Date.UTC(2025, 0, 1))]);
      assert.equal((await (stores[3] as (typeof stores)[number]).sizeReport()).rawResults, 1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('refuses a schema written by a newer version, saying which and why', async () => {
    const schema = schemas.next();
    const first = await openPostgresStore({ url: schemas.urlFor(schema) });
    await first.close();
    await adminQuery(`INSERT INTO ${schema}.vigil_schema (version) VALUES ($1)`, [PG_SCHEMA_VERSION + 5]);
    await assert.rejects(openPostgresStore({ url: schemas.urlFor(schema) }), (e: unknown) => {
      assert.ok(e instanceof StoreSchemaError);
      assert.equal(e.foundVersion, PG_SCHEMA_VERSION + 5);
      assert.match(e.message, new RegExp(`schema "${schema}" has schema version ${PG_SCHEMA_VERSION + 5}, newer than this program supports \\(${PG_SCHEMA_VERSION}\\); upgrade vigil`));
      return true;
    });
  });

  it('keeps results in daily partitions and retention drops whole partitions', async () => {
    const schema = schemas.next();
    const store = await openPostgresStore({ url: schemas.urlFor(schema) });
    try {
      const now = Date.UTC(2025, 5, 15, 12, 0, 0);
      await store.insertResults([httpResult(now - 20 * DAY), httpResult(now - 20 * DAY + 1_000), httpResult(now - 10 * DAY), httpResult(now - 60_000)]);
      const day = (ms: number) => `results_p${Math.floor(ms / DAY)}`;
      assert.deepEqual(await partitionsOf(schema), [day(now - 20 * DAY), day(now - 10 * DAY), day(now)].sort());
      await store.rollup(now);
      const report = await store.applyRetention(now, { rawRetentionMs: 7 * DAY, rollupRetentionMs: 400 * DAY });
      assert.equal(report.rawDeleted, 3);
      assert.deepEqual(await partitionsOf(schema), [day(now)]);
      // a result for a dropped day is written again (the partition comes back)
      await store.insertResults([httpResult(now - 20 * DAY)]);
      assert.equal((await store.sizeReport()).rawResults, 2);
    } finally {
      await store.close();
    }
  });

  it('reads a latency window index-only: the phase timings are in the per-target index of every partition (migration 11)', async () => {
    const schema = schemas.next();
    const store = await openPostgresStore({ url: schemas.urlFor(schema) });
    try {
      const now = Date.UTC(2025, 5, 15, 12, 0, 0);
      const batch = [];
      for (let at = now - 2 * DAY; at < now; at += 600_000) for (const targetId of ['a', 'b', 'web']) batch.push(httpResult(at, { targetId }));
      await store.insertResults(batch);
      await adminQuery(`VACUUM ${schema}.results`); // the visibility map: no heap fetch for the index-only scans
      const key = (await adminQuery<{ key: number }>(`SELECT key FROM ${schema}.target_keys WHERE value = 'web'`))[0]?.key;
      // the statement pg-summaries.ts runs; small tables would be read whole, so scans other than index scans are off
      const plan = await store.pool.connect().then(async (client) => {
        try {
          await client.query('SET enable_seqscan = off; SET enable_bitmapscan = off');
          const { rows } = await client.query<{ 'QUERY PLAN': string }>(
            'EXPLAIN (ANALYZE, COSTS OFF) SELECT dns_us, connect_us, tls_us, ttfb_us, receive_us, total_us FROM results WHERE target_key = $1 AND started_at >= $2 AND started_at < $3',
            [key, now - 2 * DAY, now],
          );
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        } finally {
          await client.query('RESET enable_seqscan; RESET enable_bitmapscan');
          client.release();
        }
      });
      assert.equal((plan.match(/Index Only Scan using results_p\d+_target_key_started_at_id_status_in_maintenan\w* on results_p\d+/g) ?? []).length, 3, plan); // the window touches three days
      assert.doesNotMatch(plan, /Heap Fetches: [1-9]/, plan);
      assert.equal((await store.latency('web', now - 2 * DAY, now)).phases.ttfb.count, 288);
    } finally {
      await store.close();
    }
  });

  it('answers a wrong URL with an error naming the field, never echoing the password', () => {
    assert.throws(() => parsePostgresUrl('mysql://u:secret@h/db', '--store'), (e: unknown) => e instanceof PostgresUrlError && e.field === '--store' && /postgres:\/\//.test(e.message) && !e.message.includes('secret'));
    assert.throws(() => parsePostgresUrl('postgres://u:secret@h', '--store'), /--store: expected one database name/);
    assert.throws(() => parsePostgresUrl('postgres://h/db?schema=Bad-Name', '--store'), /--store: schema must match/);
    assert.throws(() => parsePostgresUrl('not a url', '--store'), /--store: expected postgres:\/\/user@host/);
    assert.deepEqual(parsePostgresUrl('postgresql://me:pw@db.example:6543/vigil?schema=fleet&sslmode=require'), {
      connectionString: 'postgresql://me:pw@db.example:6543/vigil?sslmode=require', schema: 'fleet', display: 'me@db.example:6543/vigil',
    });
  });

  it('rejects calls before connect(), and connect() against a closed port fails without crashing', async () => {
    const port = await freePort();
    const store = createPostgresStore({ url: `postgres://postgres@127.0.0.1:${port}/test`, connectTimeoutMs: 1_000 });
    try {
      await assert.rejects(store.listTargets(), (e: unknown) => e instanceof StoreUnavailableError && /not connected yet/.test(e.message));
      await assert.rejects(store.connect(), (e: unknown) => (e as { code?: string }).code === 'ECONNREFUSED');
      assert.equal(store.isConnected, false);
    } finally {
      await store.close();
    }
  });

  it('survives its connections being terminated by the server: the next call reconnects', async () => {
    const schema = schemas.next();
    const idleErrors: Error[] = [];
    const store = createPostgresStore({ url: schemas.urlFor(schema), applicationName: `vigil-test-${schema}` }, (e) => idleErrors.push(e));
    await store.connect();
    try {
      await store.insertResults([httpResult(Date.UTC(2025, 0, 1))]);
      const killed = await adminQuery<{ ok: boolean }>('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1', [`vigil-test-${schema}`]);
      assert.ok(killed.length >= 1);
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(idleErrors.length >= 1, 'the pool reported the terminated idle connection');
      await store.insertResults([httpResult(Date.UTC(2025, 0, 1, 0, 1))]);
      assert.equal((await store.sizeReport()).rawResults, 2);
    } finally {
      await store.close();
    }
  });
});
