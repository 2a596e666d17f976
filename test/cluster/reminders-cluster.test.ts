// Repeat-notify on a cluster (real processes, real Postgres, docs/alerts.md "Repeat-notify"):
// reminders are taken from the store, so every node runs reminder rounds and exactly one takes
// each slot. kill -9 of the node checking the target does not stop them (a survivor goes on,
// numbering on); a quorum incident's reminders go on after every node restarted. Counts, not
// timings: the period is short (2 s) and the waits generous.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shardOf } from '../../src/cluster/shard-leaser.js';
import { adminQuery, schemaPool } from '../helpers/postgres.js';
import { startTargetServer, tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { exited, nodeIdOf, startHookReceiver, startNode, type HookReceiver, type Node, printOutputs, killNodes } from './nodes.js';

const schemas = schemaPool('vigil_reminders');
const EVERY_MS = 2_000;

interface Hook { type: string; deliveryId: string; repeat?: number; openedAt?: number; openForMs?: number; regions?: unknown }

/**
 * Every reminder once, numbered 1, 2, … with no gap and no repeat, each in a later slot than
 * the one before. A delivery the killed node had made but not recorded is made again with the
 * same delivery id (at least once, docs/daemon.md): the receiver drops it by that id — at most
 * one such repeat per kill.
 */
function assertReminderSequence(receiver: HookReceiver<Hook>, kills: number): Hook[] {
  assert.ok(receiver.repeated() <= kills, `${receiver.repeated()} deliveries made again`);
  const reminders = receiver.hooks.filter((h) => h.type === 'incident_reminder');
  assert.deepEqual(reminders.map((h) => h.repeat), reminders.map((_, i) => i + 1), `reminder numbers: ${reminders.map((h) => h.repeat).join(',')}`);
  const slots = reminders.map((h) => Math.floor((h.openForMs ?? 0) / EVERY_MS));
  for (let i = 1; i < slots.length; i++) assert.ok((slots[i] as number) > (slots[i - 1] as number), `slots strictly later: ${slots.join(',')}`);
  assert.equal(new Set(reminders.map((h) => h.openedAt)).size, 1, 'all about the one incident');
  return reminders;
}

test('reminders on two nodes: each slot sent once; kill -9 of the node checking the target, and a survivor goes on with the next one', { timeout: 240_000 }, async () => {
  const target = await startTargetServer(0, 200);
  const receiver = await startHookReceiver<Hook>((e) => e as unknown as Hook);
  const hooks = receiver.hooks;
  const config = writeConfig(
    tempDir('reminders-cluster'),
    receiver.alertsYaml('repeatEvery: 2s') +
      `targets:\n  - id: down\n    name: Down\n    check: { url: "${target.url}/", expectStatus: "200" }\n    interval: 1s\n    confirmations: 2\n    allowPrivateTargets: true\n`,
  );
  const schema = schemas.next();
  const nodes: Node[] = [];
  const of = (type: string) => hooks.filter((h) => h.type === type);
  try {
    await Promise.all(['a', 'b'].map((name) => startNode(name, config, schemas.urlFor(schema), [], { HOOK_SECRET: 'reminders-secret-0123' }).then((n) => nodes.push(n))));
    const ids = await Promise.all(nodes.map((n) => nodeIdOf(schema, n)));
    const ownerOf = async () => (await adminQuery<{ owner: string | null }>(`SELECT owner FROM ${schema}.shard_leases WHERE shard = $1 AND expires_at > now()`, [shardOf('down')]))[0]?.owner ?? null;
    await waitFor(async () => ids.includes((await ownerOf()) ?? ''), 30_000, 'a node holds the target\'s shard');
    target.status = 500;
    await waitFor(() => of('incident_opened').length === 1, 30_000, 'incident_opened');
    // both nodes run reminder rounds over the same open incident meanwhile
    await waitFor(() => of('incident_reminder').length >= 3, 60_000, 'three reminders with both nodes up');
    const owner = await ownerOf();
    const dead = nodes[ids.indexOf(owner as string)]!;
    const survivor = nodes[1 - ids.indexOf(owner as string)]!;
    const beforeKill = of('incident_reminder').length;
    dead.child.kill('SIGKILL');
    await exited(dead);
    await waitFor(() => of('incident_reminder').length >= beforeKill + 3, 60_000, 'three more reminders, from the survivor');
    target.status = 200;
    await waitFor(() => of('incident_resolved').length === 1, 60_000, 'incident_resolved from the survivor');
    await new Promise((r) => setTimeout(r, 2 * EVERY_MS)); // two more periods: nothing after the resolution
    const reminders = assertReminderSequence(receiver, 1);
    assert.deepEqual([of('incident_opened').length, of('incident_resolved').length], [1, 1]);
    assert.equal(hooks.at(-1)?.type, 'incident_resolved', 'no reminder after the resolution');
    assert.ok(survivor.child.exitCode === null, 'the survivor is still running');
    const rows = await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.alert_outbox WHERE event_type = 'incident_reminder'`);
    assert.equal(Number(rows[0]?.n), reminders.length, 'one outbox row per reminder received');
    console.log(`# ${reminders.length} reminders (${beforeKill} before the kill -9 of the checking node, ${reminders.length - beforeKill} from the survivor), numbers 1..${reminders.length} each once; slots ${reminders.map((h) => Math.floor((h.openForMs ?? 0) / EVERY_MS)).join(',')}`);
  } catch (err) {
    printOutputs(nodes);
    throw err;
  } finally {
    await killNodes(nodes);
    await target.close();
    await receiver.close();
  }
});

test('a quorum incident\'s reminders go on after both regions\' nodes restarted, numbering on, with which regions saw what', { timeout: 240_000 }, async () => {
  const target = await startTargetServer(0, 200);
  const receiver = await startHookReceiver<Hook>((e) => e as unknown as Hook);
  const hooks = receiver.hooks;
  const config = writeConfig(
    tempDir('reminders-quorum'),
    receiver.alertsYaml('repeatEvery: 2s') +
      `targets:\n  - id: shop\n    name: Shop\n    check: { url: "${target.url}/", expectStatus: "200" }\n    interval: 1s\n    confirmations: 2\n    allowPrivateTargets: true\n    regions: [europe, america]\n`,
  );
  const schema = schemas.next();
  const nodes: Node[] = [];
  const of = (type: string) => hooks.filter((h) => h.type === type);
  const env = { HOOK_SECRET: 'reminders-secret-0123' };
  const startBoth = () => Promise.all(['europe', 'america'].map((region) => startNode(region, config, schemas.urlFor(schema), [], { ...env, VIGIL_REGION: region }).then((n) => nodes.push(n))));
  try {
    await startBoth();
    await waitFor(async () => (await adminQuery(`SELECT 1 FROM ${schema}.cluster_nodes`)).length === 2, 30_000, 'two live nodes');
    target.status = 500;
    await waitFor(() => of('incident_opened').length === 1, 30_000, 'the quorum opens the incident');
    await waitFor(() => of('incident_reminder').length >= 2, 60_000, 'two reminders');
    // every node stops (SIGTERM: the clean path; their rows in cluster_nodes go)
    for (const n of nodes.splice(0)) {
      n.child.kill('SIGTERM');
      await exited(n);
    }
    const beforeRestart = of('incident_reminder').length;
    await startBoth();
    await waitFor(() => of('incident_reminder').length >= beforeRestart + 2, 60_000, 'two reminders after the restart');
    target.status = 200;
    await waitFor(() => of('incident_resolved').length === 1, 60_000, 'incident_resolved');
    await new Promise((r) => setTimeout(r, 2 * EVERY_MS));
    const reminders = assertReminderSequence(receiver, 0);
    assert.deepEqual([of('incident_opened').length, of('incident_resolved').length], [1, 1]);
    assert.equal(hooks.at(-1)?.type, 'incident_resolved', 'no reminder after the resolution');
    // each says which regions saw what; while one region's node was still starting it may say no_live_node for it
    for (const r of reminders) assert.ok(r.regions !== null && typeof r.regions === 'object', `regions: ${JSON.stringify(r.regions)}`);
    for (const r of reminders.slice(0, beforeRestart)) assert.deepEqual((r.regions as { verdicts: unknown }).verdicts, { america: 'down', europe: 'down' });
    console.log(`# quorum incident: ${reminders.length} reminders (${beforeRestart} before both nodes restarted), numbers 1..${reminders.length} each once`);
  } catch (err) {
    printOutputs(nodes);
    throw err;
  } finally {
    await killNodes(nodes);
    await target.close();
    await receiver.close();
  }
});
