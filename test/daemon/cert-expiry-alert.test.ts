import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScheduledResult } from '../../src/daemon/daemon-handle.js';
import { fixtureCert } from '../helpers/certs.js';
import { startPlainTlsServer } from '../helpers/servers/starttls-server.js';
import { tempDir, waitFor, writeConfig } from './helpers.js';
import { startInProcess } from './in-process.js';

// The fixture chain's earliest expiry is 2080: a warning threshold of 36,500 days (the
// largest allowed) puts it inside the warning range without faking any clock.
test('crossing certExpiryWarnDays sends one cert_expiring alert per crossing, not one per check', async () => {
  const tls = await startPlainTlsServer(fixtureCert('chained'));
  const hooks: Array<{ type: string; target?: { id: string }; daysLeft?: number; warnDays?: number; chainExpiresAt?: string | null; warnedChainExpiresAt?: string; reason?: string; text?: string }> = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push(JSON.parse(body));
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const dir = tempDir('cert-alert');
  const path = writeConfig(
    dir,
    `alerts:\n  webhooks:\n    - name: ops\n      url: http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook\n      secretEnv: HOOK_SECRET\n      initialBackoff: 50ms\n` +
      'defaults:\n  allowPrivateTargets: true\n',
  );
  const running = await startInProcess(path, dir, { HOOK_SECRET: 'cert-alert-test-secret-123' });
  const results: ScheduledResult[] = [];
  running.daemon.onResult((e) => results.push(e));
  const put = (warnDays: number) =>
    fetch(`${running.api.url}/api/v1/targets/mail-cert`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Mail cert', interval: '1s', check: { kind: 'tls', host: '127.0.0.1', port: tls.port, verifyTls: false, certExpiryWarnDays: warnDays, certExpiryCriticalDays: 0 } }),
    });
  const alerts = () => hooks.filter((h) => h.type === 'cert_expiring');
  try {
    const created = await fetch(`${running.api.url}/api/v1/targets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'mail-cert', name: 'Mail cert', interval: '1s', check: { kind: 'tls', host: '127.0.0.1', port: tls.port, verifyTls: false, certExpiryWarnDays: 36_500, certExpiryCriticalDays: 0 } }),
    });
    assert.equal(created.status, 201, await created.text());
    await waitFor(() => results.filter((r) => r.result.errorKind === 'cert_expiring_soon').length >= 4, 15_000, 'four warning results');
    assert.equal(results[0]?.result.status, 'degraded');
    await waitFor(() => alerts().length >= 1, 5_000, 'the warning alert');
    assert.equal(alerts().length, 1, 'one alert for four warning checks');
    const alert = alerts()[0]!;
    assert.equal(alert.target?.id, 'mail-cert');
    assert.equal(alert.warnDays, 36_500);
    assert.equal(alert.chainExpiresAt?.slice(0, 4), '2080');
    assert.ok((alert.daysLeft ?? 0) > 15_000 && (alert.daysLeft ?? 0) < 36_500);
    assert.match(alert.text ?? '', /^CERT EXPIRING Mail cert — the certificate chain expires 2080-/);
    assert.equal(hooks.some((h) => h.type === 'incident_opened'), false, 'a warning is degraded: no incident');

    // back beyond the threshold, then across it again: a second crossing, a second alert
    assert.equal((await put(0)).status, 200);
    const okFrom = results.length;
    await waitFor(() => results.slice(okFrom).filter((r) => r.result.status === 'up').length >= 2, 10_000, 'two results without the warning');
    // out of the warning range: the warning is closed once, under its own chain (its key)
    const closes = () => hooks.filter((h) => h.type === 'cert_resolved');
    await waitFor(() => closes().length >= 1, 5_000, 'the warning closed');
    assert.equal(closes().length, 1, 'closed once for two ok results');
    assert.deepEqual([closes()[0]!.target?.id, closes()[0]!.reason, closes()[0]!.warnedChainExpiresAt, closes()[0]!.chainExpiresAt], ['mail-cert', 'ok', alert.chainExpiresAt, alert.chainExpiresAt]);
    assert.match(closes()[0]!.text ?? '', /^CERT OK Mail cert — /);
    assert.equal((await put(36_500)).status, 200);
    await waitFor(() => alerts().length >= 2, 10_000, 'the second crossing');
    const warnFrom = results.length;
    await waitFor(() => results.slice(warnFrom).filter((r) => r.result.errorKind === 'cert_expiring_soon').length >= 2, 10_000, 'more warning results');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(alerts().length, 2);
    assert.equal(closes().length, 1, 'still warning: nothing closed');
    // deleted while warned: the open warning is closed too
    assert.equal((await fetch(`${running.api.url}/api/v1/targets/mail-cert`, { method: 'DELETE' })).status, 204);
    await waitFor(() => closes().length >= 2, 5_000, 'the warning closed on delete');
    assert.deepEqual([closes()[1]!.reason, closes()[1]!.warnedChainExpiresAt, closes()[1]!.chainExpiresAt], ['target_removed', alert.chainExpiresAt, null]);
  } finally {
    await running.stop();
    await tls.close();
    receiver.close();
  }
});
