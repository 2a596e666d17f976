/**
 * Issue 11 item 1, reproduced: healthy HTTP targets on one port of 127.0.0.1 and one dead TCP
 * port on the same host; an outage of the HTTP server, then recovery; a brand-new healthy
 * target added during the outage. With the breaker keyed by host alone, the dead port kept
 * the whole host's circuit open: healthy targets were paged with `circuit_open` as the cause,
 * stayed "down" long after recovery, and the new target was paged too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryLogger } from '../../src/daemon/logger.js';
import { startDaemon } from '../../src/daemon/main.js';
import type { Incident } from '../../src/storage/store.js';
import { tempDir, waitFor } from './helpers.js';

const OPEN_MS = 3_000;
const HEALTHY = Array.from({ length: 6 }, (_, i) => `h${i}`);

function httpServer(port = 0): Promise<Server> {
  const server = createServer((_req, res) => res.end('ok'));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const stop = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

async function deadPort(): Promise<number> {
  const server = await httpServer();
  const { port } = server.address() as AddressInfo;
  await stop(server);
  return port;
}

test('a dead port on the same host neither pages healthy targets nor prolongs their outage; circuit_open is never a cause', async () => {
  let web = await httpServer();
  const webPort = (web.address() as AddressInfo).port;
  const other = await httpServer();
  const otherPort = (other.address() as AddressInfo).port;
  const dead = await deadPort();
  const lines = ['defaults:', '  allowPrivateTargets: true', '  interval: 1s', '  confirmations: 2', 'targets:'];
  for (const id of HEALTHY) lines.push(`  - { id: ${id}, name: ${id}, check: { url: "http://127.0.0.1:${webPort}/${id}", timeoutMs: 500 } }`);
  lines.push(`  - { id: dead, name: dead, check: { kind: tcp, host: 127.0.0.1, port: ${dead}, timeoutMs: 500 } }`);
  const log = createMemoryLogger();
  const running = await startDaemon({
    configText: `${lines.join('\n')}\n`,
    configSource: 'test',
    host: '127.0.0.1',
    port: 0,
    dataDir: tempDir('breaker'),
    token: null,
    env: {},
    log,
    readConfig: null,
    breaker: { failureThreshold: 3, openMs: OPEN_MS },
  });
  const store = running.daemon.store;
  const incidents = async (): Promise<Incident[]> => (await store.listIncidents({ state: 'all', limit: 1000 })).items;
  const openFor = async (id: string) => (await store.getOpenIncident(id)) !== null;
  try {
    // the dead port pages itself, and only itself, while the healthy targets stay up
    await waitFor(() => openFor("dead"), 15_000, "the dead port paged").catch((err: unknown) => {
      throw new Error(`${String(err)}\n${log.lines.join("\n").slice(0, 3000)}`);
    });
    await new Promise((r) => setTimeout(r, 5_000)); // its circuit has opened and half-opened meanwhile
    assert.deepEqual((await incidents()).map((i) => i.targetId), ['dead'], 'only the dead port has an incident');

    // outage of the healthy targets' server: a real outage, paged with its real cause
    await stop(web);
    // (targets whose own checks failed before the circuit opened are paged; the rest only once
    // one of their own checks, a half-open trial, fails: a refused check is never evidence)
    await waitFor(async () => (await Promise.all(HEALTHY.map(openFor))).filter(Boolean).length >= 3, 15_000, 'the outage paged');
    // a brand-new healthy target on the same host, added while the outage's circuit is open
    const created = await running.daemon.createTarget({ id: 'fresh', name: 'fresh', check: { url: `http://127.0.0.1:${otherPort}/`, timeoutMs: 500 }, interval: '1s' });
    assert.equal(created.ok, true);
    await new Promise((r) => setTimeout(r, 2_000));

    web = await httpServer(webPort);
    const recoveredAt = Date.now();
    const pagedDuringOutage = (await incidents()).filter((i) => HEALTHY.includes(i.targetId)).map((i) => i.targetId);
    await waitFor(async () => !(await Promise.all(HEALTHY.map(openFor))).some(Boolean), 20_000, 'every healthy incident resolved');
    await new Promise((r) => setTimeout(r, 2_000));

    const all = await incidents();
    for (const incident of all) {
      assert.notEqual(incident.errorKind, 'circuit_open', `${incident.targetId}: opened by the breaker`);
      assert.notEqual(incident.lastErrorKind, 'circuit_open', `${incident.targetId}: circuit_open as its last cause`);
    }
    assert.deepEqual(all.filter((i) => i.targetId === 'fresh'), [], 'the new healthy target was never paged');
    assert.ok(pagedDuringOutage.length >= 3);
    for (const id of HEALTHY) {
      const mine = all.filter((i) => i.targetId === id);
      assert.equal(mine.length, pagedDuringOutage.includes(id) ? 1 : 0, `${id}: one incident if paged during the outage, none after it`);
      if (mine.length === 0) continue;
      const [incident] = mine;
      assert.ok(incident!.errorKind === 'connection_refused' || incident!.errorKind === 'timeout', `${id}: real cause, got ${incident!.errorKind}`);
      assert.notEqual(incident!.closedAt, null);
      // resolved at its first good result after recovery: at most the open period plus a
      // couple of intervals, never another open period because of the dead port
      assert.ok(incident!.closedAt! - recoveredAt < OPEN_MS + 3_000, `${id}: resolved ${incident!.closedAt! - recoveredAt} ms after recovery`);
    }
    assert.equal(await openFor('dead'), true, 'the dead port is still down');
  } finally {
    await running.stop();
    await stop(web);
    await stop(other);
  }
});
