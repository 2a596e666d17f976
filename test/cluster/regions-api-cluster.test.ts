// Regions and quorum set through the API of a cluster: two real `vigil serve` processes, one
// in "europe", one in "america", on a real Postgres (a schema of its own). The targets' URLs
// carry ${env:VIGIL_REGION}, so the local server sees which region checked. Shown: a target
// created on one node naming one region is checked only there, and the other node reads it
// back; a PATCH on the other node moves it (picked up within seconds, measured); a region with
// no live node is accepted and reported; the quorum incident's opened AND resolved webhooks
// say which regions saw what (structured `regions` and the summary line); /api/v1/incidents
// and the status page read the stored `regions` column; an incident stored without it (older)
// still renders.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { adminQuery, schemaPool } from '../helpers/postgres.js';
import { tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { startHookReceiver, startNode, type Node, killNodes } from './nodes.js';

const schemas = schemaPool('vigil_regions_api');
const TOKEN = 'regions-api-token-0123456789';

interface Hook { type: string; target: { id: string }; text: string; regions: unknown }
type Json = Record<string, unknown>;

test('cluster API: regions and quorum stored, picked up by the owning nodes, reported; resolved alerts and incidents carry which regions saw what', { timeout: 240_000 }, async () => {
  const status = new Map<string, number>();
  const requests: Array<{ id: string; region: string; at: number }> = [];
  const server = createServer((req, res) => {
    const [, id = '', region = ''] = (req.url ?? '/').split('/');
    requests.push({ id, region, at: Date.now() });
    res.statusCode = status.get(`${id}/${region}`) ?? 200;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const receiver = await startHookReceiver<Hook>((e) => e as unknown as Hook);
  const hooks = receiver.hooks;
  const config = writeConfig(tempDir('regions-api'), [
    receiver.alertsYaml().trimEnd(),
    'defaults:', '  allowPrivateTargets: true', '  interval: 1s', '  confirmations: 2', '',
  ].join('\n'));
  const schema = schemas.next();
  const nodes: Node[] = [];
  const node = (name: string) => nodes.find((n) => n.name === name)!;
  const call = async (on: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> => {
    const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${node(on).api}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Json };
  };
  const seenFrom = (id: string, since = 0) => new Set(requests.filter((r) => r.id === id && r.at >= since).map((r) => r.region));
  const of = (type: string, id: string) => hooks.filter((h) => h.type === type && h.target.id === id);
  const target = (id: string, extra: Json = {}) => ({ id, name: id, check: { url: `${base}/${id}/\${env:VIGIL_REGION}`, expectStatus: '200' }, ...extra });
  try {
    await Promise.all(['europe', 'america'].map((region) => startNode(region, config, schemas.urlFor(schema), [], { VIGIL_REGION: region, VIGIL_API_TOKEN: TOKEN, HOOK_SECRET: "regions-api-hook-secret-0123" }).then((n) => nodes.push(n))));
    // both regions live as each node sees them (the leaser's tick)
    for (const n of ['europe', 'america']) {
      await waitFor(async () => {
        const regions = ((await call(n, 'GET', '/stats')).json.cluster as { regions: Array<{ name: string; liveNodes: number }> } | undefined)?.regions ?? [];
        return regions.filter((r) => r.liveNodes > 0).length === 2;
      }, 30_000, `${n} sees both regions live`);
    }
    const amonly = await call('europe', 'POST', '/targets', target('amonly', { regions: ['america'] }));
    assert.equal(amonly.status, 201, JSON.stringify(amonly.json));
    assert.deepEqual([amonly.json.regions, amonly.json.quorum, amonly.json.regionsWithoutLiveNode], [['america'], 'majority', []]);
    // a region no node runs in yet: accepted, and reported
    const ghost = await call('america', 'POST', '/targets', target('ghost', { regions: ['europe', 'asia'], quorum: 'all' }));
    assert.equal(ghost.status, 201, JSON.stringify(ghost.json));
    assert.deepEqual([ghost.json.regions, ghost.json.quorum, ghost.json.regionsWithoutLiveNode], [['europe', 'asia'], 'all', ['asia']]);
    const flip = await call('america', 'POST', '/targets', target('flip'));
    assert.deepEqual([flip.status, flip.json.regions, flip.json.quorum, flip.json.regionsWithoutLiveNode], [201, null, 'majority', []]);
    // bad input on a cluster node: the same refusal as anywhere
    const bad = await call('america', 'PATCH', '/targets/flip', { quorum: 'most' });
    assert.deepEqual([bad.status, (bad.json.error as Json).field], [400, 'quorum']);

    await waitFor(() => seenFrom('flip').size === 2 && seenFrom('amonly').has('america') && seenFrom('ghost').has('europe'), 60_000, 'every target checked where it should be');
    const settled = Date.now();
    await new Promise((r) => setTimeout(r, 3_000));
    assert.deepEqual([...seenFrom('amonly')], ['america'], 'a target naming america is checked only there');
    assert.deepEqual([...seenFrom('ghost')], ['europe'], 'asia has no node; america is not named');
    assert.equal(seenFrom('flip', settled).size, 2);
    // the other node reads what one node's API wrote (from the shared store)
    await waitFor(async () => JSON.stringify((await call('america', 'GET', '/targets/amonly')).json.regions) === '["america"]', 10_000, 'america reads amonly back');
    await waitFor(async () => (await call('europe', 'GET', '/targets/ghost')).json.quorum === 'all', 10_000, 'europe reads ghost back');

    // a PATCH on america's node moves amonly to europe: europe's node picks it up, america's stops
    const patchedAt = Date.now();
    const moved = await call('america', 'PATCH', '/targets/amonly', { regions: ['europe'] });
    assert.deepEqual([moved.status, moved.json.regions, moved.json.quorum], [200, ['europe'], 'majority']);
    await waitFor(() => seenFrom('amonly', patchedAt).has('europe'), 20_000, 'europe checks amonly after the PATCH');
    const pickedUpMs = Math.min(...requests.filter((r) => r.id === 'amonly' && r.region === 'europe').map((r) => r.at)) - patchedAt;
    console.log(`# amonly moved to europe: first europe check ${pickedUpMs} ms after the PATCH on america's node (sync every 2 s, interval 1 s)`);
    assert.ok(pickedUpMs < 10_000, `picked up in ${pickedUpMs} ms`);
    await new Promise((r) => setTimeout(r, 4_000));
    const quietFrom = Date.now();
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(seenFrom('amonly', quietFrom).has('america'), false, 'america no longer checks amonly');
    assert.equal(seenFrom('amonly', quietFrom).has('europe'), true);

    // majority of two: both regions down opens; europe recovering closes, and the resolved alert says so
    status.set('flip/europe', 500);
    status.set('flip/america', 500);
    await waitFor(() => of('incident_opened', 'flip').length === 1, 30_000, 'flip opened');
    assert.deepEqual(of('incident_opened', 'flip')[0]!.regions, { quorum: 'majority', required: 2, verdicts: { america: 'down', europe: 'down' } });
    status.delete('flip/europe');
    await waitFor(() => of('incident_resolved', 'flip').length === 1, 30_000, 'flip resolved');
    const resolved = of('incident_resolved', 'flip')[0]!;
    assert.deepEqual(resolved.regions, { quorum: 'majority', required: 2, verdicts: { america: 'down', europe: 'up' } });
    assert.match(resolved.text, /^RECOVERED flip after \d+s — down in america; up in europe \(quorum majority: 2 of 2 regions\)$/);
    // all of [europe, asia] with asia never live: europe alone is all of the observed regions
    status.set('ghost/europe', 500);
    await waitFor(() => of('incident_opened', 'ghost').length === 1, 30_000, 'ghost opened');
    assert.deepEqual(of('incident_opened', 'ghost')[0]!.regions, { quorum: 'all', required: 1, verdicts: { asia: 'no_live_node', europe: 'down' } });
    status.delete('ghost/europe');
    await waitFor(() => of('incident_resolved', 'ghost').length === 1, 30_000, 'ghost resolved');
    assert.deepEqual(of('incident_resolved', 'ghost')[0]!.regions, { quorum: 'all', required: 1, verdicts: { asia: 'no_live_node', europe: 'up' } });

    // the incidents API and the status page read the stored column; an older incident (no regions) still renders
    await adminQuery(`INSERT INTO ${schema}.incidents (target_id, opened_at, closed_at, error_kind, last_error_kind, last_detail, failure_count, updated_at) VALUES ('legacy', $1, $2, 'timeout', 'timeout', 'down in europe; up in none (quorum any: 1 of 1 regions)', 2, $2)`, [Date.now() - 600_000, Date.now() - 500_000]);
    const listed = (await call('europe', 'GET', '/incidents?state=closed')).json.items as Array<{ targetId: string; regions: unknown }>;
    assert.deepEqual(Object.fromEntries(listed.map((i) => [i.targetId, i.regions])), {
      flip: { quorum: 'majority', required: 2, verdicts: { america: 'down', europe: 'up' } },
      ghost: { quorum: 'all', required: 1, verdicts: { asia: 'no_live_node', europe: 'up' } },
      legacy: null,
    });
    const page = await (await fetch(`${node('america').api}/incidents`)).text();
    assert.match(page, /<a href="\/status\/flip">flip<\/a><\/td>.*<td class="regions" data-regions-down="america">down in america; up in europe \(quorum majority: 2 of 2 regions\)<\/td><\/tr>/);
    assert.match(page, /<a href="\/status\/ghost">ghost<\/a><\/td>.*<td class="regions" data-regions-down="">down in none; up in europe; no live node: asia \(quorum all: 1 of 1 regions\)<\/td><\/tr>/);
    // the legacy row's detail text is not parsed: a dash, not "europe"
    assert.match(page, /<td>legacy<\/td>.*<td class="regions" title="not recorded[^"]*">—<\/td><\/tr>/);
    // one alert per transition across both nodes
    await new Promise((r) => setTimeout(r, 2_000));
    assert.deepEqual(hooks.map((h) => `${h.type} ${h.target.id}`).sort(), ['incident_opened flip', 'incident_opened ghost', 'incident_resolved flip', 'incident_resolved ghost']);
  } catch (err) {
    for (const n of nodes) console.log(`--- ${n.name}\n${n.output.join('').slice(-4000)}`);
    throw err;
  } finally {
    await killNodes(nodes);
    await new Promise<void>((r) => server.close(() => r()));
    await receiver.close();
  }
});
