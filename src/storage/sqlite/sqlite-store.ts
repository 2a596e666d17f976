import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { DEFAULT_RETENTION, type Store } from '../store.js';
import { AlertOutboxRepo } from './alert-outbox-repo.js';
import { IncidentsRepo } from './incidents-repo.js';
import { Interner } from './interner.js';
import { Meta } from './meta.js';
import { openDatabase } from './open-database.js';
import type { SqliteOptions } from './open-database.js';
import { ResultsRepo } from './results-repo.js';
import { RollupsRepo } from './rollups-repo.js';
import { Summaries } from './summaries.js';
import { TargetsRepo } from './targets-repo.js';
import { WindowsRepo } from './windows-repo.js';
import { WatchStateRepo } from './watch-state-repo.js';

/** The Store interface with every method synchronous (what SQLite really is). */
export type SyncStore = {
  [K in keyof Store]: Store[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

/** Every Store method, checked by the compiler: used to build the async wrappers. */
export const STORE_METHODS = Object.keys({
  insertResults: 1, listTargets: 1, getTarget: 1, createTarget: 1, updateTarget: 1, upsertTarget: 1, upsertTargets: 1, deleteTarget: 1,
  queryResults: 1, recentTimings: 1, uptime: 1, latency: 1, rollup: 1, listRollups: 1, statusBuckets: 1, applyRetention: 1, sizeReport: 1, vacuum: 1,
  openIncident: 1, updateIncident: 1, closeIncident: 1, getOpenIncident: 1, listIncidents: 1,
  listMaintenanceWindows: 1, putMaintenanceWindow: 1, deleteMaintenanceWindow: 1,
  enqueueAlertDeliveries: 1, claimAlertDeliveries: 1, finishAlertAttempt: 1, listAlertDeliveries: 1, recordAlertDelivery: 1, listOpenIncidentReminders: 1, takeAlertReminder: 1,
  listHeartbeatStates: 1, putHeartbeatState: 1, appendHeartbeatSignal: 1, appendHeartbeatSignalWithin: 1, pendingHeartbeatSignals: 1, listCertWarnings: 1, putCertWarning: 1, close: 1,
} satisfies Record<keyof Store, 1>) as Array<keyof Store>;

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Builds the synchronous SQLite store on one connection. Blocks its thread while SQLite
 * works: the daemon uses `openWorkerSqliteStore`, which runs this in a worker thread.
 */
export function openSyncSqliteStore(options: SqliteOptions): SyncStore {
  const db: Database.Database = openDatabase(options);
  const interners = {
    targets: new Interner(db, 'target_keys', 'id'),
    endpoints: new Interner(db, 'endpoints', 'value'),
    tls: new Interner(db, 'tls_infos', 'json'),
  };
  const meta = new Meta(db);
  const targets = new TargetsRepo(db);
  const results = new ResultsRepo(db, interners);
  const summaries = new Summaries(db, interners.targets, meta);
  const rollups = new RollupsRepo(db, interners.targets, meta);
  const incidents = new IncidentsRepo(db);
  const windows = new WindowsRepo(db);
  const outbox = new AlertOutboxRepo(db);
  const watch = new WatchStateRepo(db);
  const count = (table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

  return {
    insertResults: (batch) => results.insert(batch),
    listTargets: () => targets.list(),
    getTarget: (id) => targets.get(id),
    createTarget: (t, nowMs) => targets.create(t, nowMs),
    updateTarget: (id, patch, nowMs) => targets.update(id, patch, nowMs),
    upsertTarget: (t, nowMs) => targets.upsert(t, nowMs),
    upsertTargets: (list, nowMs) => targets.upsertMany(list, nowMs),
    deleteTarget: (id) => {
      watch.forgetTarget(id);
      return targets.delete(id);
    },
    queryResults: (q) => results.query(q),
    recentTimings: (ids, fromMs, toMs, perTarget) => results.recentTimings(ids, fromMs, toMs, perTarget),
    uptime: (id, window, nowMs) => summaries.uptime(id, window, nowMs),
    latency: (id, fromMs, toMs) => summaries.latency(id, fromMs, toMs),
    rollup: (nowMs, graceMs) => rollups.rollup(nowMs, graceMs),
    listRollups: (id, fromMs, toMs) => rollups.list(id, fromMs, toMs),
    statusBuckets: (id, unit, fromMs, toMs) => summaries.statusBuckets(id, unit, fromMs, toMs),
    applyRetention: (nowMs, policy) => {
      const report = rollups.applyRetention(nowMs, policy);
      report.alertDeliveriesDeleted = outbox.pruneFinished(nowMs - (policy ?? DEFAULT_RETENTION).rawRetentionMs);
      report.heartbeatPushesDeleted = watch.pruneSignals(nowMs - (policy ?? DEFAULT_RETENTION).rawRetentionMs);
      return report;
    },
    sizeReport: () => {
      const pageBytes = db.pragma('page_size', { simple: true }) as number;
      const freePages = db.pragma('freelist_count', { simple: true }) as number;
      const walBytes = options.path === ':memory:' ? 0 : fileBytes(`${options.path}-wal`);
      return {
        fileBytes: (options.path === ':memory:' ? 0 : fileBytes(options.path)) + walBytes,
        walBytes,
        freeBytes: freePages * pageBytes,
        rawResults: count('results'),
        rollups: count('rollups'),
        targets: count('targets'),
        incidents: count('incidents'),
      };
    },
    vacuum: () => {
      db.exec('VACUUM');
      db.pragma('wal_checkpoint(TRUNCATE)');
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
    close: () => {
      db.close();
    },
  };
}

/** An async Store running on the calling thread (tests, CLI tools, the worker itself). */
function inThreadStore(sync: SyncStore): Store {
  const store = {} as Record<keyof Store, (...args: unknown[]) => Promise<unknown>>;
  for (const method of STORE_METHODS) {
    const fn = sync[method] as (...args: unknown[]) => unknown;
    store[method] = async (...args) => fn(...args);
  }
  return store as unknown as Store;
}

export function openSqliteStore(options: SqliteOptions): Store {
  return inThreadStore(openSyncSqliteStore(options));
}
