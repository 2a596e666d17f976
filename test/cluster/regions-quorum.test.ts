// Regions and quorum with real processes on a real Postgres: one node in region "europe", one
// in "america" (their region from VIGIL_REGION, which the targets' URLs also carry, so the
// local server can answer each region differently). Shown: a target listing one region is
// checked only there; majority of two needs both; `any` opens on one; the incident and the
// opened alert say which regions saw what; `all` with one region down opens nothing; kill -9
// of america's only node is reported (/readyz, /metrics, /api/v1/stats) and america is then
// neither up nor down.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { adminQuery, schemaPool } from '../helpers/postgres.js';
import { tempDir, waitFor, writeConfig } from '../daemon/helpers.js';
import { exited, startHookReceiver, startNode, type Node, killNodes } from './nodes.js';

const schemas = schemaPool('vigil_regions');
const SECRET = 'regions-test-secret-0123';

interface Hook { type: string; target: { id: string }; detail?: string; at: string; text: string; regions?: unknown }

test('two regions: per-target regions, quorum any/majority/all, incidents say which regions saw what, a region without a live node is reported', { timeout: 240_000 }, async () => {
  const status = new Map<string, number>();
  const seen = new Map<string, Set<string>>();
  const server = createServer((req, res) => {
    const [, id = '', region = ''] = (req.url ?? '/').split('/');
    (seen.get(id) ?? seen.set(id, new Set()).get(id))!.add(region);
    res.statusCode = status.get(`${id}/${region}`) ?? 200;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const receiver = await startHookReceiver<Hook>((e) => e as unknown as Hook);
  const hooks = receiver.hooks;
  const target = (id: string, extra = '') => [`  - id: ${id}`, `    name: ${id}`, `    check: { url: "${base}/${id}/\${env:VIGIL_REGION}", expectStatus: "200" }`, ...(extra === '' ? [] : [`    ${extra}`])];
  const config = writeConfig(tempDir('regions'), [
    receiver.alertsYaml().trimEnd(),
    'defaults:', '  allowPrivateTargets: true', '  interval: 1s', '  confirmations: 2',
    'targets:',
    ...target('maj'),
    ...target('any1', 'quorum: any'),
    ...target('all2', 'quorum: all'),
    ...target('euonly', 'regions: [europe]'),
    '',
  ].join('\n'));
  const schema = schemas.next();
  const url = schemas.urlFor(schema);
  const nodes: Node[] = [];
  const of = (type: string, id: string) => hooks.filter((h) => h.type === type && h.target.id === id);
  const incidents = (id: string) => adminQuery<{ closed_at: string | null; last_detail: string; failure_count: number }>(`SELECT closed_at, last_detail, failure_count FROM ${schema}.incidents WHERE target_id = $1 ORDER BY id`, [id]);
  try {
    await Promise.all(['europe', 'america'].map((region) => startNode(region, config, url, [], { VIGIL_REGION: region, HOOK_SECRET: SECRET }).then((n) => nodes.push(n))));
    const node = (name: string) => nodes.find((n) => n.name === name)!;
    // every target is checked from both regions, except euonly
    await waitFor(() => ['maj', 'any1', 'all2'].every((id) => seen.get(id)?.size === 2) && seen.get('euonly')?.has('europe') === true, 60_000, 'both regions checking');
    await new Promise((r) => setTimeout(r, 3_000));
    assert.deepEqual([...(seen.get('euonly') ?? [])], ['europe'], 'a target naming one region is checked only there');
    // majority of two: europe alone seeing it down opens nothing; all: the same
    status.set('maj/europe', 500);
    status.set('all2/europe', 500);
    // any: america alone opens it
    status.set('any1/america', 500);
    await waitFor(() => of('incident_opened', 'any1').length === 1, 30_000, 'any1 opened by america alone');
    const anyOpened = of('incident_opened', 'any1')[0]!;
    assert.match(anyOpened.detail ?? '', /^down in america; up in europe \(quorum any: 1 of 2 regions\)/);
    await waitFor(async () => Number((await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.region_verdicts WHERE down AND target_id IN ('maj', 'all2')`))[0]?.n) === 2, 30_000, 'europe verdicts down for maj and all2');
    await new Promise((r) => setTimeout(r, 4_000));
    assert.equal(of('incident_opened', 'maj').length, 0, 'majority of 2 needs both regions');
    assert.equal(of('incident_opened', 'all2').length, 0, 'all needs both regions');
    assert.deepEqual(await incidents('maj'), []);
    // america sees maj down too: the incident opens once, saying so
    status.set('maj/america', 500);
    await waitFor(() => of('incident_opened', 'maj').length === 1, 30_000, 'maj opened by both regions');
    assert.match(of('incident_opened', 'maj')[0]!.detail ?? '', /^down in america, europe; up in none \(quorum majority: 2 of 2 regions\)/);
    const majRows = await incidents('maj');
    assert.equal(majRows.length, 1);
    assert.match(majRows[0]!.last_detail, /^down in america, europe/);
    // europe recovers: below the quorum, the incident closes once
    status.delete('maj/europe');
    await waitFor(() => of('incident_resolved', 'maj').length === 1, 30_000, 'maj resolved when europe recovered');
    await waitFor(async () => (await incidents('maj'))[0]?.closed_at !== null, 10_000, 'maj incident closed');
    assert.match((await incidents('maj'))[0]!.last_detail, /^down in america; up in europe \(quorum majority: 2 of 2 regions\)/);
    // the opened and the resolved alert both say which regions saw what (structured, and in the summary)
    assert.deepEqual(of('incident_opened', 'maj')[0]!.regions, { quorum: 'majority', required: 2, verdicts: { america: 'down', europe: 'down' } });
    const majResolved = of('incident_resolved', 'maj')[0]!;
    assert.deepEqual(majResolved.regions, { quorum: 'majority', required: 2, verdicts: { america: 'down', europe: 'up' } });
    assert.match(majResolved.text, /^RECOVERED maj after \d+s — down in america; up in europe \(quorum majority: 2 of 2 regions\)$/);
    // america's only node dies: reported by europe's node, and america's verdicts no longer count
    const killedAt = Date.now();
    node('america').child.kill('SIGKILL');
    await exited(node('america'));
    const eu = node('europe').api;
    await waitFor(async () => {
      const body = (await (await fetch(`${eu}/readyz`)).json()) as { regionsWithoutLiveNode?: string[] };
      return body.regionsWithoutLiveNode?.[0] === 'america';
    }, 30_000, '/readyz names america');
    console.log(`# america reported without a live node ${Date.now() - killedAt} ms after kill -9`);
    const ready = await fetch(`${eu}/readyz`);
    assert.equal(ready.status, 200, 'a region without a live node does not make this node unready');
    assert.deepEqual(await ready.json(), { status: 'ready', reasons: [], regionsWithoutLiveNode: ['america'] });
    const metrics = await (await fetch(`${eu}/metrics`)).text();
    assert.match(metrics, /^vigil_cluster_region_live_nodes\{region="america"\} 0$/m);
    assert.match(metrics, /^vigil_cluster_region_live_nodes\{region="europe"\} 1$/m);
    // any1 was open only because america saw it down: america is no longer counted either way;
    // europe sees it up, so the incident closes, naming america as unobserved
    await waitFor(async () => (await incidents('any1'))[0]?.closed_at !== null, 30_000, 'any1 decided without america');
    assert.match((await incidents('any1'))[0]!.last_detail, /^down in none; up in europe; no live node: america \(quorum any: 1 of 1 regions\)/);
    await waitFor(() => of('incident_resolved', 'any1').length === 1, 10_000, 'any1 resolved alert');
    assert.deepEqual(of('incident_resolved', 'any1')[0]!.regions, { quorum: 'any', required: 1, verdicts: { america: 'no_live_node', europe: 'up' } });
    // all2: europe down, america gone: all of the one observed region says down → opens
    await waitFor(() => of('incident_opened', 'all2').length === 1, 30_000, 'all2 opened once america left the quorum');
    assert.match(of('incident_opened', 'all2')[0]!.detail ?? '', /^down in europe; up in none; no live node: america \(quorum all: 1 of 1 regions\)/);
    // the status page (docs/api.md) names the region without a live node, and the regions an incident was seen down from
    const overview = await fetch(`${eu}/`);
    assert.equal(overview.status, 200);
    const overviewHtml = await overview.text();
    assert.match(overviewHtml, /<section class="regions-banner" role="status" data-regions-without-live-node="america"><h2>A region has no live node<\/h2><p>Not checked from america right now/);
    assert.match(await (await fetch(`${eu}/status/maj`)).text(), /data-regions-without-live-node="america"/);
    const history = await (await fetch(`${eu}/incidents`)).text();
    assert.match(history, /<th>Cause<\/th><th>Regions<\/th>/);
    // the Regions column is the incident's stored regions, not its detail text
    assert.match(history, /data-incident-id="\d+"><td><a href="\/status\/all2">[^<]*<\/a><\/td>.*<td class="regions" data-regions-down="europe">down in europe; up in none; no live node: america \(quorum all: 1 of 1 regions\)<\/td><\/tr>/);
    assert.match(history, /<a href="\/status\/maj">[^<]*<\/a><\/td>.*<td class="regions" data-regions-down="america">down in america; up in europe \(quorum majority: 2 of 2 regions\)<\/td><\/tr>/);
    // one alert per transition across both nodes
    await new Promise((r) => setTimeout(r, 3_000));
    assert.deepEqual(hooks.map((h) => `${h.type} ${h.target.id}`).sort(), ['incident_opened all2', 'incident_opened any1', 'incident_opened maj', 'incident_resolved any1', 'incident_resolved maj']);
  } catch (err) {
    for (const n of nodes) console.log(`--- ${n.name}\n${n.output.join('').slice(-4000)}`);
    throw err;
  } finally {
    await killNodes(nodes);
    await new Promise<void>((r) => server.close(() => r()));
    await receiver.close();
  }
});
