import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { readStoredResults, startServe, startTargetServer, targetsYaml, tempDir, waitFor, writeConfig } from './helpers.js';

const IDS = Array.from({ length: 30 }, (_, i) => `t${i}`);

test('SIGTERM with checks in flight: they finish, every result is stored, exit 0', async () => {
  const slow = await startTargetServer(1_500);
  const dir = tempDir('sigterm');
  try {
    const config = writeConfig(dir, targetsYaml(IDS.length, slow.url, 'interval: 2s\n    timeout: 2s'));
    const serve = await startServe(['--config', config, '--port', '0', '--data-dir', dir]);
    await waitFor(() => slow.received - slow.answered >= 5, 15_000, 'checks in flight');
    const inFlightAtSignal = slow.received - slow.answered;
    serve.child.kill('SIGTERM');
    const code = await serve.exited;
    assert.equal(code, 0, serve.output.join(''));
    const results = await readStoredResults(join(dir, 'vigil.db'), IDS);
    // Every request the server saw was a check; each one must have become a stored result.
    assert.ok(inFlightAtSignal >= 5);
    assert.equal(slow.answered, slow.received, 'the checks in flight were allowed to finish');
    assert.equal(results.length, slow.received, `stored ${results.length} of ${slow.received} checks`);
    assert.deepEqual([...new Set(results.map((r) => r.result.status))], ['up'], 'no check was aborted');
    for (const r of results) {
      assert.ok(r.schedulingLagMs >= 0 && r.loopDelayMs >= 0);
      assert.ok(r.result.timings.ttfbMs !== null && r.result.timings.ttfbMs >= 1_400, 'the slow answer was waited for');
    }
  } finally {
    await slow.close();
  }
});

function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

test('SIGTERM with an idle keep-alive client and a client stuck mid-body: exit 0 after the API grace, and promptly after the shutdown: line', async () => {
  // Issue 11 ("the process exits promptly after its shutdown: line"); the stuck client used to
  // hold the shutdown forever (Node stops enforcing the request timeout once the server closes).
  const dir = tempDir('sigterm-clients');
  const serve = await startServe(['--config', writeConfig(dir, 'targets: []\n'), '--port', '0', '--data-dir', join(dir, 'data')], { VIGIL_API_TOKEN: '' });
  const host = new URL(serve.apiUrl).host;
  const sockets: Socket[] = [];
  try {
    const idle = await openSocket(serve.apiUrl);
    sockets.push(idle);
    idle.on('data', () => undefined);
    idle.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    const stuck = await openSocket(serve.apiUrl);
    sockets.push(stuck);
    stuck.on('error', () => undefined);
    stuck.write(`POST /api/v1/targets HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":"st`);
    await new Promise((r) => setTimeout(r, 300));
    let shutdownLineAt = 0;
    const watch = (chunk: Buffer) => {
      if (shutdownLineAt === 0 && /\binfo shutdown: /.test(chunk.toString())) shutdownLineAt = performance.now();
    };
    serve.child.stdout?.on('data', watch);
    serve.child.stderr?.on('data', watch);
    const signalledAt = performance.now();
    serve.child.kill('SIGTERM');
    const code = await Promise.race([serve.exited, new Promise<string>((r) => setTimeout(() => r('still running 30 s after SIGTERM'), 30_000))]);
    const exitedAt = performance.now();
    assert.equal(code, 0, serve.output.join(''));
    assert.ok(shutdownLineAt > 0, serve.output.join(''));
    assert.ok(shutdownLineAt - signalledAt >= 4_500, `the request in flight had the API's 5 s grace: ${Math.round(shutdownLineAt - signalledAt)} ms`);
    assert.ok(exitedAt - shutdownLineAt < 3_000, `exited ${Math.round(exitedAt - shutdownLineAt)} ms after its shutdown: line`);
  } finally {
    for (const socket of sockets) socket.destroy();
    if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL');
  }
});
