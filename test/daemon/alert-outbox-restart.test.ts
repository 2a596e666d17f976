// Issue 11.2, reproduced with real `vigil serve` processes: an alert in retry backoff when the
// daemon stops (SIGTERM, or kill -9) is not lost. The receiver is down (nothing listens on its
// port), the incident opens, the first attempt fails; the daemon stops; the receiver comes
// up on the same port; the restarted daemon delivers the alert exactly once, signed, with the
// delivery id the outbox had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { verifySignature } from '../../src/alerts/signature.js';
import { openWorkerSqliteStore } from '../../src/storage/sqlite/worker-store.js';
import type { AlertDelivery } from '../../src/storage/store.js';
import { startServe, startTargetServer, tempDir, waitFor, writeConfig } from './helpers.js';

const SECRET = 'outbox-restart-secret-0123';

interface Hook {
  headers: IncomingMessage['headers'];
  body: string;
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function hookServer(hooks: Hook[]): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.end();
    });
  });
}

async function outbox(db: string): Promise<AlertDelivery[]> {
  const store = await openWorkerSqliteStore({ path: db });
  try {
    return (await store.listAlertDeliveries()).items;
  } finally {
    await store.close();
  }
}

async function run(stop: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const target = await startTargetServer(0, 500);
  // a port that nothing listens on (yet): take one, then free it
  const probe = createServer();
  const hookPort = await listen(probe, 0);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const dir = tempDir(`outbox-${stop.toLowerCase()}`);
  const db = join(dir, 'vigil.db');
  const hookUrl = `http://127.0.0.1:${hookPort}/private-hook-path`;
  const config = writeConfig(
    dir,
    `alerts:\n  webhooks:\n    - name: ops\n      url: ${hookUrl}\n      secret: ${SECRET}\n      maxAttempts: 5\n      initialBackoff: 2s\n      timeout: 2s\n` +
      `targets:\n  - id: web\n    name: Web\n    check: { url: "${target.url}/", expectStatus: "200" }\n    interval: 1s\n    confirmations: 1\n    allowPrivateTargets: true\n`,
  );
  const hooks: Hook[] = [];
  const receiver = hookServer(hooks);
  try {
    const first = await startServe(['--config', config, '--port', '0', '--data-dir', dir]);
    let pending: AlertDelivery | undefined;
    await waitFor(async () => (pending = (await outbox(db)).find((d) => d.attempts >= 1)) !== undefined, 20_000, 'a failed first attempt in the outbox');
    assert.deepEqual([pending?.state, pending?.eventType, pending?.targetId, pending?.channel, pending?.lastError], ['pending', 'incident_opened', 'web', 'ops', 'ECONNREFUSED']);
    first.child.kill(stop);
    const code = await first.exited;
    const out = first.output.join('');
    if (stop === 'SIGTERM') {
      assert.equal(code, 0, out);
      const lines = out.split('\n').filter((l) => l.includes('left pending'));
      assert.equal(lines.length, 1, out);
      assert.match(lines[0]!, /warn shutdown: 1 alert delivery left pending in the outbox, sent after the next start: incident_opened web → ops \([1-5] attempts?, last error ECONNREFUSED\)$/);
    } else {
      assert.equal(code, null);
    }
    assert.ok(!out.includes('private-hook-path') && !out.includes(SECRET), 'no webhook URL or secret in the output');
    assert.equal(hooks.length, 0);

    await listen(receiver, hookPort);
    const second = await startServe(['--config', config, '--port', '0', '--data-dir', dir]);
    try {
      // due at the stored next attempt (at most 2+4+8 s away); after kill -9 a claim may also have to run out
      await waitFor(() => hooks.length >= 1, 45_000, 'the resumed delivery');
      await waitFor(async () => (await outbox(db)).every((d) => d.state === 'delivered'), 10_000, 'marked delivered');
      await new Promise((resolve) => setTimeout(resolve, 3_000)); // later checks of the still-down target send nothing more
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0, second.output.join(''));
    }
    assert.equal(hooks.length, 1, 'exactly once');
    const [hook] = hooks;
    assert.equal(verifySignature(SECRET, hook!.body, hook!.headers['x-vigil-signature'] as string | undefined), true);
    assert.equal(hook!.headers['x-vigil-delivery'], pending?.id);
    const body = JSON.parse(hook!.body) as Record<string, unknown>;
    assert.deepEqual([body.type, body.deliveryId, (body.target as { id: string }).id, body.errorKind], ['incident_opened', pending?.id, 'web', 'unexpected_status']);
    assert.ok(!second.output.join('').includes('left pending'), 'nothing left at the second shutdown');
    const rows = await outbox(db);
    assert.equal(rows.length, 1);
    assert.ok((rows[0]?.attempts ?? 0) >= 2);
  } finally {
    await new Promise<void>((resolve) => (receiver.listening ? receiver.close(() => resolve()) : resolve()));
    await target.close();
  }
}

test('SIGTERM with an alert in backoff: the log names it; after a restart it arrives exactly once', () => run('SIGTERM'));

test('kill -9 with an alert in backoff: after a restart it arrives exactly once', () => run('SIGKILL'));
