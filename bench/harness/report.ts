import type { BenchRow, RatioRow } from './bench-types.js';
import type { Comparison } from './baseline.js';

function num(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(0);
  if (abs >= 100) return value.toFixed(1);
  return value.toFixed(2);
}

function table(header: readonly string[], lines: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

/** Every row: median, spread (p25–p75 or min–max), samples, failures. Pure. */
export function formatRows(rows: readonly BenchRow[]): string {
  return table(
    ['bench/variant/metric', 'median', 'spread', 'unit', 'n', 'failed'],
    rows.map((r) => [
      r.id,
      num(r.median),
      `${num(r.lo)}–${num(r.hi)} (${r.spreadKind === 'iqr' ? 'p25–p75' : 'min–max'})`,
      r.unit,
      String(r.samples),
      r.failures ? String(r.failures) : '',
    ]),
  );
}

export function formatRatios(ratios: readonly RatioRow[]): string {
  if (ratios.length === 0) return '';
  return table(
    ['goal ratio (CPU per check)', 'ratio', 'range', 'how', 'goal', 'met?'],
    ratios.map((r) => [
      r.name,
      `${r.ratio.toFixed(2)}×`,
      `${r.lo.toFixed(2)}–${r.hi.toFixed(2)}`,
      r.method === 'paired' ? 'median of per-round ratios' : 'ratio of medians',
      `≤ ${r.goal}×`,
      r.isMet ? 'met' : 'NOT met',
    ]),
  );
}

export function formatComparisons(comparisons: readonly Comparison[]): string {
  return table(
    ['bench/variant/metric', 'baseline', 'now', 'change', 'noise', 'verdict'],
    comparisons.map((c) => [
      c.id,
      c.baseline === null ? '–' : num(c.baseline),
      num(c.current),
      c.changePct === null ? '–' : `${c.changePct >= 0 ? '+' : ''}${c.changePct.toFixed(1)}%`,
      c.thresholdPct === null ? '–' : `±${c.thresholdPct.toFixed(1)}%`,
      c.verdict === 'slower' ? 'SLOWER' : c.verdict === 'faster' ? 'FASTER' : c.verdict,
    ]),
  );
}
