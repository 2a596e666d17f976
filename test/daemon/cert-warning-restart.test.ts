// The certificate-warning state survives a restart of a real `vigil serve` (SQLite and
// Postgres): a warning open when the daemon stopped, whose target is back at ok when it
// starts again (here: the threshold lowered while it was stopped, as a renewal would), is
// closed by the first good result with one cert_resolved under the warned chain's key, and a
// warning still in range is not announced a second time. Escalation alerts, de-escalation
// does not: warning → critical opens the incident; critical → warning sends no cert_expiring.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rmSync } from 'node:fs';
import { fixtureCert } from '../helpers/certs.js';
import { schemaPool } from '../helpers/postgres.js';
import { startPlainTlsServer } from '../helpers/servers/starttls-server.js';
import { startServe, tempDir, waitFor, writeConfig, type ServeProcess } from './helpers.js';

const schemas = schemaPool('vigil_cert_restart');
type Hook = { type: string; target?: { id: string }; reason?: string; warnedChainExpiresAt?: string; chainExpiresAt?: string | null; errorKind?: string };

describe('certificate-warning state across restarts and levels', () => {
  const hooks: Hook[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push(JSON.parse(body) as Hook);
      res.end();
    });
  });
  let tls: Awaited<ReturnType<typeof startPlainTlsServer>>;
  const dirs: string[] = [];
  before(async () => {
    tls = await startPlainTlsServer(fixtureCert('chained'));
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await tls.close();
    receiver.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const hookConfig = () => `alerts:\n  webhooks:\n    - name: ops\n      url: http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook\n      secretEnv: HOOK_SECRET\n      initialBackoff: 50ms\n`;
  // the fixture chain expires in 2080: 36,500 days puts it inside the warning range, 14 outside
  const targetConfig = (id: string, warnDays: number, criticalDays = 0) =>
    `targets:\n  - id: ${id}\n    name: ${id}\n    interval: 1s\n    allowPrivateTargets: true\n` +
    `    check: { kind: tls, host: 127.0.0.1, port: ${tls.port}, verifyTls: false, certExpiryWarnDays: ${warnDays}, certExpiryCriticalDays: ${criticalDays} }\n`;
  const of = (id: string, type: string) => hooks.filter((h) => h.target?.id === id && h.type === type);

  for (const storeKind of ['sqlite', 'postgres'] as const) {
    it(`${storeKind}: a warning open at a restart is not sent again, and is closed by the first good result after one`, { timeout: 120_000 }, async () => {
      const dir = tempDir(`cert-restart-${storeKind}`);
      dirs.push(dir);
      const id = `cert-${storeKind}`;
      const storeArgs = storeKind === 'sqlite' ? ['--data-dir', join(dir, 'data')] : ['--store', schemas.urlFor(schemas.next())];
      const config = join(dir, 'vigil.yaml');
      const start = () => startServe(['--config', config, '--port', '0', ...storeArgs], { HOOK_SECRET: 'cert-restart-hook-secret' });
      let serve: ServeProcess | null = null;
      try {
        writeConfig(dir, hookConfig() + targetConfig(id, 36_500));
        serve = await start();
        await waitFor(() => of(id, 'cert_expiring').length === 1, 20_000, 'the warning');
        const warned = of(id, 'cert_expiring')[0] as Hook & { chainExpiresAt: string };
        serve.child.kill('SIGTERM');
        assert.equal(await serve.exited, 0);

        // restarted with the chain still in range: the open warning is not announced again
        serve = await start();
        const results = async () => ((await (await fetch(`${serve!.apiUrl}/api/v1/targets/${id}/results?limit=100`)).json()) as { items: unknown[] }).items.length;
        const before = await results();
        await waitFor(async () => (await results()) >= before + 3, 20_000, 'three checks after the restart');
        assert.equal(of(id, 'cert_expiring').length, 1, 'no second cert_expiring after a restart');
        serve.child.kill('SIGTERM');
        assert.equal(await serve.exited, 0);

        // while stopped the target left the warning range; the first good result closes the warning
        writeConfig(dir, hookConfig() + targetConfig(id, 14));
        serve = await start();
        await waitFor(() => of(id, 'cert_resolved').length === 1, 20_000, 'cert_resolved after the restart');
        const resolved = of(id, 'cert_resolved')[0]!;
        assert.deepEqual([resolved.reason, resolved.warnedChainExpiresAt, resolved.chainExpiresAt], ['ok', warned.chainExpiresAt, warned.chainExpiresAt]);
        await new Promise((r) => setTimeout(r, 2_500));
        assert.equal(of(id, 'cert_resolved').length, 1, 'closed once');
        assert.equal(of(id, 'cert_expiring').length, 1);
      } finally {
        if (serve !== null && serve.child.exitCode === null) {
          serve.child.kill('SIGTERM');
          await serve.exited;
        }
      }
    });
  }

  it('warning → critical opens the incident; critical → warning sends no second cert_expiring; ok closes the warning once', { timeout: 120_000 }, async () => {
    const dir = tempDir('cert-levels');
    dirs.push(dir);
    const id = 'cert-levels';
    const config = writeConfig(dir, hookConfig() + targetConfig(id, 36_500));
    const serve = await startServe(['--config', config, '--port', '0', '--data-dir', join(dir, 'data')], { HOOK_SECRET: 'cert-restart-hook-secret' });
    const reload = async (warnDays: number, criticalDays: number) => {
      writeConfig(dir, hookConfig() + targetConfig(id, warnDays, criticalDays));
      serve.child.kill('SIGHUP');
    };
    const results = async () => ((await (await fetch(`${serve.apiUrl}/api/v1/targets/${id}/results?limit=1`)).json()) as { items: Array<{ result: { status: string; errorKind: string | null } }> }).items;
    try {
      await waitFor(() => of(id, 'cert_expiring').length === 1, 20_000, 'the warning');
      await reload(36_500, 36_000);
      await waitFor(() => of(id, 'incident_opened').length === 1, 20_000, 'critical opens the incident');
      await reload(36_500, 0);
      await waitFor(() => of(id, 'incident_resolved').length === 1, 20_000, 'back at warning: the incident resolves');
      await waitFor(async () => (await results())[0]?.result.errorKind === 'cert_expiring_soon', 10_000, 'a warning-level result');
      await new Promise((r) => setTimeout(r, 2_500));
      assert.equal(of(id, 'cert_expiring').length, 1, 'critical → warning: no second cert_expiring');
      await reload(14, 0);
      await waitFor(() => of(id, 'cert_resolved').length === 1, 20_000, 'ok closes the warning');
      assert.deepEqual(hooks.filter((h) => h.target?.id === id).map((h) => h.type), ['cert_expiring', 'incident_opened', 'incident_resolved', 'cert_resolved']);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });
});
