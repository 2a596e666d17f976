import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { createMemoryLogger } from '../../src/daemon/logger.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/main.js';
import { adminQuery, schemaPool } from '../helpers/postgres.js';
import { tempDir, waitFor } from './helpers.js';

const schemas = schemaPool('vigil_heartbeat');

/** A heartbeat target on the real daemon with a real Postgres store (a schema of its own, dropped after). */
describe('heartbeat targets on Postgres', () => {
  const dir = tempDir('heartbeat-pg');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an API-made token is kept only as its hash, survives a restart, and rotation replaces it', async () => {
    const schema = schemas.next();
    const start = (): Promise<RunningDaemon> =>
      startDaemon({ configText: 'targets: []\n', configSource: 'test.yaml', host: '127.0.0.1', port: 0, dataDir: dir, token: null, storeUrl: schemas.urlFor(schema), env: {}, log: createMemoryLogger(), readConfig: null });
    let running = await start();
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${running.api.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, json: (text === '' ? null : JSON.parse(text)) as Record<string, unknown> };
    };
    try {
      const created = await call('POST', '/api/v1/targets', { id: 'nightly', name: 'Nightly', check: { kind: 'heartbeat', period: '1d', grace: '1h' } });
      assert.equal(created.status, 201);
      const token = created.json.pushToken as string;
      assert.equal((await call('POST', `/push/${token}`)).status, 200);
      await waitFor(async () => ((await call('GET', '/api/v1/targets/nightly/results')).json.items as unknown[]).length === 1, 10_000, 'the push result stored');
      const stored = JSON.stringify(await adminQuery(`SELECT * FROM ${schema}.targets`));
      assert.equal(stored.includes(token), false, 'no token in the targets table');
      assert.match(stored, /sha256:[0-9a-f]{64}/);

      await running.stop();
      running = await start();
      assert.equal((await call('POST', `/push/${token}/0`)).status, 200, 'the hash came back from the store');
      const rotated = await call('POST', '/api/v1/targets/nightly/push-token');
      const next = rotated.json.pushToken as string;
      assert.equal((await call('GET', `/push/${token}`)).status, 404);
      await running.stop();
      running = await start();
      assert.equal((await call('GET', `/push/${next}`)).status, 200, 'the rotated hash was stored');
      assert.equal((await call('GET', `/push/${token}`)).status, 404);
    } finally {
      await running.stop();
    }
  });
});
