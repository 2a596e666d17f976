import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lazySubcommand, runCli } from './run-cli.js';
import type { CliIo } from './cli-io.js';

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real dispatcher in-process with captured output (bad input never reaches the network). */
async function vigil(...argv: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { writeOut: (t) => void (stdout += t), writeErr: (t) => void (stderr += t), useColor: false };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** A usage error: exit 2, nothing on stdout, exactly one stderr line naming the problem. */
function assertUsage(run: Captured, ...mustMention: string[]): void {
  assert.equal(run.code, 2, `exit code (stderr: ${run.stderr})`);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr.split('\n').filter((l) => l !== '').length, 1, run.stderr);
  for (const text of mustMention) assert.ok(run.stderr.includes(text), `stderr mentions ${text}: ${run.stderr}`);
}

const URL_OK = 'http://127.0.0.1/';

test('no arguments prints usage to stderr and exits 2; help <command> shows that command', async () => {
  const none = await vigil();
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^Usage: vigil <command>/);
  const help = await vigil('help', 'check');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: vigil check <url>/);
});

test('unknown command and unknown flags name themselves', async () => {
  assertUsage(await vigil('frobnicate'), "vigil: unknown command 'frobnicate'", 'check, serve, cluster, loadtest');
  assertUsage(await vigil('check', '--frob', URL_OK), "vigil check: unknown option '--frob'", '(see `vigil check --help`)');
  assertUsage(await vigil('check', '--timout-ms', '5', URL_OK), "'--timout-ms'", 'Did you mean --timeout-ms?');
  assertUsage(await vigil('check', URL_OK, 'extra'), 'too many arguments');
});

test('every number flag is an integer in range, named with its accepted form', async () => {
  const cases: Array<[string, string, string]> = [
    ['--timeout-ms', '1e3', 'an integer from 1 to 3600000 (milliseconds)'],
    ['--timeout-ms', '3600001', 'an integer from 1 to 3600000 (milliseconds)'],
    ['--connect-timeout-ms', '-1', 'an integer from 1 to 3600000 (milliseconds)'],
    ['--connect-timeout-ms', '0', 'an integer from 1 to 3600000 (milliseconds)'],
    ['--degraded-after-ms', '2.5', 'an integer from 1 to 3600000 (milliseconds)'],
  ];
  for (const [flag, value, form] of cases) {
    assertUsage(await vigil('check', flag, value, URL_OK), `vigil check: ${flag}: expected ${form}, got ${JSON.stringify(value)}`);
  }
  assertUsage(await vigil('check', '--follow-redirects', '--max-redirects', '11', URL_OK), '--max-redirects: expected an integer from 0 to 10');
  assertUsage(await vigil('check', '--tcp', '127.0.0.1:80', '--timeout-ms', 'x'), '--timeout-ms: expected');
});

test('domain SpecErrors are reported against the flag the user typed', async () => {
  assertUsage(await vigil('check', 'mailto:a@b'), 'vigil check: <url>: expected an absolute http:// or https:// URL');
  assertUsage(await vigil('check', '--expect-status', '200-100', URL_OK), 'vigil check: --expect-status: expected a status code');
  assertUsage(await vigil('check', '--method', 'G(T', URL_OK), 'vigil check: --method: expected an HTTP method token');
  assertUsage(await vigil('check', '--keyword', '', URL_OK), 'vigil check: --keyword: expected a non-empty string');
  assertUsage(await vigil('check', '--body-regex', '[', URL_OK), 'vigil check: --body-regex: expected an RE2 regular expression (linear-time; no backreferences or lookaround)');
  assertUsage(await vigil('check', '--user-agent', '', URL_OK), 'vigil check: --user-agent: expected a non-empty value');
});

test('--tcp refuses every HTTP-only flag instead of ignoring it', async () => {
  const httpOnly: string[][] = [['--method', 'GET'], ['--header', 'a: b'], ['--body', 'x'], ['--expect-status', '200'],
    ['--keyword', 'k'], ['--body-regex', 'k'], ['--follow-redirects'], ['--insecure'], ['--ca', 'x.pem'], ['--h2c'],
    ['--user-agent', 'u'], ['--basic-auth', 'a:b'], ['--bearer', 't']];
  for (const flag of httpOnly) {
    assertUsage(await vigil('check', '--tcp', '127.0.0.1:80', ...flag), `vigil check: ${flag[0]}: expected only with an HTTP check`);
  }
});

test('a lazily loaded subcommand whose module is missing fails alone, with one clear line and exit 1', async () => {
  let stderr = '';
  const io: CliIo = { writeOut: () => {}, writeErr: (t) => void (stderr += t), useColor: false };
  const specifier: string = '../no-such-dir/cli.js';
  const ghost = lazySubcommand('ghost', async () => ((await import(specifier)) as { runGhostCli: (a: string[]) => Promise<number> }).runGhostCli);
  assert.equal(await ghost([], io), 1);
  assert.match(stderr, /^vigil ghost: not available in this build \(Cannot find module .*no-such-dir\/cli\.js.*\)\n$/);
  const check = await vigil('check', '--help');
  assert.equal(check.code, 0);
});
