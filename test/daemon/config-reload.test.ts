import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { ConfigFileError } from '../../src/config/daemon-config.js';
import { startTargetServer, tempDir, waitFor, writeConfig } from './helpers.js';
import { startInProcess } from './in-process.js';

const config = (url: string, targets: string) => `defaults:\n  allowPrivateTargets: true\ntargets:\n${targets}`;
const target = (id: string, url: string, interval = '1s') => `  - id: ${id}\n    name: ${id}\n    check: { url: "${url}/${id}" }\n    interval: ${interval}\n`;

test('reload with a bad target keeps the rest and the running definition; an unparseable file changes nothing', async () => {
  const server = await startTargetServer();
  const dir = tempDir('reload');
  const path = writeConfig(dir, config(server.url, target('keep', server.url) + target('edit', server.url) + target('drop', server.url)));
  const running = await startInProcess(path, dir);
  const { daemon } = running;
  try {
    assert.deepEqual(daemon.listTargets().map((t) => t.id).sort(), ['drop', 'edit', 'keep']);
    await waitFor(() => daemon.stats().scheduler.completedTotal >= 3, 5_000, 'first checks');

    // edit: interval under the floor (refused → keeps 1 s); drop: removed; add: new; bad: unknown kind.
    const badTargets = `  - id: edit\n    name: edit\n    check: { url: "${server.url}/edit" }\n    interval: 200ms\n  - id: bad\n    name: bad\n    check: { kind: ftp, url: "ftp://x" }\n`;
    writeFileSync(path, config(server.url, target('keep', server.url, '2s') + badTargets + target('add', server.url)));
    const report = await running.reload();
    assert.ok(!(report instanceof ConfigFileError));
    assert.deepEqual(report.errors.map((e) => `${e.target}/${e.field}`), ['edit/interval', 'bad/check.kind']);
    assert.deepEqual(report.kept, ['edit']);
    assert.equal(report.removed, 1);
    const byId = new Map(daemon.listTargets().map((t) => [t.id, t]));
    assert.deepEqual([...byId.keys()].sort(), ['add', 'edit', 'keep']);
    assert.equal(byId.get('keep')?.intervalMs, 2_000, 'the valid change applied');
    assert.equal(byId.get('edit')?.intervalMs, 1_000, 'the refused change kept the running definition');
    assert.ok(running.log.lines.some((l) => l.includes('target edit refused: interval')));

    // The removed target's history is still in the store.
    await waitFor(async () => (await daemon.store.queryResults({ targetId: 'drop', fromMs: 0, toMs: Date.now() + 1 })).items.length > 0, 5_000, 'drop results flushed');
    assert.equal(await daemon.store.getTarget('drop'), null);

    writeFileSync(path, 'targets: [\n  - id: x\n');
    const broken = await running.reload();
    assert.ok(broken instanceof ConfigFileError);
    assert.equal(broken.field, 'config');
    assert.match(broken.message, /not valid YAML at line/);
    assert.deepEqual(daemon.listTargets().map((t) => t.id).sort(), ['add', 'edit', 'keep'], 'running set untouched');
    await waitFor(() => daemon.stats().scheduler.startedTotal >= 8, 5_000, 'checks continue');
  } finally {
    await running.stop();
    await server.close();
  }
});
