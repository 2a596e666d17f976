import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigFileError, parseDaemonConfig } from '../../src/config/daemon-config.js';

const DAY_MS = 86_400_000;

test('storage: defaults, days and hours accepted', () => {
  assert.deepEqual(parseDaemonConfig('targets: []\n').storage, { rawRetentionMs: 7 * DAY_MS, rollupRetentionMs: 400 * DAY_MS, maintenanceEveryMs: 300_000, url: null });
  const s = parseDaemonConfig('storage: { rawRetention: 36h, rollupRetention: 90d, maintenanceEvery: 10m }\n').storage;
  assert.deepEqual(s, { rawRetentionMs: 36 * 3_600_000, rollupRetentionMs: 90 * DAY_MS, maintenanceEveryMs: 600_000, url: null });
});

test('storage: a bad value refuses the file, naming the field and the accepted form', () => {
  const refused = (yaml: string): ConfigFileError => {
    try {
      parseDaemonConfig(yaml);
    } catch (err) {
      assert.ok(err instanceof ConfigFileError);
      return err;
    }
    assert.fail(`accepted: ${yaml}`);
  };
  assert.match(refused('storage: { rawRetention: 7 days }\n').message, /^storage\.rawRetention: expected a duration such as "36h", "7d".*got "7 days"/);
  assert.match(refused('storage: { rawRetention: 30m }\n').message, /^storage\.rawRetention: .*from 2h to 3650d/);
  assert.match(refused('storage: { rollupRetention: 3d, rawRetention: 7d }\n').message, /^storage\.rollupRetention: must be at least rawRetention/);
  assert.match(refused('storage: { maintenanceEvery: 500ms }\n').message, /^storage\.maintenanceEvery: .*from 1s to 24h/);
  assert.match(refused('storage: { retention: 7d }\n').message, /^storage/);
  assert.match(refused('storage: { url: "mysql://u:pw@h/db" }\n').message, /^storage\.url: expected a postgres:\/\/ or postgresql:\/\/ URL, got scheme "mysql"$/);
  assert.match(refused('storage: { url: "postgres://h" }\n').message, /^storage\.url: expected one database name/);
});

test('storage: a Postgres URL is kept as given', () => {
  assert.equal(parseDaemonConfig('storage: { url: "postgres://vigil@db:5432/vigil?schema=fleet" }\n').storage.url, 'postgres://vigil@db:5432/vigil?schema=fleet');
});
