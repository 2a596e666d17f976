import type { StoredResult } from '../storage/store.js';

export type DropReason = 'buffer_full' | 'flush_failed' | 'closed';

/** A snapshot for metrics; every number only grows except `queued` and `lastFlushMs`. */
export interface PipelineCounters {
  /** results waiting in memory (buffered + in the batch being flushed) */
  queued: number;
  /** results accepted by write() */
  accepted: number;
  /** results committed by the sink */
  written: number;
  dropped: Record<DropReason, number>;
  /** failed flush attempts (each retry counts) */
  flushFailures: number;
  /** batches committed */
  flushes: number;
  /** duration of the last successful flush, ms (null before the first) */
  lastFlushMs: number | null;
}

/**
 * The check path's side of storage. `write` never blocks and never throws: a full buffer
 * drops the oldest result and counts it. Invariant: accepted = written + queued + Σ dropped.
 */
export interface ResultPipeline {
  write(result: StoredResult): void;
  /** resolves when everything accepted so far was written or dropped */
  flush(): Promise<void>;
  /** stops accepting, drains within deadlineMs, drops (counted as `closed`) what is left */
  close(deadlineMs?: number): Promise<PipelineCounters>;
  counters(): PipelineCounters;
}
