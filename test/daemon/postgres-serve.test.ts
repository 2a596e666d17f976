// `vigil serve --store postgres://…` as a real process: bad URLs, a newer schema, a database
// that is not there at start, and one that goes away mid-run (a proxy the test cuts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { adminQuery, schemaPool, TEST_PG_URL } from '../helpers/postgres.js';
import { freePort, tcpProxy } from '../helpers/tcp-proxy.js';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { PG_SCHEMA_VERSION } from '../../src/storage/postgres/pg-schema.js';
import { startTargetServer, targetsYaml, tempDir, waitFor, writeConfig } from './helpers.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const schemas = schemaPool('vigil_serve');

/** Runs `vigil serve` to its exit (for refusals): exit code and stderr. */
function runServe(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', '0', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

async function storedCount(schema: string): Promise<number> {
  const rows = await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.results`);
  return Number(rows[0]?.n ?? 0);
}

describe('vigil serve with a Postgres store', () => {
  it('refuses a wrong --store or VIGIL_STORE with exit 2 and one line naming it', async () => {
    const flag = await runServe(['--store', 'mysql://u:hunter2@127.0.0.1/db']);
    assert.equal(flag.code, 2);
    assert.equal(flag.stderr, 'vigil serve: --store: expected a postgres:// or postgresql:// URL, got scheme "mysql"\n');
    const env = await runServe([], { VIGIL_STORE: 'postgres://127.0.0.1' });
    assert.equal(env.code, 2);
    assert.equal(env.stderr, 'vigil serve: VIGIL_STORE: expected one database name in the path (postgres://host/vigil)\n');
  });

  it('refuses to start on a schema from a newer version: exit 3, saying why', async () => {
    const schema = schemas.next();
    await (await openPostgresStore({ url: schemas.urlFor(schema) })).close();
    await adminQuery(`INSERT INTO ${schema}.vigil_schema (version) VALUES ($1)`, [PG_SCHEMA_VERSION + 1]);
    const run = await runServe(['--store', schemas.urlFor(schema)], { VIGIL_STORE: '' });
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, new RegExp(`vigil serve: postgres schema "${schema}" has schema version ${PG_SCHEMA_VERSION + 1}, newer than this program supports \\(${PG_SCHEMA_VERSION}\\); upgrade vigil`));
  });

  it('waits for an unreachable database (not ready, retrying), then keeps results through an outage', async () => {
    const target = await startTargetServer();
    const dir = tempDir('pg-outage');
    const schema = schemas.next();
    const pgPort = Number(new URL(TEST_PG_URL).port || 5432);
    const proxy = tcpProxy(await freePort(), pgPort);
    const apiPort = await freePort();
    const config = writeConfig(dir, targetsYaml(5, target.url, 'interval: 1s'));
    const url = `postgres://postgres@127.0.0.1:${proxy.port}/${new URL(TEST_PG_URL).pathname.slice(1)}?schema=${schema}`;
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', config, '--port', String(apiPort), '--store', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
    let exitCode: number | null | undefined;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve((exitCode = code))));
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${apiPort}/readyz`).catch(() => null);
      return res === null ? null : { status: res.status, body: (await res.json()) as { reasons?: string[] } };
    };
    try {
      // 1. no database: the API answers 503 with the reason, the log says it retries
      let notReady: Awaited<ReturnType<typeof readyz>> = null;
      await waitFor(async () => (notReady = await readyz())?.body.reasons?.some((r) => r.includes('cannot reach')) === true, 20_000, '/readyz naming the database');
      assert.equal(notReady!.status, 503);
      assert.match(notReady!.body.reasons!.join(' '), new RegExp(`storage: cannot reach postgres postgres@127\\.0\\.0\\.1:${proxy.port}/\\w+ schema ${schema} \\(attempt \\d+: .*ECONNREFUSED`));
      assert.match(output.join(''), /storage: cannot reach .* retrying in \d+ ms/);
      // 2. the database appears: the daemon starts and writes results
      await proxy.start();
      await waitFor(async () => (await readyz())?.status === 200, 20_000, 'ready once the database is there');
      await waitFor(async () => (await storedCount(schema)) >= 10, 20_000, 'results stored');
      // 3. the database goes away for ~3 s: no crash, writes fail and are retried
      await proxy.stop();
      const cutAt = Date.now();
      await new Promise((r) => setTimeout(r, 3_000));
      assert.equal(exitCode, undefined, `vigil serve exited during the outage:\n${output.join('')}`);
      const metrics = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
      assert.match(metrics, /vigil_storage_write_failures_total [1-9]/);
      // 4. back: the results checked during the outage are written (kept, not dropped)
      await proxy.start();
      await waitFor(async () => {
        const rows = await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.results WHERE started_at BETWEEN $1 AND $2`, [cutAt + 500, cutAt + 2_500]);
        return Number(rows[0]?.n) >= 5;
      }, 20_000, 'results from the outage written after it');
      const after = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
      assert.match(after, /vigil_result_drops_total\{reason="flush_failed"\} 0/);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, output.join(''));
    } finally {
      if (exitCode === undefined) child.kill('SIGKILL');
      await proxy.stop();
      await target.close();
    }
  });
});
