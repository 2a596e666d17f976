import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runVigil, type VigilRun } from './run-vigil.js';

/** A usage error: exit 2, nothing on stdout, exactly one stderr line, no stack frames. */
function assertUsageError(run: VigilRun, ...mustMention: string[]): void {
  assert.equal(run.code, 2, `exit code (stderr: ${run.stderr})`);
  assert.equal(run.stdout, '');
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one stderr line, got:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
  for (const text of mustMention) assert.ok(run.stderr.includes(text), `stderr mentions ${text}: ${run.stderr}`);
}

test('vigil --help lists the subcommands; --version prints the package version', async () => {
  const help = await runVigil(['--help']);
  assert.equal(help.code, 0);
  for (const name of ['check', 'serve', 'loadtest']) assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'));
  const version = await runVigil(['--version']);
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.deepEqual([version.code, version.stdout], [0, `${pkg.version}\n`]);
});

test('an unknown subcommand or top-level flag exits 2 naming it', async () => {
  assertUsageError(await runVigil(['frobnicate']), "unknown command 'frobnicate'", 'vigil --help');
  assertUsageError(await runVigil(['--frob']), "unknown option '--frob'");
});

test('a bad check invocation exits 2 with one stderr line naming the problem, no stack trace', async () => {
  assertUsageError(await runVigil(['check', '--frob', 'http://127.0.0.1/']), "unknown option '--frob'", 'vigil check --help');
  assertUsageError(await runVigil(['check', 'ftp://example.test/']), '<url>: expected an absolute http:// or https:// URL', 'ftp://');
  assertUsageError(await runVigil(['check', '--timeout-ms', 'abc', 'http://127.0.0.1/']), '--timeout-ms: expected an integer from 1 to 3600000', '"abc"');
  assertUsageError(await runVigil(['check', '--timeout-ms', '0', 'http://127.0.0.1/']), '--timeout-ms: expected an integer from 1 to 3600000', '"0"');
  assertUsageError(await runVigil(['check', '--ca', '/nonexistent/ca.pem', 'https://127.0.0.1/']), '--ca:', 'ENOENT');
  assertUsageError(await runVigil(['check', '--tcp', '127.0.0.1']), '--tcp: expected host:port');
});

test('a refused credential is never echoed', async () => {
  const basic = await runVigil(['check', '--basic-auth', 'hunter2', 'http://127.0.0.1/']);
  assertUsageError(basic, '--basic-auth: expected user:password');
  assert.ok(!basic.stderr.includes('hunter2'));
  const urlCreds = await runVigil(['check', 'http://ann:hunter2@127.0.0.1:99999/']);
  assertUsageError(urlCreds, '<url>: expected');
  assert.ok(!urlCreds.stderr.includes('hunter2'));
});
