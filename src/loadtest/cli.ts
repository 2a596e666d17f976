import { readFileSync, writeFileSync } from 'node:fs';
import { RunPlanError, runLoadTest } from './index.js';
import { startMocksFor } from './workers/shard-runner.js';
import { KnobError } from './options/knob-parsers.js';
import { helpText, parseInvocation, type LoadTestOptions } from './options/load-test-options.js';
import { compareWithBaseline, formatComparison } from './report/baseline.js';
import { formatProgress, formatSummary } from './report/format-summary.js';
import { parseBaseline, type BaselineReport } from './report/report-schema.js';

const EXIT_OK = 0;
const EXIT_REGRESSION = 1;
const EXIT_USAGE = 2;
/** the run itself failed (a shard died, mocks could not listen): no summary to trust */
const EXIT_RUN_FAILED = 3;
const EXIT_INTERRUPTED = 130;

/** A user mistake found before anything starts: one line on stderr, exit 2. */
class UsageProblem extends Error {}

/**
 * `vigil loadtest`: knobs from the environment, overridden by flags; progress on stderr,
 * the summary on stdout; exit 0 completed, 1 BASELINE regression, 2 usage, 3 run failed,
 * 130 interrupted.
 */
export async function runLoadtestCli(argv: string[]): Promise<number> {
  try {
    const invocation = parseInvocation(argv, process.env);
    if (invocation.help) {
      process.stdout.write(helpText());
      return EXIT_OK;
    }
    if (invocation.mocksOnly) return await serveMocksOnly(invocation.options);
    const baseline = invocation.options.baselinePath === null ? null : readBaseline(invocation.options.baselinePath);
    return await runWithSummary(invocation.options, baseline);
  } catch (err) {
    if (err instanceof KnobError || err instanceof UsageProblem || err instanceof RunPlanError) {
      process.stderr.write(`vigil loadtest: ${err.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`vigil loadtest: run failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_RUN_FAILED;
  }
}

function readBaseline(path: string): BaselineReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageProblem(`BASELINE=${JSON.stringify(path)} is invalid: expected a readable JSON report written by JSON=path (${(err as Error).message})`);
  }
  const result = parseBaseline(parsed);
  if (!result.ok) throw new UsageProblem(`BASELINE=${JSON.stringify(path)} is invalid: expected a JSON report written by JSON=path (${result.problem})`);
  return result.report;
}

/** First Ctrl-C stops the run and still prints the summary; a second one leaves at once. */
function installInterrupt(): { signal: AbortSignal; remove: () => void } {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    process.stderr.write('\nvigil loadtest: interrupted, stopping (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, remove: () => process.off('SIGINT', onSigint) };
}

async function runWithSummary(options: LoadTestOptions, baseline: BaselineReport | null): Promise<number> {
  const interrupt = installInterrupt();
  try {
    const report = await runLoadTest(options, {
      stopSignal: interrupt.signal,
      onPlan: (plan) => process.stderr.write(`vigil loadtest: procs=${plan.procs}: ${plan.reason}\n`),
      onProgress: (p) => process.stderr.write(`${formatProgress(p)}\n`),
    });
    process.stdout.write(formatSummary(report));
    if (options.jsonPath !== null) {
      writeFileSync(options.jsonPath, `${JSON.stringify(report, null, 2)}\n`);
      process.stdout.write(`json          ${options.jsonPath}\n`);
    }
    let regressed = false;
    if (baseline !== null && options.baselinePath !== null) {
      const cmp = compareWithBaseline(report, baseline, options);
      process.stdout.write(formatComparison(cmp, baseline, options.baselinePath));
      regressed = cmp.regressions.length > 0;
    }
    if (report.interrupted) return EXIT_INTERRUPTED;
    return regressed ? EXIT_REGRESSION : EXIT_OK;
  } finally {
    interrupt.remove();
  }
}

/** Serves the mocks for DURATION_SECS (or until Ctrl-C) so wrk or h2load can target them. */
async function serveMocksOnly(options: LoadTestOptions): Promise<number> {
  const { mocks } = await startMocksFor(options);
  process.stdout.write(`${mocks.urls.join('\n')}\n`);
  process.stderr.write(`vigil loadtest: serving ${mocks.urls.length} mocks for ${options.durationSecs} s (Ctrl-C stops)\n`);
  const interrupt = installInterrupt();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.durationSecs * 1000);
    interrupt.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  interrupt.remove();
  await mocks.close();
  return EXIT_OK;
}
