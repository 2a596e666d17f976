import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseServeFlags, ServeUsageError } from '../../src/daemon/cli.js';
import { tempDir, writeConfig } from './helpers.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

test('flags: defaults, forms, and refusals naming the flag', () => {
  assert.deepEqual(parseServeFlags([], {}), { configPath: null, host: '127.0.0.1', port: 8080, dataDir: './data', token: null, tokenSource: null, allowedHosts: [], storeUrl: null, region: null });
  assert.deepEqual(parseServeFlags(['--port=0', '--config', 'x.yaml', '--data-dir', '/tmp/d'], {}), { configPath: 'x.yaml', host: '127.0.0.1', port: 0, dataDir: '/tmp/d', token: null, tokenSource: null, allowedHosts: [], storeUrl: null, region: null });
  assert.equal((parseServeFlags(['--host', '0.0.0.0'], { VIGIL_API_TOKEN: 'a-token-of-16-chars' }) as { token: string }).token, 'a-token-of-16-chars');
  const refused: Array<[string[], RegExp]> = [
    [['--port', '70000'], /^--port: expected an integer from 0 to 65535/],
    [['--port', '8o'], /^--port:/],
    [['--bogus'], /^--bogus: unknown option/],
    [['--config'], /^--config: expected a value/],
    [['--token', 'short'], /^--token: expected at least 16 characters \(the value is not shown\)/],
    [['--port', '1', '--port', '2'], /^--port: given more than once/],
    [['--region=-eu'], /^--region: expected 1-64 letters, digits, "\.", "_" or "-", starting with a letter or digit, got "-eu"$/],
    [['--region', 'eu west'], /^--region: expected 1-64 letters/],
    [['--region', 'x'.repeat(65)], /^--region: expected 1-64 letters/],
    [['--region', 'x'.repeat(10_000)], /^--region: expected .*, got "x{80}"$/],
    [['--region', 'a', '--region', 'b'], /^--region: given more than once/],
  ];
  assert.equal((parseServeFlags(['--region', 'eu-west.1'], {}) as { region: string }).region, 'eu-west.1');
  assert.equal((parseServeFlags([], { VIGIL_REGION: 'us' }) as { region: string }).region, 'us');
  assert.equal((parseServeFlags(['--region', 'eu'], { VIGIL_REGION: 'us' }) as { region: string }).region, 'eu');
  assert.throws(() => parseServeFlags([], { VIGIL_REGION: 'ü' }), /^ServeUsageError: VIGIL_REGION: expected 1-64 letters/);
  for (const [argv, message] of refused) assert.throws(() => parseServeFlags(argv, {}), (e: unknown) => e instanceof ServeUsageError && message.test(e.message), argv.join(' '));
  assert.equal(parseServeFlags(['--host', '::1'], {}) !== 'help', true);
});

test('a real `vigil serve` exits 2 with one line for bad flags and a bad config file, and starts nothing', () => {
  const dir = tempDir('cli');
  const bad = writeConfig(dir, 'probe:\n  maxInFlight: -1\n');
  // billion laughs: 9^5 = 59,049 strings from a few hundred bytes (the parser stops at 1,000 alias expansions)
  const laughs = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e']] as const) laughs.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
  const bomb = writeConfig(dir, `${laughs.join('\n')}\ntargets: *f\n`, 'bomb.yaml');
  const cases: Array<[string[], RegExp]> = [
    [['--config', bomb, '--port', '0', '--data-dir', `${dir}/data`], /^vigil serve: config: YAML aliases expand too far \(.*\); write the values out or use fewer aliases$/],
    [['--host', '0.0.0.0', '--data-dir', dir], /^vigil serve: --host: 0\.0\.0\.0 is beyond loopback/],
    [['--config', bad, '--port', '0', '--data-dir', `${dir}/data`], /^vigil serve: probe\.maxInFlight: /],
    [['--config', `${dir}/missing.yaml`, '--data-dir', dir], /^vigil serve: --config: cannot read .*missing\.yaml \(ENOENT\)$/],
    [['--region', 'eu', '--port', '0', '--data-dir', `${dir}/data-region`], /^vigil serve: --region: regions need a shared Postgres store \(--store\); one node alone with SQLite is one region$/],
  ];
  for (const [argv, message] of cases) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'serve', ...argv], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, VIGIL_API_TOKEN: '' } });
    assert.equal(run.status, 2, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, message);
    assert.ok(!run.stderr.includes('    at '), 'no stack trace');
  }
  assert.equal(existsSync(`${dir}/data`), false, 'a refused config touches nothing on disk');
});
