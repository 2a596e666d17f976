import { parseArgs } from 'node:util';

export interface BenchArgs {
  readonly jsonPath: string | null;
  readonly baselinePath: string | null;
  /** substrings of bench names; empty = every bench */
  readonly filters: readonly string[];
  readonly isQuick: boolean;
  readonly isList: boolean;
  readonly isHelp: boolean;
  /** run files to merge into a baseline (written to jsonPath) instead of running benches */
  readonly mergePaths: readonly string[];
}

/** A user mistake on the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: npm run bench -- [options]
  --filter <name[,name]>   run benches whose name contains one of these (see --list)
  --quick                  tiny sample counts (smoke test; numbers are not meaningful)
  --json <file>            write the results as JSON
  --baseline <file>        compare with a baseline and mark changes beyond the measured noise
  --merge <a.json,b.json>  merge repeated runs into a baseline written to --json (runs nothing)
  --list                   list the benches and the question each answers
  --help`;

function nonEmpty(flag: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  if (value.trim() === '') throw new UsageError(`${flag}: expected a file name or value, got an empty string`);
  return value;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        json: { type: 'string' },
        baseline: { type: 'string' },
        filter: { type: 'string', multiple: true },
        merge: { type: 'string' },
        quick: { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see --help)`);
  }
  const v = parsed.values;
  const filters = (v.filter ?? []).flatMap((f) => f.split(',')).map((f) => f.trim());
  if (filters.some((f) => f === '')) throw new UsageError('--filter: expected bench names separated by commas (see --list)');
  const mergePaths = (nonEmpty('--merge', v.merge) ?? '').split(',').filter((p) => p !== '');
  const jsonPath = nonEmpty('--json', v.json);
  if (mergePaths.length === 1) throw new UsageError('--merge: expected at least two run files separated by commas');
  if (mergePaths.length > 0 && jsonPath === null) throw new UsageError('--merge: also give --json <file> for the merged baseline');
  return {
    jsonPath,
    baselinePath: nonEmpty('--baseline', v.baseline),
    filters,
    isQuick: v.quick === true,
    isList: v.list === true,
    isHelp: v.help === true,
    mergePaths,
  };
}
