// The CLI as a real process: exit codes, one-line usage errors, JSON report, BASELINE gate,
// SIGINT. Runs src/loadtest/main.ts (the same runLoadtestCli that `vigil loadtest` calls).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseReport, type LoadTestReport } from '../../src/loadtest/report/report-schema.js';

const MAIN = fileURLToPath(new URL('../../src/loadtest/main.ts', import.meta.url));
const SMALL = { CONCURRENCY: '50', DURATION_SECS: '1', RAMP_SECS: '0.2', MOCK_PORTS: '2', REPORT_SECS: '0' };

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(env: Record<string, string>, argv: string[] = [], onStderr?: (text: string, kill: () => void) => void): Promise<Outcome> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...argv], { env: { ...process.env, NODE_TEST_CONTEXT: '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr, () => child.kill('SIGINT'));
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    }),
  );
}

test('HTTP2=yes, CONCURRENCY=0, DURATION_SECS=-1 each exit 2 with one line naming the variable, before anything starts', async () => {
  const cases = [['HTTP2', 'yes'], ['CONCURRENCY', '0'], ['DURATION_SECS', '-1']] as const;
  const outs = await Promise.all(cases.map(([name, value]) => runCli({ [name]: value })));
  cases.forEach(([name, value], i) => {
    const out = outs[i] as Outcome;
    assert.equal(out.code, 2);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, new RegExp(`^vigil loadtest: ${name}="${value}" is invalid: expected [^\\n]+\\n$`));
  });
});

test('a flag that does not parse also exits 2 naming the variable', async () => {
  const out = await runCli({}, ['--timeout-ms', 'soon']);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /^vigil loadtest: TIMEOUT_MS="soon" is invalid/);
});

test('JSON writes a report matching the schema; BASELINE exits 1 on a regression and 0 otherwise', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-loadtest-'));
  try {
    const jsonPath = join(dir, 'run.json');
    const first = await runCli({ ...SMALL, JSON: jsonPath });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^total checks +[\d,]+$/m);
    const parsed = parseReport(JSON.parse(readFileSync(jsonPath, 'utf8')));
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.problem);
    const report: LoadTestReport = parsed.report;
    assert.ok(report.totals.checks > 0);

    const muchFaster = join(dir, 'faster.json');
    writeFileSync(muchFaster, JSON.stringify({ ...report, rps: report.rps * 100 }));
    const muchSlower = join(dir, 'slower.json');
    writeFileSync(muchSlower, JSON.stringify({ ...report, rps: report.rps / 100, latencyMs: { ...report.latencyMs, p99: (report.latencyMs.p99 ?? 1) * 100 } }));
    const [regressed, fine] = await Promise.all([runCli({ ...SMALL, BASELINE: muchFaster }), runCli({ ...SMALL, BASELINE: muchSlower })]);
    assert.equal(regressed.code, 1, regressed.stderr);
    assert.match(regressed.stdout, /^verdict +REGRESSION: rps fell/m);
    assert.equal(fine.code, 0, fine.stderr);
    assert.match(fine.stdout, /^verdict +no regression$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a BASELINE that is not a report exits 2 naming BASELINE', async () => {
  const out = await runCli({ ...SMALL, BASELINE: '/nonexistent/base.json' });
  assert.equal(out.code, 2);
  assert.match(out.stderr, /^vigil loadtest: BASELINE="\/nonexistent\/base.json" is invalid/);
});

test('SIGINT stops early and still prints the summary', async () => {
  const started = performance.now();
  let sent = false;
  const out = await runCli({ ...SMALL, DURATION_SECS: '60', REPORT_SECS: '0.2' }, [], (stderr, kill) => {
    if (!sent && /\[\+ +\d/.test(stderr)) {
      sent = true;
      kill();
    }
  });
  assert.ok(sent, 'a progress line appeared');
  assert.equal(out.code, 130);
  assert.match(out.stdout, /^elapsed +[\d.]+ s \(interrupted\)$/m);
  assert.match(out.stdout, /^total checks +[\d,]+$/m);
  assert.ok(performance.now() - started < 20_000);
});
