/**
 * One measured number of one bench. `lo`/`hi` bound the spread the harness measured:
 * the p25–p75 of mitata's samples (`spreadKind: 'iqr'`), or the min–max over repeated,
 * interleaved batches (`spreadKind: 'range'`).
 */
export interface BenchRow {
  /** stable id, the key for baseline comparison: "<bench>/<variant>/<metric>" */
  readonly id: string;
  readonly bench: string;
  readonly variant: string;
  readonly metric: string;
  readonly unit: string;
  readonly median: number;
  readonly lo: number;
  readonly hi: number;
  readonly spreadKind: 'iqr' | 'range';
  readonly samples: number;
  /**
   * range rows: the value of every round, in run order. Rounds of one interleaved bench run
   * side by side (same minute, same server), so the goal ratios pair them round by round.
   */
  readonly rounds?: readonly number[];
  /** true for rates (checks/s): a higher number is better */
  readonly isHigherBetter: boolean;
  /** failed checks seen while measuring (they make the row suspect) */
  readonly failures?: number;
  readonly note?: string;
}

/** A goal ratio, e.g. our fresh HTTP/1.1 CPU per check over the raw-socket floor. */
export interface RatioRow {
  readonly name: string;
  readonly numeratorId: string;
  readonly denominatorId: string;
  readonly ratio: number;
  /**
   * paired: the median of the per-round ratios, lo/hi their min–max (rows measured in the
   * same interleaved rounds); medians: ratio of the rows' medians, lo/hi from their spreads
   */
  readonly method: 'paired' | 'medians';
  readonly lo: number;
  readonly hi: number;
  readonly goal: number;
  readonly isMet: boolean;
}

export interface BenchContext {
  /** tiny sample counts: for the smoke test, not for numbers */
  readonly isQuick: boolean;
  log(line: string): void;
}

export interface BenchDefinition {
  /** slash-separated name; --filter matches substrings of it */
  readonly name: string;
  /** the one question this bench answers (also listed in bench/README.md) */
  readonly question: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}

export interface Environment {
  readonly node: string;
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly platform: string;
  readonly date: string;
  readonly loadAverage: readonly number[];
}

export interface BenchReport {
  readonly environment: Environment;
  readonly isQuick: boolean;
  readonly rows: BenchRow[];
  readonly ratios: RatioRow[];
}
