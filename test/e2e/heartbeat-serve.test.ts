import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startServe, tempDir, waitFor, type ServeProcess } from '../daemon/helpers.js';

const run = promisify(execFile);
const ADMIN = 'hb-e2e-admin-token-0123456789';
const PUSH_TOKEN = 'e2e-push-token-AbCdEfGhIjKlMnOpQrSt';

/**
 * A real `vigil serve` process and a real `curl`, as a cron job would call it: pushes keep the
 * target up; when they stop, the missed period opens an incident (real clock, generous bounds).
 */
describe('vigil serve: a heartbeat target end to end', () => {
  const dir = tempDir('heartbeat-e2e');
  let serve: ServeProcess | null = null;

  after(async () => {
    if (serve !== null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('curl pushes keep it up; silence opens a heartbeat_missed incident; a push resolves it', async () => {
    const config = join(dir, 'vigil.yaml');
    writeFileSync(config, ['targets:', '  - id: cron', '    name: Cron job', '    check: { kind: heartbeat, period: 2s, grace: 1s, token: "${env:CRON_PUSH_TOKEN}" }', ''].join('\n'));
    serve = await startServe(['--config', config, '--port', '0', '--data-dir', join(dir, 'data')], { VIGIL_API_TOKEN: ADMIN, CRON_PUSH_TOKEN: PUSH_TOKEN });
    const { apiUrl } = serve;
    const curl = async (path: string) => (await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', `${apiUrl}${path}`])).stdout;
    const api = async (path: string) => (await fetch(`${apiUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as Promise<Record<string, unknown>>;
    const openIncidents = async () => ((await api('/targets/cron/incidents?state=open')).items as Array<{ errorKind: string }>);

    for (let i = 0; i < 3; i++) {
      assert.equal(await curl(`/push/${PUSH_TOKEN}/start`), '200');
      assert.equal(await curl(`/push/${PUSH_TOKEN}/0`), '200');
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual(await openIncidents(), [], 'no incident while the job pushes');
    assert.equal(await curl('/push/not-the-token-AbCdEfGhIjKlMnOp'), '404');

    // the job stops: after period + grace (3 s) the target is down
    await waitFor(async () => (await openIncidents()).length === 1, 20_000, 'the missed heartbeat to open an incident');
    assert.equal((await openIncidents())[0]?.errorKind, 'heartbeat_missed');
    type Row = { result: { status: string; errorKind: string | null; kind: string } };
    let results: Row[] = [];
    // results reach the store through the batching pipeline, incidents directly
    await waitFor(async () => {
      results = (await api('/targets/cron/results')).items as Row[];
      return results.some((r) => r.result.errorKind === 'heartbeat_missed');
    }, 10_000, 'the missed result to be stored');
    assert.equal(results[0]?.result.kind, 'heartbeat');
    assert.equal(results.filter((r) => r.result.status === 'up').length >= 3, true, JSON.stringify(results.map((r) => [r.result.status, r.result.errorKind])));

    assert.equal(await curl(`/push/${PUSH_TOKEN}`), '200');
    await waitFor(async () => (await openIncidents()).length === 0, 10_000, 'a push to resolve the incident');
    assert.equal(serve.output.join('').includes(PUSH_TOKEN), false, 'the token is in no log line');
  });
});
