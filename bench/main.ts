/**
 * `npm run bench`: micro-benchmarks of the hot path (see bench/README.md). A thin shell:
 * parse flags, run the selected benches, print, write JSON, compare with a baseline.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { compareWithBaseline, isBaseline, isReport, mergeRuns } from './harness/baseline.js';
import type { BenchReport, BenchRow } from './harness/bench-types.js';
import { parseBenchArgs, USAGE, UsageError, type BenchArgs } from './harness/cli-args.js';
import { describeEnvironment, formatEnvironment } from './harness/environment.js';
import { pinBenchTopology } from './harness/pinning.js';
import { computeRatios } from './harness/ratios.js';
import { formatComparisons, formatRatios, formatRows } from './harness/report.js';
import { BENCHES, selectBenches } from './registry.js';

function readJson(flag: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${flag}: ${path} is not JSON`);
  }
}

function merge(args: BenchArgs): void {
  const reports = args.mergePaths.map((path) => {
    const value = readJson('--merge', path);
    if (!isReport(value)) throw new UsageError(`--merge: ${path} is not a bench run written by --json`);
    return value;
  });
  writeFileSync(args.jsonPath as string, `${JSON.stringify(mergeRuns(reports), null, 2)}\n`);
  console.log(`merged ${reports.length} runs into ${args.jsonPath}`);
}

async function runBenches(args: BenchArgs): Promise<void> {
  const baseline = args.baselinePath === null ? null : readJson('--baseline', args.baselinePath);
  if (baseline !== null && !isBaseline(baseline)) throw new UsageError(`--baseline: ${args.baselinePath} is not a baseline (make one with --merge)`);
  const selected = selectBenches(args.filters);
  const topology = pinBenchTopology();
  const environment = describeEnvironment();
  console.log(formatEnvironment(environment));
  console.log(topology);
  if (args.isQuick) console.log('--quick: tiny sample counts, the numbers mean nothing');
  const rows: BenchRow[] = [];
  for (const bench of selected) {
    console.log(`\n${bench.name} — ${bench.question}`);
    rows.push(...(await bench.run({ isQuick: args.isQuick, log: (line) => console.log(line) })));
  }
  const report: BenchReport = { environment, isQuick: args.isQuick, rows, ratios: computeRatios(rows) };
  console.log(`\n${formatRows(report.rows)}`);
  if (report.ratios.length > 0) console.log(`\n${formatRatios(report.ratios)}`);
  if (baseline !== null) console.log(`\nvs ${args.baselinePath}:\n${formatComparisons(compareWithBaseline(rows, baseline))}`);
  if (args.jsonPath !== null) {
    writeFileSync(args.jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwrote ${args.jsonPath}`);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parseBenchArgs(argv);
    if (args.isHelp) console.log(USAGE);
    else if (args.isList) for (const b of BENCHES) console.log(`${b.name}\n  ${b.question}`);
    else if (args.mergePaths.length > 0) merge(args);
    else await runBenches(args);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`bench: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
