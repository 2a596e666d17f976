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

/**
 * Opens the SQLite store in a worker thread and returns a Store whose calls are messages to
 * it: nothing SQLite does (a 10 k-row commit, a checkpoint's fsync, a 5 s busy wait on a
 * lock) can stall the event loop that schedules checks. Calls are served in order. If the
 * worker dies, pending and later calls reject with the reason.
 */
export async function openWorkerSqliteStore(options: SqliteOptions): Promise<Store> {
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
  worker.on('exit', (code) => fail(new Error(`the storage worker exited (code ${code})`)));
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
  const store = {} as Record<keyof Store, (...args: unknown[]) => Promise<unknown>>;
  for (const method of STORE_METHODS) store[method] = (...args) => call(method, args);
  store.close = async () => {
    if (dead !== null) return;
    await call('close', []);
    await worker.terminate();
  };
  return store as unknown as Store;
}
