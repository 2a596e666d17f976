import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// A probe out of file descriptors must not crash or blame the target: the checks the OS
// refuses come back as status "error", kind fd_exhausted (family internal), the rest succeed.
async function runProbe(port: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const script = 'test/check/fixtures/fd-exhaustion-probe.ts';
  const child = spawn('bash', ['-c', `ulimit -n 64 && exec "${process.execPath}" --import tsx ${script}`], {
    env: { ...process.env, PORT: String(port) },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { status, stdout, stderr };
}

test('EMFILE under a tiny fd limit: fd_exhausted results, no crash, the others up', async () => {
  // The server lives in this process, so only the probe's own sockets count against its limit.
  const server = createServer((_req, res) => setTimeout(() => res.end('ok'), 200));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 1024, resolve));
  let run: Awaited<ReturnType<typeof runProbe>>;
  try {
    run = await runProbe((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  assert.equal(run.status, 0, `probe exited ${run.status}: ${run.stderr}`);
  const counts = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  assert.equal(total, 120, JSON.stringify(counts));
  assert.ok((counts['error:fd_exhausted:internal'] ?? 0) > 0, `expected fd_exhausted results: ${JSON.stringify(counts)}`);
  assert.ok((counts['up:none:none'] ?? 0) > 0, `expected some checks up: ${JSON.stringify(counts)}`);
  const unexpected = Object.keys(counts).filter((k) => k !== 'error:fd_exhausted:internal' && k !== 'up:none:none');
  assert.deepEqual(unexpected, [], JSON.stringify(counts));
});
