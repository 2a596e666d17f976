/**
 * The Postgres Store: the same interface and contract suite as the SQLite store, for one or
 * many `vigil serve` nodes sharing one database (docs/storage.md, "Postgres").
 */
import type pg from 'pg';
import { DEFAULT_RETENTION, type Store } from '../store.js';
import { checkSchemaName, createPool, parsePostgresUrl, type PostgresOptions } from './pg-connection.js';
import { PgAlertOutboxRepo } from './pg-alert-outbox-repo.js';
import { PgIncidentsRepo } from './pg-incidents-repo.js';
import { PgInterner } from './pg-interner.js';
import { ResultPartitions } from './pg-partitions.js';
import { PgResultsRepo } from './pg-results-repo.js';
import { PgRollupsRepo } from './pg-rollups-repo.js';
import { migratePostgres } from './pg-schema.js';
import { PgSummaries } from './pg-summaries.js';
import { PgTargetsRepo } from './pg-targets-repo.js';
import { PgWindowsRepo } from './pg-windows-repo.js';
import { PgWatchStateRepo } from './pg-watch-state-repo.js';

/** A Postgres store whose pool exists but whose schema is not checked yet. */
export interface PostgresStore extends Store {
  /** user@host:port/database and schema, no password: for logs */
  readonly display: string;
  /** the pool (the cluster coordinator shares it) */
  readonly pool: pg.Pool;
  /**
   * Connects and applies migrations. Rejects when the database is unreachable (call again
   * to retry) or with StoreSchemaError when its schema is newer than this program.
   */
  connect(): Promise<void>;
  readonly isConnected: boolean;
}

