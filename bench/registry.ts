import { SINGLE_CALL_BENCHES } from './executor/single-call.bench.js';
import { SIDE_BY_SIDE_BENCHES } from './executor/side-by-side.bench.js';
import { THROUGHPUT_BENCH } from './executor/throughput.bench.js';
import type { BenchDefinition } from './harness/bench-types.js';
import { UsageError } from './harness/cli-args.js';
import { HPACK_BENCHES } from './micro/hpack.bench.js';
import { MICRO_BENCHES } from './micro/micro.bench.js';

/** Every bench `npm run bench` knows, cheapest first. */
export const BENCHES: readonly BenchDefinition[] = [...MICRO_BENCHES, ...HPACK_BENCHES, ...SINGLE_CALL_BENCHES, ...SIDE_BY_SIDE_BENCHES, THROUGHPUT_BENCH];

export function selectBenches(filters: readonly string[]): BenchDefinition[] {
  if (filters.length === 0) return [...BENCHES];
  const selected = BENCHES.filter((b) => filters.some((f) => b.name.includes(f)));
  if (selected.length === 0) throw new UsageError(`--filter: no bench name contains ${filters.join(' or ')} (see --list)`);
  return selected;
}
