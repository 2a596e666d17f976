/**
 * Keeps the bench code from rotting: one tiny bench through the real entry (bench/main.ts),
 * so a broken import or a renamed API fails `npm test`. Numbers are not asserted (a benchmark, not a timed test).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BenchReport } from '../../bench/harness/bench-types.js';

const ENTRY = new URL('../../bench/main.ts', import.meta.url).pathname;

/**
 * A bound that only catches a hung bench: `--quick --filter compare/h2c` starts five variant
 * processes and a server, which took over 30 s on a 2-core box at load 16.
 */
const BENCH_TIMEOUT_MS = 180_000;

function runBench(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], { encoding: 'utf8', timeout: BENCH_TIMEOUT_MS });
  const stderr = out.error === undefined ? out.stderr : `${out.stderr}\n(${out.error.message}: the bench did not finish within ${BENCH_TIMEOUT_MS} ms)`;
  return { status: out.status, stdout: out.stdout, stderr };
}

describe('npm run bench (smoke)', () => {
  it('runs --quick --filter micro/classify and writes its rows as JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-smoke-'));
    try {
      const jsonPath = join(dir, 'out.json');
      const run = runBench(['--quick', '--filter', 'micro/classify', '--json', jsonPath]);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`node ${process.version.replace(/\./g, '\\.')} · .+ × \\d+`));
      assert.match(run.stdout, /^date \d{4}-\d{2}-\d{2}T/m);
      assert.match(run.stdout, /^(pinned: bench processes on CPU 0, target servers on CPU \d+|not pinned \(.+\))$/m);
      const report = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchReport;
      assert.equal(report.isQuick, true);
      assert.equal(report.environment.node, process.version);
      assert.deepEqual(
        report.rows.map((r) => r.id),
        ['code-econnrefused', 'code-cert-expired', 'cause-chain', 'aggregate', 'message-fallback'].map((v) => `micro/classify/${v}/time`),
      );
      for (const row of report.rows) {
        assert.ok(row.median > 0 && row.lo <= row.median && row.median <= row.hi, JSON.stringify(row));
        assert.equal(row.unit, 'ns/iter');
      }
      assert.deepEqual(report.ratios, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs --quick --filter compare/h2c with each variant in a process of its own, and reports the goal ratio', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-smoke-'));
    try {
      const jsonPath = join(dir, 'out.json');
      const run = runBench(['--quick', '--filter', 'compare/h2c', '--json', jsonPath]);
      assert.equal(run.status, 0, run.stderr);
      const report = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchReport;
      const variants = ['ours-pooled', 'bare-node-http2', 'bare-node-http2-check-headers', 'ours-engine-only', 'ours-pool-and-engine'];
      assert.deepEqual(
        report.rows.map((r) => r.id),
        variants.flatMap((v) => [`compare/h2c/${v}/cpu`, `compare/h2c/${v}/rate`]),
      );
      for (const row of report.rows) {
        assert.equal(row.failures, 0, `${row.id}: every check of every variant came back 200`);
        assert.ok(row.median > 0, JSON.stringify(row));
        assert.match(row.note ?? '', /one process per variant/);
      }
      assert.deepEqual(
        report.ratios.map((r) => r.name),
        ['ours pooled h2c vs bare node:http2', 'ours pooled h2c vs bare node:http2 with our headers (same bytes)'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
