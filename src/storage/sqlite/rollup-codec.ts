import { emptyAggregate } from '../latency-histogram.js';
import type { Phase, PhaseAggregate } from '../store.js';
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
