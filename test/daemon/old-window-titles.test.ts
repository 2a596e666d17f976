// Maintenance windows stored before titles and tags were checked (an older Vigil) may hold a
// NUL, a line break or a bidi override. A real daemon on such a data dir keeps the window in
// force, shows the title with U+FFFD in place of each such character (API and status page),
// writes the clean row back and says so in its log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createPrivateFile } from '../../src/daemon/data-dir-permissions.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { httpTarget } from '../storage/store.fixtures.js';
import { tempDir, writeConfig } from './helpers.js';
import { startInProcess } from './in-process.js';

test('an old window with NUL and bidi characters in title and tags is cleaned, kept in force and written back', async () => {
  const dir = tempDir('old-window');
  const db = join(dir, 'vigil.db');
  createPrivateFile(db);
  const store = openSqliteStore({ path: db });
  const now = Date.now();
  await store.createTarget({ ...httpTarget('legacy', { input: { url: 'https://legacy.example.test/health' } }), tags: ['db'] }, now - 60_000);
  // written straight to the store, as an older Vigil did: no title check on the way in
  await store.putMaintenanceWindow(
    { id: 'old', source: 'api', input: { id: 'old', title: 'Upgrade\u0000 evil\u202egnp.exe\nFAKE LOG', from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 3_600_000).toISOString(), tags: ['db', 'x\u2066y'] } },
    now - 60_000,
  );
  await store.close();

  const running = await startInProcess(writeConfig(dir, 'targets: []\n'), dir);
  try {
    const clean = 'Upgrade\uFFFD evil\uFFFDgnp.exe\uFFFDFAKE LOG';
    const listed = (await (await fetch(`${running.api.url}/api/v1/maintenance-windows`)).json()) as { items: Array<{ id: string; title: string; tags?: string[]; openNow: boolean }> };
    assert.equal(listed.items.length, 1, 'the window is not skipped');
    assert.equal(listed.items[0]?.title, clean);
    assert.equal(listed.items[0]?.openNow, true, 'the window is still in force');
    const page = await (await fetch(`${running.api.url}/`)).text();
    assert.ok(page.includes(`<strong>${clean}</strong>`), 'the banner shows the cleaned title');
    for (const bad of ["\u0000", "\u202e", "\u2066"]) assert.ok(!page.includes(bad), `the page holds ${JSON.stringify(bad)}`);
    assert.ok(running.log.lines.some((l) => l.includes('stored maintenance window old: title and tags had control or bidi characters, replaced by U+FFFD (written back)')), running.log.lines.join('\n'));
    const stored = (await running.daemon.store.listMaintenanceWindows())[0];
    assert.equal(stored?.input.title, clean);
    assert.deepEqual(stored?.input.tags, ['db', 'x\uFFFDy']);
  } finally {
    await running.stop();
  }
});
