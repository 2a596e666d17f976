/**
 * Issue 11 items 4 and 6, and "EADDRINUSE before the database is opened": what `vigil serve`
 * does with a data dir it cannot use or that another daemon holds, and a port in use. Every
 * case runs real `vigil serve` processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readStoredResults, startServe, startTargetServer, targetsYaml, tempDir, waitFor, writeConfig } from './helpers.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

function serveSync(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'serve', ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, VIGIL_API_TOKEN: '' } });
}

/** The same, without blocking this process (whose target server must keep answering). */
function serveAsync(args: string[]): Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', ...args], { env: { ...process.env, VIGIL_API_TOKEN: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stderr });
    }),
  );
}

function assertOneLine(run: { status: number | null; signal: NodeJS.Signals | null; stderr: string }, message: RegExp): void {
  assert.equal(run.status, 2, `exit ${run.status} (signal ${run.signal}): ${run.stderr}`);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0]!, message);
}

test('a data dir that cannot be created exits 2 at once naming it (it used to spin in mkdir at 100 % CPU)', () => {
  const dir = tempDir('datadir');
  const config = writeConfig(dir, 'targets: []\n');
  assertOneLine(serveSync(['--config', config, '--port', '0', '--data-dir', '/proc/1/nope']), /^vigil serve: --data-dir: cannot create \/proc\/1\/nope \(ENOENT\)$/);
  assertOneLine(serveSync(['--config', config, '--port', '0', '--data-dir', '/proc/1/nope/deeper']), /^vigil serve: --data-dir: cannot create \/proc\/1\/nope \(ENOENT\)$/);
  writeFileSync(join(dir, 'a-file'), 'x');
  assertOneLine(serveSync(['--config', config, '--port', '0', '--data-dir', join(dir, 'a-file', 'data')]), /^vigil serve: --data-dir: cannot use .*a-file\/data: .*a-file is not a directory$/);
});

test('a second daemon on one data dir exits 2 naming the holder pid; the lock goes with the holder, even by kill -9', async () => {
  const target = await startTargetServer();
  const dir = tempDir('lock');
  const data = join(dir, 'data');
  const config = writeConfig(dir, targetsYaml(2, target.url, 'interval: 1s'));
  const children: Array<Awaited<ReturnType<typeof startServe>>> = [];
  try {
    const first = await startServe(['--config', config, '--port', '0', '--data-dir', data]);
    children.push(first);
    const second = await serveAsync(['--config', config, '--port', '0', '--data-dir', data]);
    assertOneLine(second, new RegExp(`^vigil serve: --data-dir: ${data} is in use by another vigil daemon \\(pid ${first.child.pid}\\); stop it or choose another --data-dir$`));
    await waitFor(() => target.received >= 4, 15_000, 'checks by the first daemon');
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output.join(''));
    // every check the server answered was stored exactly once (the second daemon ran none)
    const stored = await readStoredResults(join(data, 'vigil.db'), ['t0', 't1']);
    assert.equal(stored.length, target.received);
    assert.deepEqual([...new Set(stored.map((r) => r.result.status))], ['up']);

    const third = await startServe(['--config', config, '--port', '0', '--data-dir', data]);
    children.push(third);
    third.child.kill('SIGKILL');
    await third.exited;
    const fourth = await startServe(['--config', config, '--port', '0', '--data-dir', data]);
    children.push(fourth);
    fourth.child.kill('SIGTERM');
    assert.equal(await fourth.exited, 0, fourth.output.join(''));
  } finally {
    for (const child of children) if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
    await target.close();
  }
});

test('a port in use exits 2 before the database is opened', async () => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as AddressInfo).port;
  const dir = tempDir('eaddrinuse');
  const config = writeConfig(dir, 'targets: []\n');
  try {
    assertOneLine(serveSync(['--config', config, '--port', String(port), '--data-dir', join(dir, 'data')]), new RegExp(`^vigil serve: --port/--host: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)$`));
    assert.equal(existsSync(join(dir, 'data', 'vigil.db')), false, 'the database was not created');
  } finally {
    await new Promise<void>((r) => busy.close(() => r()));
  }
});
