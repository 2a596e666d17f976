import type { BaselineReport, LoadTestReport } from './report-schema.js';

export interface BaselineThresholds {
  readonly maxRpsDropPct: number;
  readonly maxP99RisePct: number;
}

export interface BaselineComparison {
  /** % change of rps (negative = slower) */
  readonly rpsChangePct: number | null;
  /** change of success %, in percentage points */
  readonly successChangePts: number | null;
  readonly p50ChangePct: number | null;
  readonly p99ChangePct: number | null;
  readonly regressions: readonly string[];
}

function pctChange(now: number | null, before: number | null): number | null {
  if (now === null || before === null || before === 0) return null;
  return ((now - before) / before) * 100;
}

/**
 * Compares a run with an earlier report: a regression is rps down by more than
 * MAX_RPS_DROP_PCT or p99 up by more than MAX_P99_RISE_PCT. Pure.
 */
export function compareWithBaseline(current: LoadTestReport, baseline: BaselineReport, thresholds: BaselineThresholds): BaselineComparison {
  const rpsChangePct = pctChange(current.rps, baseline.rps);
  const p99ChangePct = pctChange(current.latencyMs.p99, baseline.latencyMs.p99);
  const regressions: string[] = [];
  if (rpsChangePct !== null && -rpsChangePct > thresholds.maxRpsDropPct) {
    regressions.push(`rps fell ${(-rpsChangePct).toFixed(1)}% (limit MAX_RPS_DROP_PCT=${thresholds.maxRpsDropPct})`);
  }
  if (baseline.rps > 0 && current.rps === 0) regressions.push('no checks completed (baseline had some)');
  if (p99ChangePct !== null && p99ChangePct > thresholds.maxP99RisePct) {
    regressions.push(`p99 rose ${p99ChangePct.toFixed(1)}% (limit MAX_P99_RISE_PCT=${thresholds.maxP99RisePct})`);
  }
  const a = current.totals.successPct;
  const b = baseline.totals.successPct;
  return {
    rpsChangePct,
    successChangePts: a === null || b === null ? null : a - b,
    p50ChangePct: pctChange(current.latencyMs.p50, baseline.latencyMs.p50),
    p99ChangePct,
    regressions,
  };
}

function signed(value: number | null, unit: string): string {
  if (value === null) return 'n/a';
  return `${value >= 0 ? '+' : ''}${value.toFixed(1)}${unit}`;
}

export function formatComparison(cmp: BaselineComparison, baseline: BaselineReport, baselinePath: string): string {
  const lines = [
    `--- baseline ${baselinePath} (${baseline.startedAt}, report version ${baseline.version}) ---`,
    `rps           ${signed(cmp.rpsChangePct, '%')} (was ${Math.round(baseline.rps)})`,
    `success       ${signed(cmp.successChangePts, ' pts')} (was ${baseline.totals.successPct === null ? 'n/a' : `${baseline.totals.successPct.toFixed(2)}%`})`,
    `p50           ${signed(cmp.p50ChangePct, '%')} (was ${baseline.latencyMs.p50 ?? 'n/a'} ms)`,
    `p99           ${signed(cmp.p99ChangePct, '%')} (was ${baseline.latencyMs.p99 ?? 'n/a'} ms)`,
    cmp.regressions.length === 0 ? 'verdict       no regression' : `verdict       REGRESSION: ${cmp.regressions.join('; ')}`,
  ];
  return `${lines.join('\n')}\n`;
}
