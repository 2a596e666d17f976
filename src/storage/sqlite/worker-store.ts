import { Worker } from 'node:worker_threads';
import type { Store } from '../store.js';
import type { SqliteOptions } from './open-database.js';
import { STORE_METHODS } from './sqlite-store.js';
import { fromWire } from './worker-protocol.js';
import type { StoreCall, StoreReply, WorkerReady } from './worker-protocol.js';

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };

/**
 * Starts the worker file that sits beside this one. Built, it is plain .js. Under tsx (tests,
 * dev) it is .ts, and Node 20 does not apply --import hooks to a worker's .ts entry, so a
 * tiny eval'd bootstrap registers tsx in the worker first and then imports the entry.
 */
function startWorker(options: SqliteOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./store-worker.js', import.meta.url), { workerData: options });
  const entry = new URL('./store-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: options });
}

interface StoreWorker {
  call(method: keyof Store, args: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

/** One worker thread with its own connection; calls are served in arrival order. */
async function openStoreWorker(options: SqliteOptions, role: string): Promise<StoreWorker> {
  const worker = startWorker(options);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let dead: Error | null = null;

  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', (msg: WorkerReady) => (msg.ready ? resolve() : reject(fromWire(msg.error))));
    worker.once('error', reject);
  });
  const fail = (err: Error): void => {
    dead ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('error', (err) => fail(err));
  worker.on('exit', (code) => fail(new Error(`the storage ${role} worker exited (code ${code})`)));
  try {
    await ready;
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  worker.on('message', (reply: StoreReply) => {
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(fromWire(reply.error));
  });
  const call = (method: keyof Store, args: unknown[]): Promise<unknown> => {
    if (dead !== null) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args } satisfies StoreCall);
    });
  };
  return {
    call,
    close: async () => {
      if (dead !== null) return;
      await call('close', []);
      await worker.terminate();
    },
  };
}

/**
 * Which worker serves each method. `writer` takes the result batches and the small writes
 * (targets, incidents), so a batch never waits behind a slow job. `maintenance` takes the
 * long jobs (the hourly rollup reads millions of rows; retention deletes in chunks) and the
 * reads (WAL readers never block the writer, and the writer never blocks them).
 */
const LANES = {
  insertResults: 'writer', listTargets: 'writer', getTarget: 'writer', createTarget: 'writer', updateTarget: 'writer',
  upsertTarget: 'writer', upsertTargets: 'writer', deleteTarget: 'writer', openIncident: 'writer', updateIncident: 'writer', closeIncident: 'writer',
  getOpenIncident: 'writer', listIncidents: 'writer',
  listMaintenanceWindows: 'writer', putMaintenanceWindow: 'writer', deleteMaintenanceWindow: 'writer',
  enqueueAlertDeliveries: 'writer', claimAlertDeliveries: 'writer', finishAlertAttempt: 'writer', listAlertDeliveries: 'writer', recordAlertDelivery: 'writer', listOpenIncidentReminders: 'writer', takeAlertReminder: 'writer',
  listHeartbeatStates: 'writer', putHeartbeatState: 'writer', appendHeartbeatSignal: 'writer', appendHeartbeatSignalWithin: 'writer', pendingHeartbeatSignals: 'writer', listCertWarnings: 'writer', putCertWarning: 'writer',
  queryResults: 'maintenance', recentTimings: 'maintenance', uptime: 'maintenance', latency: 'maintenance', rollup: 'maintenance', listRollups: 'maintenance', statusBuckets: 'maintenance',
  applyRetention: 'maintenance', sizeReport: 'maintenance', vacuum: 'maintenance', close: 'writer',
} as const satisfies Record<keyof Store, 'writer' | 'maintenance'>;

/**
 * Opens the SQLite store in two worker threads and returns a Store whose calls are messages
 * to them: nothing SQLite does (a 10 k-row commit, a checkpoint's fsync, a 5 s busy wait on
 * a lock, an hour's rollup) can stall the event loop that schedules checks. If a worker
 * dies, pending and later calls to it reject with the reason.
 */
export async function openWorkerSqliteStore(options: SqliteOptions): Promise<Store> {
  // the writer first: it runs the migrations before the second connection opens
  const writer = await openStoreWorker(options, 'writer');
  let maintenance: StoreWorker;
  try {
    maintenance = await openStoreWorker(options, 'maintenance');
  } catch (err) {
    await writer.close();
    throw err;
  }
  const lanes = { writer, maintenance };
  const store = {} as Record<keyof Store, (...args: unknown[]) => Promise<unknown>>;
  for (const method of STORE_METHODS) store[method] = (...args) => lanes[LANES[method]].call(method, args);
  store.close = async () => {
    await Promise.all([writer.close(), maintenance.close()]);
  };
  return store as unknown as Store;
}