/** The store is built but has not reached its database yet. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/** Builds the store without any I/O: the daemon starts its API, then waits in connect(). */
export function createPostgresStore(options: PostgresOptions, onIdleError: (err: Error) => void = () => undefined): PostgresStore {
  const parsed = parsePostgresUrl(options.url);
  const schema = checkSchemaName(options.schema ?? parsed.schema);
  const pool = createPool(options, schema, onIdleError);
  const interners = { targets: new PgInterner(pool, 'target_keys'), endpoints: new PgInterner(pool, 'endpoints'), tls: new PgInterner(pool, 'tls_infos') };
  const partitions = new ResultPartitions(pool);
  const targets = new PgTargetsRepo(pool);
  const results = new PgResultsRepo(pool, interners, partitions);
  const summaries = new PgSummaries(pool, interners.targets);
  const rollups = new PgRollupsRepo(pool, interners.targets, partitions);
  const incidents = new PgIncidentsRepo(pool);
  const windows = new PgWindowsRepo(pool);
  const outbox = new PgAlertOutboxRepo(pool);
  const watch = new PgWatchStateRepo(pool);
  const display = `postgres ${parsed.display} schema ${schema}`;
  let connected = false;
  let closed = false;
  const ready = async (): Promise<void> => {
    if (closed) throw new StoreUnavailableError(`${display}: the store is closed`);
    if (!connected) throw new StoreUnavailableError(`${display}: not connected yet`);
  };
  const count = async (table: string): Promise<number> => (await pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0;

  const store: Store = {
    insertResults: (batch) => results.insert(batch),
    listTargets: () => targets.list(),
    getTarget: (id) => targets.get(id),
    createTarget: (t, nowMs) => targets.create(t, nowMs),
    updateTarget: (id, patch, nowMs) => targets.update(id, patch, nowMs),
    upsertTarget: (t, nowMs) => targets.upsert(t, nowMs),
    upsertTargets: (list, nowMs) => targets.upsertMany(list, nowMs),
    deleteTarget: async (id) => {
      await watch.forgetTarget(id);
      return targets.delete(id);
    },
    queryResults: (q) => results.query(q),
    recentTimings: (ids, fromMs, toMs, perTarget) => results.recentTimings(ids, fromMs, toMs, perTarget),
    uptime: (id, window, nowMs) => summaries.uptime(id, window, nowMs),
    latency: (id, fromMs, toMs) => summaries.latency(id, fromMs, toMs),
    rollup: (nowMs, graceMs) => rollups.rollup(nowMs, graceMs),
    listRollups: (id, fromMs, toMs) => rollups.list(id, fromMs, toMs),
    statusBuckets: (id, unit, fromMs, toMs) => summaries.statusBuckets(id, unit, fromMs, toMs),
    applyRetention: async (nowMs, policy) => {
      const report = await rollups.applyRetention(nowMs, policy);
      report.alertDeliveriesDeleted = await outbox.pruneFinished(nowMs - (policy ?? DEFAULT_RETENTION).rawRetentionMs);
      report.heartbeatPushesDeleted = await watch.pruneSignals(nowMs - (policy ?? DEFAULT_RETENTION).rawRetentionMs);
      return report;
    },
    sizeReport: async () => {
      // relkind r = tables (each partition is one), m = matviews; sizes include indexes and TOAST
      const { rows } = await pool.query<{ bytes: number }>(
        `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::int8 AS bytes FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')`,
      );
      return {
        fileBytes: rows[0]?.bytes ?? 0,
        // WAL and free space belong to the whole server, not to one store: not reported
        walBytes: 0,
        freeBytes: 0,
        rawResults: await count('results'),
        rollups: await count('rollups'),
        targets: await count('targets'),
        incidents: await count('incidents'),
      };
    },
    vacuum: async () => {
      await pool.query('VACUUM (ANALYZE) results, rollups, targets, incidents, target_keys, endpoints, tls_infos, meta, maintenance_windows, alert_outbox, heartbeat_state, heartbeat_signals, cert_warnings');
    },
    openIncident: (input) => incidents.open(input),
    updateIncident: (id, input) => incidents.updateOpen(id, input),
    closeIncident: (id, closedAt) => incidents.closeOpen(id, closedAt),
    getOpenIncident: (targetId) => incidents.openForTarget(targetId),
    listIncidents: (query) => incidents.list(query),
    listMaintenanceWindows: () => windows.list(),
    putMaintenanceWindow: (window, nowMs) => windows.put(window, nowMs),
    deleteMaintenanceWindow: (id) => windows.delete(id),
    enqueueAlertDeliveries: (deliveries) => outbox.enqueue(deliveries),
    claimAlertDeliveries: (claim) => outbox.claim(claim),
    finishAlertAttempt: (id, owner, outcome) => outbox.finishAttempt(id, owner, outcome),
    listAlertDeliveries: (query) => outbox.list(query),
    recordAlertDelivery: (delivery) => outbox.recordFinished(delivery),
    listOpenIncidentReminders: (after) => outbox.openIncidentReminders(after ?? null),
    takeAlertReminder: (take) => outbox.takeReminder(take),
    listHeartbeatStates: (region) => watch.listStates(region),
    putHeartbeatState: (state) => watch.put(state),
    appendHeartbeatSignal: (signal) => watch.appendSignal(signal),
    appendHeartbeatSignalWithin: (signal, limit) => watch.appendSignalWithin(signal, limit),
    pendingHeartbeatSignals: (region, ids, limit) => watch.pending(region, ids, limit),
    listCertWarnings: () => watch.listCerts(),
    putCertWarning: (state) => watch.putCertWarning(state),
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
  // every method but close waits for connect(): before it the tables may not exist
  const guarded = {} as Record<keyof Store, (...args: unknown[]) => Promise<unknown>>;
  for (const [name, fn] of Object.entries(store) as Array<[keyof Store, (...args: unknown[]) => Promise<unknown>]>) {
    guarded[name] = name === 'close' ? fn : async (...args) => {
      await ready();
      return fn(...args);
    };
  }
  const connectOnce = async (): Promise<void> => {
    if (connected) return;
    await migratePostgres(pool, schema);
    connected = true;
  };
  return Object.defineProperties(guarded as unknown as PostgresStore, {
    display: { value: display, enumerable: true },
    pool: { value: pool },
    isConnected: { get: () => connected, enumerable: true },
    connect: { value: connectOnce },
  });
}

/** Creates and connects in one step (tests, CLI tools): rejects when the database is unreachable. */
export async function openPostgresStore(options: PostgresOptions): Promise<PostgresStore> {
  const store = createPostgresStore(options);
  try {
    await store.connect();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
