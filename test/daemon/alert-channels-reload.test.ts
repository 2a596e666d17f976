// Issue 14: alert channels follow the config file on SIGHUP, with a real `vigil serve` process
// and `kill -HUP`. Two Telegram channels point at HTTP servers on 127.0.0.1 (the bot token is
// in the request path, so the receiver sees which secret was used): `tg` always answers 200,
// `gone` always 503, so its incident alert waits in retry backoff. Then:
// - a bad new file is refused, the log line names the field, and both old channels stay;
// - a file without `gone` and a new token in the `${file:}` secret: `tg` sends with the new
//   token, `gone` is listed no more, its pending delivery is given up (never sent, state failed
//   with the reason) and the reload's log line counted it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REMOVED_CHANNEL_ERROR } from '../../src/alerts/alert-dispatcher.js';
import { openWorkerSqliteStore } from '../../src/storage/sqlite/worker-store.js';
import type { AlertDelivery } from '../../src/storage/store.js';
import { startProvider } from '../alerts/channel-helpers.js';
import { startServe, tempDir, waitFor, writeConfig } from './helpers.js';

const TOKEN_1 = '111111:first-bot-token-never-shown';
const TOKEN_2 = '222222:second-bot-token-never-shown';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function outbox(db: string): Promise<AlertDelivery[]> {
  const store = await openWorkerSqliteStore({ path: db });
  try {
    return (await store.listAlertDeliveries()).items;
  } finally {
    await store.close();
  }
}

test('SIGHUP reloads alert channels: a bad file keeps the old ones, a removed channel gives up its pending delivery, a changed ${file:} secret takes effect', async () => {
  const tg = await startProvider();
  const gone = await startProvider(Array.from({ length: 50 }, () => ({ status: 503, body: 'busy' })));
  const dir = tempDir('channels-reload');
  const db = join(dir, 'vigil.db');
  const tokenFile = join(dir, 'bot-token');
  writeFileSync(tokenFile, `${TOKEN_1}\n`);
  const down = await closedPort();
  const channel = (name: string, url: string, extra = '') => `    - { name: ${name}, type: telegram, botToken: "\${file:${tokenFile}}", chatId: 42, baseUrl: "${url}", initialBackoff: 3s${extra} }\n`;
  const targets = `targets:\n  - { id: web, name: Web, check: { kind: tcp, host: 127.0.0.1, port: ${down} }, interval: 1s, confirmations: 1, allowPrivateTargets: true }\n`;
  const path = writeConfig(dir, `alerts:\n  channels:\n${channel('tg', tg.url)}${channel('gone', gone.url)}${targets}`);
  const serve = await startServe(['--config', path, '--port', '0', '--data-dir', dir]);
  const out = () => serve.output.join('');
  const call = async (method: string, p: string) => {
    const res = await fetch(`${serve.apiUrl}${p}`, { method });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & { items?: Array<Record<string, unknown>> } };
  };
  const tgPaths = () => tg.requests.map((r) => r.path);
  try {
    await waitFor(() => tgPaths().includes(`/bot${TOKEN_1}/sendMessage`), 20_000, 'the incident alert on tg');
    await waitFor(() => gone.requests.length >= 1, 20_000, 'a first, failed attempt on gone');
    const pendingBefore = (await outbox(db)).filter((d) => d.channel === 'gone' && d.state === 'pending');
    assert.equal(pendingBefore.length, 1, 'gone has its incident alert pending, in backoff');

    // 1. a bad file: refused naming the field; both channels stay, with the old token
    writeFileSync(path, `alerts:\n  channels:\n${channel('tg', tg.url, ', maxAttempts: 0')}${targets}`);
    serve.child.kill('SIGHUP');
    await waitFor(() => out().includes('reload refused'), 10_000, 'the refusal');
    assert.match(out(), /error reload refused, running set unchanged: alerts\.channels\[0\]\.maxAttempts: /);
    assert.deepEqual((await call('GET', '/api/v1/alerts')).json.items?.map((c) => c.name), ['tg', 'gone']);
    writeFileSync(tokenFile, `${TOKEN_2}\n`); // the secret changes now; the refused file must not have read it
    const stillOld = await call('POST', '/api/v1/alerts/tg/test');
    assert.equal(stillOld.json.delivered, true);
    assert.equal(tgPaths().at(-1), `/bot${TOKEN_1}/sendMessage`, 'the running channel keeps the secret it was built with');

    // 2. gone removed, tg reloaded: the new token is used
    writeFileSync(path, `alerts:\n  channels:\n${channel('tg', tg.url)}${targets}`);
    serve.child.kill('SIGHUP');
    await waitFor(() => out().includes('reload: alert channels'), 10_000, 'the reload line');
    assert.match(out(), new RegExp(`info reload: alert channels tg \\(removed gone: 1 pending deliveries given up when due \\("${REMOVED_CHANNEL_ERROR}"\\)\\)`));
    const list = await call('GET', '/api/v1/alerts');
    assert.deepEqual(list.json.items?.map((c) => [c.name, c.deliveredTotal]), [['tg', 1]], 'counters carry over by name');
    assert.equal((await call('GET', '/api/v1/alerts/gone/deliveries')).status, 404);
    const fresh = await call('POST', '/api/v1/alerts/tg/test');
    assert.equal(fresh.json.delivered, true);
    assert.equal(tgPaths().at(-1), `/bot${TOKEN_2}/sendMessage`, 'the changed ${file:} secret took effect');

    // the pending delivery of gone is given up at its next due attempt, never sent again
    const attemptsOnGone = gone.requests.length;
    await waitFor(async () => (await outbox(db)).some((d) => d.channel === 'gone' && d.state === 'failed'), 30_000, 'the given-up delivery');
    const [given] = (await outbox(db)).filter((d) => d.channel === 'gone');
    assert.deepEqual([given?.id, given?.state, given?.lastError, given?.eventType], [pendingBefore[0]?.id, 'failed', REMOVED_CHANNEL_ERROR, 'incident_opened']);
    assert.equal(gone.requests.length, attemptsOnGone, 'nothing more went to the removed channel');
    assert.match(out(), new RegExp(`warn alert delivery gave up: incident_opened web → gone \\(\\d attempts?, last error ${REMOVED_CHANNEL_ERROR}\\)`));
  } finally {
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited, 0, out());
    await tg.close();
    await gone.close();
  }
  assert.ok(!out().includes(TOKEN_1) && !out().includes(TOKEN_2), 'no bot token in the output');
});
