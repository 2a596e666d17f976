/**
 * The shared contract every Store implementation must pass (SQLite in-thread, SQLite in a
 * worker, and a future Postgres store). Call it from a test file with a factory that opens
 * a fresh, empty store each time; the suite closes every store it opens.
 */
import { describe } from 'node:test';
import type { Store } from '../../src/storage/store.js';
import { alertOutboxContract } from './contract/alert-outbox.contract.js';
import { heartbeatContract } from './contract/heartbeat.contract.js';
import { incidentsContract } from './contract/incidents.contract.js';
import { maintenanceWindowsContract } from './contract/maintenance-windows.contract.js';
import { recentTimingsContract } from './contract/recent-timings.contract.js';
import { resultsContract } from './contract/results.contract.js';
import { statusBucketsContract } from './contract/status-buckets.contract.js';
import { summariesContract } from './contract/summaries.contract.js';
import { targetsContract } from './contract/targets.contract.js';
import { watchStateContract } from './contract/watch-state.contract.js';

export type StoreFactory = () => Promise<Store>;

/** Opens a store, runs `body`, always closes it. */
export async function withStore(open: StoreFactory, body: (store: Store) => Promise<void>): Promise<void> {
  const store = await open();
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

export function runStoreContract(name: string, open: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    targetsContract(open);
    resultsContract(open);
    recentTimingsContract(open);
    summariesContract(open);
    statusBucketsContract(open);
    incidentsContract(open);
    maintenanceWindowsContract(open);
    alertOutboxContract(open);
    heartbeatContract(open);
    watchStateContract(open);
  });
}
