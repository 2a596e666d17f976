import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runStoreContract } from '../../../test/storage/store.contract.js';
import { openSqliteStore } from './sqlite-store.js';
import { openWorkerSqliteStore } from './worker-store.js';

// a real file per store in a temp dir (WAL needs a real file)
const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
let n = 0;
after(() => rmSync(dir, { recursive: true, force: true }));

runStoreContract('SQLite, in-thread', async () => openSqliteStore({ path: join(dir, `in-thread-${n++}.db`) }));
runStoreContract('SQLite, worker thread', () => openWorkerSqliteStore({ path: join(dir, `worker-${n++}.db`) }));
