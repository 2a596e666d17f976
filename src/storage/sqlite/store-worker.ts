// Worker-thread entry: owns one SQLite connection and serves Store calls in arrival order,
// so a long write, a checkpoint or a SQLITE_BUSY wait blocks this thread, not the daemon's.
import { parentPort, workerData } from 'node:worker_threads';
import type { SqliteOptions } from './open-database.js';
import { openSyncSqliteStore } from './sqlite-store.js';
import type { SyncStore } from './sqlite-store.js';
import { toWire } from './worker-protocol.js';
import type { StoreCall, StoreReply, WorkerReady } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('store-worker.ts must run in a worker thread');

let store: SyncStore | null = null;
try {
  store = openSyncSqliteStore(workerData as SqliteOptions);
  port.postMessage({ ready: true } satisfies WorkerReady);
} catch (err) {
  port.postMessage({ ready: false, error: toWire(err) } satisfies WorkerReady);
}

port.on('message', (call: StoreCall) => {
  let reply: StoreReply;
  try {
    if (store === null) throw new Error('the store is not open');
    const fn = store[call.method] as (...args: unknown[]) => unknown;
    reply = { id: call.id, ok: true, value: fn(...call.args) };
  } catch (err) {
    reply = { id: call.id, ok: false, error: toWire(err) };
  }
  port.postMessage(reply);
  if (call.method === 'close' && reply.ok) port.close();
});
