// MOCK_URLS: the harness drives mocks that another process serves (`--mocks-only`), so the
// mocks can run on their own CPU and wrk or h2load can hit the very same listeners. The knob
// takes loopback http:// URLs only and refuses the mock knobs it would make meaningless.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runLoadTest } from '../../src/loadtest/index.js';
import { KnobError } from '../../src/loadtest/options/knob-parsers.js';
import { parseInvocation } from '../../src/loadtest/options/load-test-options.js';
import { formatSummary } from '../../src/loadtest/report/format-summary.js';
import { parseReport } from '../../src/loadtest/report/report-schema.js';

const MAIN = fileURLToPath(new URL('../../src/loadtest/main.ts', import.meta.url));

function refusal(env: Record<string, string>, argv: string[] = []): string {
  try {
    parseInvocation(argv, env);
  } catch (err) {
    assert.ok(err instanceof KnobError);
    return err.message;
  }
  return assert.fail(`expected ${JSON.stringify(env)} to be refused`);
}

test('MOCK_URLS: loopback http:// URLs with a port; everything else refused naming the knob', () => {
  const options = parseInvocation([], { MOCK_URLS: 'http://127.0.0.1:4000/, http://localhost:4001/x,http://[::1]:4002' }).options;
  assert.deepEqual(options.mockUrls, ['http://127.0.0.1:4000/', 'http://localhost:4001/x', 'http://[::1]:4002/']);
  assert.equal(options.mockPorts, 3, 'one origin per URL');
  assert.equal(parseInvocation([], {}).options.mockUrls, null, 'unset: the run starts its own mocks');
  for (const bad of ['', ' , ', 'http://example.com:80/', 'http://10.0.0.1:80/', 'https://127.0.0.1:443/', 'http://127.0.0.1/', 'ftp://127.0.0.1:21/', 'http://u:p@127.0.0.1:1/', 'not a url', 'http://127.0.0.1.evil.example:1/', 'http://128.0.0.1:1/']) {
    assert.match(refusal({ MOCK_URLS: bad }), /^MOCK_URLS=".*" is invalid: expected comma-separated http:\/\/ URLs on loopback/, bad);
  }
  const many = Array.from({ length: 1025 }, (_, i) => `http://127.0.0.1:${1000 + i}/`).join(',');
  assert.match(refusal({ MOCK_URLS: many }), /^MOCK_URLS=".*" is invalid: expected .* at most 1024/, '1,025 URLs');
  assert.equal(parseInvocation([], { MOCK_URLS: many.split(',').slice(0, 1024).join(',') }).options.mockPorts, 1024);
  for (const env of ['MOCK_PORTS', 'MOCK_DELAY_MS', 'MOCK_FAULTS', 'TLS']) {
    const value = env === 'MOCK_FAULTS' ? 'none' : '1';
    assert.match(refusal({ MOCK_URLS: 'http://127.0.0.1:4000/', [env]: value }), new RegExp(`^${env}="${value}" is invalid: expected unset with MOCK_URLS`), env);
  }
  assert.match(refusal({ MOCK_URLS: 'http://127.0.0.1:4000/' }, ['--mocks-only']), /^MOCK_URLS=.* is invalid: expected unset with --mocks-only/);
});

/** A `--mocks-only` process serving `ports` mocks; resolves with their URLs once printed. */
function serveMocks(ports: number, http2: boolean): Promise<{ urls: string[]; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--mocks-only', '--mock-ports', String(ports), '--duration-secs', '60', ...(http2 ? ['--http2'] : [])], {
    env: { ...process.env, NODE_TEST_CONTEXT: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  void exited.then(() => clearTimeout(guard));
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const urls = out.split('\n').filter((l) => l.startsWith('http'));
      if (urls.length === ports) resolve({ urls, stop: () => (child.kill('SIGINT'), exited) });
    });
    void exited.then((code) => reject(new Error(`--mocks-only exited ${code} before printing its URLs: ${out}`)));
  });
}

for (const http2 of [false, true]) {
  test(`MOCK_URLS${http2 ? ' with HTTP2=1' : ''}: a run drives a --mocks-only process's listeners and says so in its report`, async () => {
    const served = await serveMocks(2, http2);
    try {
      const options = parseInvocation([], { MOCK_URLS: served.urls.join(','), CONCURRENCY: '8', DURATION_SECS: '1', RAMP_SECS: '0', REPORT_SECS: '0', PROCS: '1', HTTP2: http2 ? '1' : '0' }).options;
      const report = await runLoadTest(options);
      assert.ok(parseReport(JSON.parse(JSON.stringify(report))).ok, 'the report matches its schema');
      assert.deepEqual(report.config.mockUrls, served.urls);
      assert.equal(report.config.mockPorts, 2);
      assert.ok(report.totals.checks > 0);
      assert.equal(report.totals.success, report.totals.checks, JSON.stringify(report.errorsByKind));
      assert.match(formatSummary(report), new RegExp(`MOCK_URLS=${served.urls.join(',').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(mocks served by another process\\)`));
    } finally {
      assert.equal(await served.stop(), 0, '--mocks-only exits 0 on SIGINT');
    }
  });
}

test('MOCK_URLS naming a closed port: every check is connection_refused (the run starts no mocks of its own)', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const options = parseInvocation([], { MOCK_URLS: `http://127.0.0.1:${port}/`, CONCURRENCY: '2', DURATION_SECS: '0.5', RAMP_SECS: '0', REPORT_SECS: '0', PROCS: '1' }).options;
  const report = await runLoadTest(options);
  assert.ok(report.totals.checks > 0);
  assert.equal(report.totals.success, 0);
  assert.deepEqual(Object.keys(report.errorsByKind), ['connection_refused']);
});
