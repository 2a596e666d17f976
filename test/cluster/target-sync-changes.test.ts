// When the targets token moves, a cluster node reads only the targets written and deleted
// since its last read (src/cluster/target-sync.ts, Postgres migration 13), not the whole
// fleet. Real Postgres; "another node" writes through its own store. What must hold: every
// committed change reaches the running set, including one whose transaction was still open
// during a read (it commits after a later change was already read), a delete, and a delete
// followed by a re-create of the same id (kept, not dropped); and a round reads only the rows
// written since.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readSyncStart, startTargetSync, type TargetSync } from '../../src/cluster/target-sync.js';
import { BUILTIN_TARGET_DEFAULTS, parseTargetInput, type TargetDefinition } from '../../src/config/target-definition.js';
import { TargetRegistry } from '../../src/daemon/target-registry.js';
import type { TargetHost } from '../../src/daemon/target-host.js';
import type { Logger } from '../../src/daemon/logger.js';
import { openPostgresStore, type PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { targetInputOf, type TargetRecord } from '../../src/storage/store.js';
import { schemaPool } from '../helpers/postgres.js';
import { httpTarget } from '../storage/store.fixtures.js';

const schemas = schemaPool('vigil_sync_changes');
const FLEET = 300;

function definition(record: TargetRecord): TargetDefinition {
  const parsed = parseTargetInput(targetInputOf(record), record.source, BUILTIN_TARGET_DEFAULTS);
  if (!parsed.ok) throw new Error(`fixture target ${record.id} does not parse`);
  return parsed.target;
}

describe('target sync reads what changed', () => {
  let store: PostgresStore;
  let other: PostgresStore;
  let sync: TargetSync;
  const registry = new TargetRegistry();
  const unscheduled: string[] = [];
  const logs: string[] = [];

  before(async () => {
    const url = schemas.urlFor(schemas.next());
    store = await openPostgresStore({ url });
    other = await openPostgresStore({ url });
    await other.upsertTargets(Array.from({ length: FLEET }, (_, i) => httpTarget(`t${i}`)), 1_000);
    // as the daemon starts: the token and xmin first, then the list it loads itself
    const primed = await readSyncStart(store.pool);
    for (const record of await store.listTargets()) registry.set(definition(record));
    const host: TargetHost = {
      store,
      registry,
      defaults: BUILTIN_TARGET_DEFAULTS,
      schedule: (target) => registry.set(target),
      unschedule: (id) => {
        unscheduled.push(id);
        registry.delete(id);
      },
    };
    const windows = { changeCount: 0, reloadFromStore: () => Promise.resolve() };
    const log: Logger = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(`WARN ${m}`), error: (m: string) => logs.push(`ERROR ${m}`) };
    sync = startTargetSync(store.pool, host, windows, log, 3_600_000, primed);
  });
  after(async () => {
    sync.stop();
    await other.close();
    await store.close();
  });

  it('reads nothing while nothing changed', async () => {
    await sync.fresh();
    assert.deepEqual(sync.reads(), { full: 0, changes: 0, rows: 0 });
    assert.equal(registry.size, FLEET);
  });

  it('reads one row for one target changed elsewhere, and applies it', async () => {
    await other.updateTarget('t7', { name: 'renamed seven' }, 2_000);
    await sync.fresh();
    assert.deepEqual(sync.reads(), { full: 0, changes: 1, rows: 1 });
    assert.equal(registry.get('t7')?.name, 'renamed seven');
    assert.equal(registry.size, FLEET);
  });

  it('drops a target deleted elsewhere, and keeps one deleted and created again', async () => {
    assert.equal(await other.deleteTarget('t8'), true);
    assert.equal(await other.deleteTarget('t9'), true);
    await other.createTarget(httpTarget('t9', { name: 'born again' }), 3_000);
    await sync.fresh();
    assert.deepEqual(unscheduled, ['t8'], 't9 is not dropped on the way');
    assert.equal(registry.get('t8'), undefined);
    assert.equal(registry.get('t9')?.name, 'born again');
    assert.deepEqual(sync.reads(), { full: 0, changes: 2, rows: 2 }, 't9 (and the rows of the earlier round) only: t7 and t9');
  });

  it('does not lose a change whose transaction was open while a later one was read', async () => {
    // The hazard: an older transaction (lower id) writes its target after a younger one
    // committed and was read. Counting by the highest id read so far would skip it forever.
    const slow = await other.pool.connect();
    try {
      await slow.query('BEGIN');
      await slow.query('SELECT pg_current_xact_id()');
      await other.updateTarget('t21', { name: 'quick writer' }, 4_000);
      await sync.fresh();
      assert.equal(registry.get('t21')?.name, 'quick writer');
      await slow.query("UPDATE targets SET name = 'slow writer' WHERE id = 't20'");
      await slow.query('COMMIT');
    } finally {
      slow.release();
    }
    const { rows } = await store.pool.query<{ id: string; younger: boolean }>(
      "SELECT id, changed_xid > (SELECT changed_xid FROM targets WHERE id = 't20') AS younger FROM targets WHERE id = 't21'",
    );
    assert.equal(rows[0]?.younger, true, 'the change read first has the higher transaction id');
    await sync.fresh();
    assert.equal(registry.get('t20')?.name, 'slow writer', 'read although a younger transaction was read first');
    const reads = sync.reads();
    assert.equal(reads.full, 0);
    assert.equal(reads.changes, 4);
    assert.ok(reads.rows <= 2 + 2 + 2, `only rows written since each read: ${reads.rows}`);
    assert.equal(registry.size, FLEET - 1);
    assert.ok(logs.some((m) => /1 written, 0 deleted since the last read/.test(m)), logs.join('\n'));
  });

  it('a node that reads changes every round still reads the whole list once per period and prunes old tombstones', async () => {
    // a second node's sync on the same store, with a 400 ms whole-list period and tombstones pruned at any age
    const start = await readSyncStart(store.pool);
    const second = new TargetRegistry();
    for (const record of await store.listTargets()) second.set(definition(record));
    const host: TargetHost = { store, registry: second, defaults: BUILTIN_TARGET_DEFAULTS, schedule: (t) => second.set(t), unschedule: (id) => void second.delete(id) };
    const quiet: Logger = { info: () => undefined, warn: (m) => logs.push(`WARN ${m}`), error: (m) => logs.push(`ERROR ${m}`) };
    const churn = startTargetSync(store.pool, host, { changeCount: 0, reloadFromStore: () => Promise.resolve() }, quiet, 3_600_000, start, { fullReadAfterMs: 400, tombstoneMaxAgeMs: 0 });
    try {
      const tombstones = async (): Promise<number> => Number((await store.pool.query<{ n: string }>('SELECT count(*) AS n FROM target_tombstones')).rows[0]?.n);
      assert.ok((await tombstones()) >= 2, 'the earlier deletes left tombstones');
      const began = performance.now();
      // a change before every round, so no round is ever skipped for an unchanged token
      for (let i = 0; performance.now() - began < 1_000; i++) {
        await other.updateTarget('t30', { name: `churn ${i}` }, 10_000 + i);
        await churn.fresh();
        await new Promise((r) => setTimeout(r, 50));
      }
      const elapsedMs = performance.now() - began;
      const reads = churn.reads();
      // one whole-list read per 400 ms at most (each needs 400 ms since the last), and at least one in ≥ 1 s
      assert.ok(reads.full >= 1 && reads.full <= Math.floor(elapsedMs / 400), `whole-list reads in ${elapsedMs.toFixed(0)} ms at a 400 ms period: ${reads.full}`);
      assert.ok(reads.changes >= 1, `the other rounds read changes: ${JSON.stringify(reads)}`);
      assert.equal(await tombstones(), 0, 'pruned at a whole-list read');
      assert.match(second.get('t30')?.name ?? '', /^churn \d+$/);
      assert.equal(second.size, registry.size);
    } finally {
      churn.stop();
    }
  });
});
