// Rows written before results were redacted at write time (an older Vigil) may hold
// credentials in a result's target and detail, or an incident's detail. The API redacts on
// read: a real daemon on such a data dir answers without them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createPrivateFile } from '../../src/daemon/data-dir-permissions.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { httpResult, httpTarget } from '../storage/store.fixtures.js';
import { tempDir, writeConfig } from './helpers.js';
import { startInProcess } from './in-process.js';

const SECRETS = ['OLDUSERPASS', 'OLDQUERYTOKEN', 'OLDBEARERTOKEN', 'OLDINCIDENTTOKEN'];

test('results and incidents stored before redaction come out of the API redacted', async () => {
  const dir = tempDir('old-results');
  const db = join(dir, 'vigil.db');
  createPrivateFile(db);
  const store = openSqliteStore({ path: db });
  const now = Date.now();
  await store.createTarget(httpTarget('legacy', { input: { url: 'https://legacy.example.test/health' } }), now - 60_000);
  const old = httpResult(now - 30_000, { status: 'down', targetId: 'legacy' });
  await store.insertResults([
    { ...old, result: { ...old.result, target: 'https://admin:OLDUSERPASS@legacy.example.test/health?token=OLDQUERYTOKEN', detail: 'refused with Authorization: Bearer OLDBEARERTOKEN1234' } },
  ]);
  await store.openIncident({ targetId: 'legacy', openedAt: now - 30_000, errorKind: 'timeout', detail: 'GET https://legacy.example.test/x?access_token=OLDINCIDENTTOKEN timed out', failureCount: 2 });
  await store.close();

  const running = await startInProcess(writeConfig(dir, 'targets: []\n'), dir);
  try {
    const results = await (await fetch(`${running.api.url}/api/v1/targets/legacy/results`)).text();
    const incidents = await (await fetch(`${running.api.url}/api/v1/incidents`)).text();
    const perTarget = await (await fetch(`${running.api.url}/api/v1/targets/legacy/incidents`)).text();
    for (const [what, body] of [['results', results], ['incidents', incidents], ['target incidents', perTarget]] as const) {
      for (const secret of SECRETS) assert.ok(!body.includes(secret), `${what} leaks ${secret}: ${body.slice(0, 400)}`);
    }
    const item = (JSON.parse(results) as { items: Array<{ result: { target: string; detail: string } }> }).items[0];
    assert.equal(item?.result.target, 'https://legacy.example.test/health?token=[redacted]');
    assert.equal(item?.result.detail, 'refused with Authorization: Bearer [redacted]');
    const incident = (JSON.parse(incidents) as { items: Array<{ lastDetail: string }> }).items[0];
    assert.equal(incident?.lastDetail, 'GET https://legacy.example.test/x?access_token=[redacted] timed out');
  } finally {
    await running.stop();
  }
});
