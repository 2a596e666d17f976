// Heartbeat deadlines survive a restart of a real `vigil serve` (SQLite and Postgres, SIGTERM
// and kill -9): a missed period is reported when it falls due by the last ping before the
// restart (not a full period + grace after the restart), and a run that started before the
// restart and did not end within its grace is still reported as overdue.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rmSync } from 'node:fs';
import { schemaPool } from '../helpers/postgres.js';
import { startServe, tempDir, waitFor, writeConfig, type ServeProcess } from './helpers.js';

const BEAT_TOKEN = 'restart-beat-token-AbCdEfGhIjKlMnOp';
const RUN_TOKEN = 'restart-run-token-AbCdEfGhIjKlMnOpQ';
const PERIOD_MS = 6_000;
const GRACE_MS = 2_000;
const RUN_GRACE_MS = 3_000;
const schemas = schemaPool('vigil_hb_restart');
type Row = { result: { status: string; errorKind: string | null; startedAt: number; detail: string | null; timings: { totalMs: number } } };

describe('heartbeat deadlines across a restart of vigil serve', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const storeKind of ['sqlite', 'postgres'] as const) {
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      it(`${storeKind}, ${signal}: the missed period and the overdue run are judged from before the restart`, { timeout: 120_000 }, async () => {
        const dir = tempDir(`hb-restart-${storeKind}`);
        dirs.push(dir);
        const config = writeConfig(
          dir,
          'targets:\n' +
            `  - id: beat\n    name: Beat\n    check: { kind: heartbeat, period: ${PERIOD_MS}ms, grace: ${GRACE_MS}ms, token: "\${env:BEAT_TOKEN}" }\n` +
            `  - id: run\n    name: Run\n    check: { kind: heartbeat, period: 1h, grace: ${RUN_GRACE_MS}ms, token: "\${env:RUN_TOKEN}" }\n`,
        );
        const storeArgs = storeKind === 'sqlite' ? ['--data-dir', join(dir, 'data')] : ['--store', schemas.urlFor(schemas.next())];
        const start = () => startServe(['--config', config, '--port', '0', ...storeArgs], { BEAT_TOKEN, RUN_TOKEN });
        let serve: ServeProcess = await start();
        try {
          const push = async (path: string) => (await fetch(`${serve.apiUrl}/push/${path}`, { method: 'POST' })).status;
          assert.equal(await push(RUN_TOKEN), 200, 'the run target has a last ping, so only its run can be overdue');
          assert.equal(await push(`${RUN_TOKEN}/start`), 200);
          const runStartedAt = Date.now();
          assert.equal(await push(BEAT_TOKEN), 200);
          const pingedAt = Date.now();
          // the state write is one small statement; give it a moment before a kill -9
          await new Promise((r) => setTimeout(r, 500));
          const killedAt = Date.now();
          serve.child.kill(signal);
          assert.equal(await serve.exited, signal === 'SIGTERM' ? 0 : null, serve.output.join(''));
          serve = await start();
          const upAt = Date.now();
          const results = async (id: string): Promise<Row[]> => ((await (await fetch(`${serve.apiUrl}/api/v1/targets/${id}/results?limit=100`)).json()) as { items: Row[] }).items;

          await waitFor(async () => (await results('run')).some((r) => r.result.errorKind === 'heartbeat_run_overdue'), 20_000, 'the run started before the restart to be reported overdue');
          const overdue = (await results('run')).find((r) => r.result.errorKind === 'heartbeat_run_overdue')!;
          assert.ok(overdue.result.startedAt >= runStartedAt + RUN_GRACE_MS - 50, 'not before its grace ended');
          assert.match(overdue.result.detail ?? '', new RegExp(`the job started at ${new Date(runStartedAt).toISOString().slice(0, 16)}`));
          assert.ok(overdue.result.timings.totalMs >= RUN_GRACE_MS - 50);

          await waitFor(async () => (await results('beat')).some((r) => r.result.errorKind === 'heartbeat_missed'), 30_000, 'the missed period');
          const missed = (await results('beat')).find((r) => r.result.errorKind === 'heartbeat_missed')!;
          const dueAt = pingedAt + PERIOD_MS + GRACE_MS;
          // due by the ping before the restart: at dueAt, or at once on start if that had passed
          // (forgetting the ping would put it a full period + grace after the restart, and its
          // detail would say "no ping since"). On Postgres the daemon is a cluster node: after
          // a kill -9 its old leases must expire (10 s, docs/cluster.md) before it judges again.
          const leaseWait = storeKind === 'postgres' && signal === 'SIGKILL' ? killedAt + 10_000 + 2_000 : 0;
          const bound = Math.max(dueAt, upAt, leaseWait) + 1_500;
          console.log(`# ${storeKind} ${signal}: restarted ${upAt - pingedAt} ms after the ping; missed reported ${missed.result.startedAt - pingedAt} ms after it (due at ${dueAt - pingedAt}); overdue run reported ${overdue.result.startedAt - runStartedAt} ms after its start`);
          assert.ok(missed.result.startedAt >= dueAt - 50 && missed.result.startedAt <= bound, `missed at +${missed.result.startedAt - pingedAt} ms, expected +${dueAt - pingedAt} ms (restart at +${upAt - pingedAt} ms)`);
          assert.match(missed.result.detail ?? '', new RegExp(`last ping at ${new Date(pingedAt).toISOString().slice(0, 16)}`));
          const incidents = ((await (await fetch(`${serve.apiUrl}/api/v1/targets/beat/incidents?state=open`)).json()) as { items: Array<{ errorKind: string }> }).items;
          assert.deepEqual(incidents.map((i) => i.errorKind), ['heartbeat_missed']);
        } finally {
          serve.child.kill('SIGTERM');
          await serve.exited;
        }
      });
    }
  }
});
