import { emptyAggregate, exactLatency, LatencyHistogram } from '../latency-histogram.js';
import type { Phase, PhaseAggregate, PhaseLatency } from '../store.js';
import { PHASES } from '../store.js';

/**
 * Compact JSON for a rollup's phases: `{"ttfb":[count,sumMs,minMs,maxMs,i,c,i,c,…]}`, a
 * phase that never happened is left out. Times are rounded to the microsecond.
 */
export function encodePhases(phases: Record<Phase, PhaseAggregate>): string {
  const out: Record<string, number[]> = {};
  for (const phase of PHASES) {
    const a = phases[phase];
    if (a.count === 0) continue;
    out[phase] = [a.count, round3(a.sumMs), round3(a.minMs ?? 0), round3(a.maxMs ?? 0), ...a.buckets.flat()];
  }
  return JSON.stringify(out);
}

export function decodePhases(json: string): Record<Phase, PhaseAggregate> {
  const parsed = JSON.parse(json) as Partial<Record<Phase, number[]>>;
  const result = {} as Record<Phase, PhaseAggregate>;
  for (const phase of PHASES) {
    const v = parsed[phase];
    if (v === undefined) {
      result[phase] = emptyAggregate();
      continue;
    }
    const buckets: Array<[number, number]> = [];
    for (let i = 4; i + 1 < v.length; i += 2) buckets.push([v[i] as number, v[i + 1] as number]);
    result[phase] = { count: v[0] as number, sumMs: v[1] as number, minMs: v[2] as number, maxMs: v[3] as number, buckets };
  }
  return result;
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Latency per phase from raw values (ms, one array per PHASES entry) and the rollups of the
 * hours whose raw results are gone: exact nearest-rank when there are no rollups, otherwise
 * from one histogram of both (then `approximate`). Both stores answer `latency` with this.
 */
export function latencyOfPhases(values: readonly number[][], rollups: readonly string[]): { phases: Record<Phase, PhaseLatency>; approximate: boolean } {
  const approximate = rollups.length > 0;
  const decoded = rollups.map(decodePhases);
  const phases = {} as Record<Phase, PhaseLatency>;
  PHASES.forEach((phase, i) => {
    const raw = values[i] as number[];
    if (!approximate) {
      phases[phase] = exactLatency(raw);
      return;
    }
    const histogram = new LatencyHistogram();
    for (const v of raw) histogram.record(v);
    for (const aggregate of decoded) histogram.merge(aggregate[phase]);
    phases[phase] = histogram.summarize();
  });
  return { phases, approximate };
}
