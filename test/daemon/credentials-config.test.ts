/**
 * Credentials by reference (`${env:…}`, `${file:…}`), named tokens in the config file and
 * their revocation by SIGHUP, and how `vigil serve` takes its admin token.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigFileError, parseDaemonConfig } from '../../src/config/daemon-config.js';
import { startServe, tempDir, writeConfig } from './helpers.js';
import { startInProcess } from './in-process.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

test('references resolve at load time; a missing variable or file refuses the target naming the field', () => {
  const dir = tempDir('refs');
  const secretFile = join(dir, 'token');
  writeFileSync(secretFile, 'file-secret-value\n');
  const text = [
    'targets:',
    '  - { id: a, name: a, check: { url: "https://a.example/?k=${env:A_KEY}", headers: { authorization: "Bearer ${file:' + secretFile + '}" } } }',
    '  - { id: b, name: b, check: { url: "https://b.example/", headers: { x-custom: "${env:NOT_SET}" } } }',
    '  - { id: c, name: c, check: { url: "https://c.example/", auth: { type: bearer, token: "${file:' + join(dir, 'missing') + '}" } } }',
    '  - { id: d, name: d, check: { url: "https://d.example/", auth: { type: basic, username: u, password: "${file:relative/path}" } } }',
    '',
  ].join('\n');
  const config = parseDaemonConfig(text, { A_KEY: 'env-secret-value' });
  assert.deepEqual(config.targets.map((t) => t.id), ['a']);
  const a = config.targets[0]!;
  assert.equal(a.spec.kind === 'http' && a.spec.url, 'https://a.example/?k=env-secret-value');
  assert.equal(a.spec.kind === 'http' && a.spec.headers.authorization, 'Bearer file-secret-value', 'one trailing newline is not part of the secret');
  assert.deepEqual(a.checkInput, { url: 'https://a.example/?k=${env:A_KEY}', headers: { authorization: `Bearer \${file:${secretFile}}` }, timeoutMs: 10_000 }, 'the stored form keeps the references');
  assert.deepEqual(
    config.targetErrors.map((e) => [e.target, e.field, e.message]),
    [
      ['b', 'check.headers.x-custom', '${env:NOT_SET}: environment variable NOT_SET is not set'],
      ['c', 'check.auth.token', `\${file:${join(dir, 'missing')}}: cannot read the file (ENOENT)`],
      ['d', 'check.auth.password', '${file:relative/path}: expected an absolute path such as /run/secrets/api-token'],
    ],
  );
});

test('api.tokens: references, and file-level errors naming the field', () => {
  const ok = parseDaemonConfig('api:\n  tokens:\n    - { name: ops, scope: admin, token: "${env:OPS}" }\n    - { name: ro, scope: read, token: "${env:RO}" }\n', { OPS: 'ops-token-0123456789', RO: 'read-token-0123456789' });
  assert.deepEqual(ok.api.tokens, [
    { name: 'ops', scope: 'admin', secret: 'ops-token-0123456789' },
    { name: 'ro', scope: 'read', secret: 'read-token-0123456789' },
  ]);
  const refused: Array<[string, string, RegExp]> = [
    ['api:\n  tokens:\n    - { name: ops, scope: admin, token: "${env:OPS}" }\n', 'api.tokens[0].token', /environment variable OPS is not set/],
    ['api:\n  tokens:\n    - { name: ops, scope: admin, token: short }\n', 'api.tokens[0].token', /at least 16 characters \(the value is not shown\)/],
    ['api:\n  tokens:\n    - { name: a, scope: admin, token: same-token-0123456789 }\n    - { name: b, scope: read, token: same-token-0123456789 }\n', 'api.tokens[1].token', /same value as another/],
    ['api:\n  tokens:\n    - { name: a, scope: admin, token: a-token-0123456789ab }\n    - { name: a, scope: read, token: b-token-0123456789ab }\n', 'api.tokens[1].name', /duplicate token name "a"/],
    ['api:\n  allowedHosts: ["bad host"]\n', 'api.allowedHosts[0]', /expected a host name/],
  ];
  for (const [text, field, message] of refused) {
    assert.throws(() => parseDaemonConfig(text, {}), (e: unknown) => e instanceof ConfigFileError && e.field === field && message.test(e.message) && !e.message.includes('0123456789'), field);
  }
});

test('a token removed from its file is revoked by a reload (SIGHUP); a read token cannot write', async () => {
  const dir = tempDir('tokens');
  const tokenFile = join(dir, 'ci-token');
  writeFileSync(tokenFile, 'ci-token-0123456789abcdef\n');
  const withCi = `api:\n  tokens:\n    - { name: ro, scope: read, token: "\${env:RO_TOKEN}" }\n    - { name: ci, scope: admin, token: "\${file:${tokenFile}}" }\n`;
  const path = writeConfig(dir, withCi);
  const running = await startInProcess(path, join(dir, 'data'), { RO_TOKEN: 'read-only-token-0123456789' });
  try {
    const call = (token: string, method = 'GET', body?: unknown) =>
      fetch(`${running.api.url}/api/v1/targets`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    assert.equal((await call('ci-token-0123456789abcdef')).status, 200);
    assert.equal((await call('read-only-token-0123456789')).status, 200);
    assert.equal((await call('read-only-token-0123456789', 'POST', { name: 'x', check: { kind: 'tcp', host: '127.0.0.1', port: 9 } })).status, 403);
    assert.equal((await fetch(`${running.api.url}/api/v1/targets`)).status, 401, 'configured tokens close the loopback API');
    // An API target by reference: a missing variable is a 400 naming the field; the stored form keeps the reference.
    const missing = await call('ci-token-0123456789abcdef', 'POST', { id: 'r', name: 'r', check: { url: 'https://r.example/', headers: { 'x-key': '${env:NOPE_VAR}' } } });
    assert.equal(missing.status, 400);
    assert.deepEqual(((await missing.json()) as { error: { field: string; message: string } }).error, { code: 'invalid_field', message: 'check.headers.x-key: ${env:NOPE_VAR}: environment variable NOPE_VAR is not set', field: 'check.headers.x-key' });
    const made = await call('ci-token-0123456789abcdef', 'POST', { id: 'r', name: 'r', check: { url: 'https://r.example/', headers: { 'x-key': '${env:RO_TOKEN}' } } });
    assert.equal(made.status, 201);
    const madeText = await made.text();
    assert.doesNotMatch(madeText, /read-only-token-0123456789/, 'an innocent header name still hides a value that came from a reference');
    assert.equal((await running.daemon.store.getTarget('r'))?.input.kind === 'tcp' ? null : JSON.stringify((await running.daemon.store.getTarget('r'))?.input), JSON.stringify({ url: 'https://r.example/', headers: { 'x-key': '${env:RO_TOKEN}' }, timeoutMs: 10_000 }));
    writeConfig(dir, 'api:\n  tokens:\n    - { name: ro, scope: read, token: "${env:RO_TOKEN}" }\n');
    await running.reload();
    assert.equal((await call('ci-token-0123456789abcdef')).status, 401);
    assert.equal((await call('read-only-token-0123456789')).status, 200);
  } finally {
    await running.stop();
  }
});

test('vigil serve: --token is warned about, --token-file is read, a token in the config allows a non-loopback host', async () => {
  const dir = tempDir('serve-token');
  const tokenFile = join(dir, 'admin-token');
  writeFileSync(tokenFile, 'file-admin-token-0123456789\n');
  const config = writeConfig(dir, 'targets: []\n');
  const flagged = await startServe(['--config', config, '--port', '0', '--data-dir', join(dir, 'd1'), '--token', 'flag-admin-token-0123456789'], { VIGIL_API_TOKEN: '' });
  try {
    assert.match(flagged.output.join(''), /warn --token: the token is visible to every local user .*prefer VIGIL_API_TOKEN or --token-file/);
    assert.doesNotMatch(flagged.output.join(''), /flag-admin-token/);
  } finally {
    flagged.child.kill('SIGTERM');
    await flagged.exited;
  }
  const filed = await startServe(['--config', config, '--port', '0', '--data-dir', join(dir, 'd2'), '--token-file', tokenFile], { VIGIL_API_TOKEN: '' });
  try {
    assert.doesNotMatch(filed.output.join(''), /warn --token/);
    assert.equal((await fetch(`${filed.apiUrl}/api/v1/targets`, { headers: { authorization: 'Bearer file-admin-token-0123456789' } })).status, 200);
    assert.equal((await fetch(`${filed.apiUrl}/api/v1/targets`)).status, 401);
  } finally {
    filed.child.kill('SIGTERM');
    await filed.exited;
  }
  const open = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', config, '--host', '0.0.0.0', '--port', '0', '--data-dir', join(dir, 'd3')], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, VIGIL_API_TOKEN: '' } });
  assert.equal(open.status, 2);
  assert.match(open.stderr, /^vigil serve: --host: 0\.0\.0\.0 is beyond loopback; set VIGIL_API_TOKEN, --token-file or api\.tokens/);
  const missing = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', config, '--token-file', join(dir, 'nope'), '--data-dir', join(dir, 'd4')], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^vigil serve: --token-file: cannot read .*nope \(ENOENT\)/);
});
