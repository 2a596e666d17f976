import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, writeConfig } from './helpers.js';
import { startInProcess } from './in-process.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

test('a new data dir is 0700 and every file in it 0600 (db, -wal, -shm)', async () => {
  const dir = tempDir('perm-new');
  const data = join(dir, 'data');
  const config = writeConfig(dir, 'defaults: { allowPrivateTargets: true }\ntargets:\n  - { id: a, name: a, check: { kind: tcp, host: 127.0.0.1, port: 9 }, interval: 1s }\n');
  const running = await startInProcess(config, data);
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // results written: the WAL exists
    assert.equal(modeOf(data), 0o700);
    const files = readdirSync(data);
    assert.ok(files.includes('vigil.db') && files.includes('vigil.db-wal'), files.join(', '));
    for (const name of files) if (statSync(join(data, name)).isFile()) assert.equal(modeOf(join(data, name)), 0o600, name);
    assert.deepEqual(running.log.lines.filter((l) => l.includes('data dir')), []);
  } finally {
    await running.stop();
  }
});

test('an existing world-readable data dir and database are tightened, and the log says so', async () => {
  const dir = tempDir('perm-old');
  const data = join(dir, 'data');
  mkdirSync(data);
  chmodSync(data, 0o755);
  writeFileSync(join(data, 'vigil.db'), '');
  chmodSync(join(data, 'vigil.db'), 0o644);
  const running = await startInProcess(writeConfig(dir, 'targets: []\n'), data);
  try {
    assert.equal(modeOf(data), 0o700);
    assert.equal(modeOf(join(data, 'vigil.db')), 0o600);
    const warned = running.log.lines.filter((l) => l.startsWith('warn data dir:'));
    assert.equal(warned.length, 2, warned.join('\n'));
    assert.match(warned[0]!, /was readable by others \(0755\); changed to 0700/);
    assert.match(warned[1]!, /vigil\.db was readable by others \(0644\); changed to 0600/);
  } finally {
    await running.stop();
  }
});
