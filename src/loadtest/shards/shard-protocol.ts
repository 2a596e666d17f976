import type { LoadTestOptions } from '../options/load-test-options.js';
import type { ShardSummary } from '../stats/shard-stats.js';
import type { ShardProgress, ShardSlice } from '../workers/shard-runner.js';

/** Messages over the IPC channel between the coordinator and a shard child process. */
export type ToShard =
  | { readonly type: 'init'; readonly options: LoadTestOptions; readonly slice: ShardSlice }
  /** epoch ms at which worker 0 is due; each process maps it onto its own monotonic clock */
  | { readonly type: 'start'; readonly startEpochMs: number }
  | { readonly type: 'stop' };

export type FromShard =
  | { readonly type: 'ready' }
  | ({ readonly type: 'progress' } & ShardProgress)
  | { readonly type: 'done'; readonly summary: ShardSummary }
  | { readonly type: 'failed'; readonly message: string };

/** How often a shard reports its counters to the coordinator. */
export const SHARD_PROGRESS_MS = 250;

/**
 * The child entry is resolved next to this module: `shard-child.js` under dist/,
 * `shard-child.ts` under tsx (spawned with the parent's execArgv, which carries `--import tsx`).
 */
export function shardChildEntry(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./shard-child${ext}`, import.meta.url);
}
