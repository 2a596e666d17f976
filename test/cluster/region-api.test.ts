// regions and quorum are config-file fields (every node reads the same file): the API refuses
// them with the field named, and a single SQLite node runs a config target that lists regions
// as before (one implicit region).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTargetServer, tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { startInProcess } from '../daemon/in-process.js';

test('API refuses regions/quorum; one node alone ignores them', { timeout: 60_000 }, async () => {
  const server = await startTargetServer();
  const dir = tempDir('region-api');
  const path = writeConfig(dir, `targets:\n  - id: t\n    name: t\n    check: { url: "${server.url}/" }\n    interval: 1s\n    allowPrivateTargets: true\n    regions: [elsewhere]\n    quorum: all\n`);
  const running = await startInProcess(path, dir);
  try {
    for (const [field, value] of [['regions', ['eu']], ['quorum', 'any']] as const) {
      const r = await running.daemon.createTarget({ name: `x-${field}`, check: { url: 'https://example.com/' }, [field]: value });
      assert.equal(r.ok, false);
      assert.deepEqual(r.ok ? null : [r.code, r.errors[0]?.field], ['invalid', field]);
      assert.match(r.ok ? '' : r.errors[0]!.message, /can only be set in the config file/);
    }
    const view = running.daemon.getTarget('t');
    assert.equal(view?.id, 't');
    // checked although it names a region this node is not in: one node alone is every region
    await waitFor(() => server.received >= 2, 10_000, 'the single node checks the target');
  } finally {
    await running.stop();
    await server.close();
  }
});
