import type { ResultSink, StoredResult } from '../storage/store.js';
import type { DropReason, PipelineCounters, ResultPipeline } from './pipeline-types.js';
import { ResultQueue } from './result-queue.js';

export interface BatcherOptions {
  sink: ResultSink;
  /** flush when this many results wait; default 1000 */
  batchSize?: number;
  /** flush what waits at most this long after it arrived; default 500 */
  flushIntervalMs?: number;
  /** buffered results beyond this drop the oldest; default 8 × batchSize */
  maxBuffered?: number;
  /** attempts per batch before it is dropped; default 3 */
  maxAttempts?: number;
  /** backoff before retry n is retryBaseMs × 2^(n−1); default 100 */
  retryBaseMs?: number;
  /** told about every failed attempt (for logs); must not throw */
  onFlushError?: (err: unknown, attempt: number, batchSize: number) => void;
}

const DEFAULT_BATCH_SIZE = 1000;
const DEFAULT_FLUSH_INTERVAL_MS = 500;
const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_RETRY_BASE_MS = 100;
const DEFAULT_CLOSE_DEADLINE_MS = 10_000;

type Waiter = { target: number; resolve: () => void };

/**
 * The bounded result queue between the check path and the store. `write` only appends to
 * memory; one flush at a time runs in the background. Nothing is lost silently: every
 * result ends up written, still queued, or dropped under one counted reason.
 */
export class ResultBatcher implements ResultPipeline {
  private readonly sink: ResultSink;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly onFlushError: BatcherOptions['onFlushError'];
  private readonly queue: ResultQueue<StoredResult>;
  private readonly stats: PipelineCounters;
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private isTimerDue = false;
  private isFlushing = false;
  private isClosed = false;
  private inFlight = 0;

  constructor(options: BatcherOptions) {
    this.sink = options.sink;
    this.batchSize = positive('batchSize', options.batchSize ?? DEFAULT_BATCH_SIZE);
    this.flushIntervalMs = positive('flushIntervalMs', options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
    this.maxAttempts = positive('maxAttempts', options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.retryBaseMs = positive('retryBaseMs', options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS);
    this.onFlushError = options.onFlushError;
    this.queue = new ResultQueue(positive('maxBuffered', options.maxBuffered ?? 8 * this.batchSize));
    this.stats = {
      queued: 0, accepted: 0, written: 0, dropped: { buffer_full: 0, flush_failed: 0, closed: 0 },
      flushFailures: 0, flushes: 0, lastFlushMs: null,
    };
  }

  write(result: StoredResult): void {
    this.stats.accepted += 1;
    if (this.isClosed) {
      this.drop('closed', 1);
      return;
    }
    this.drop('buffer_full', this.queue.push(result));
    this.pump();
  }

  flush(): Promise<void> {
    const target = this.stats.accepted;
    if (this.done() >= target) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ target, resolve });
      this.pump();
    });
  }

  async close(deadlineMs = DEFAULT_CLOSE_DEADLINE_MS): Promise<PipelineCounters> {
    this.isClosed = true;
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise<void>((resolve) => (deadline = setTimeout(resolve, deadlineMs)))]);
    clearTimeout(deadline);
    this.clearTimer();
    // what is still buffered will not be written; a batch in flight stays counted as
    // queued until its attempt settles (it may still commit)
    this.drop('closed', this.queue.drain().length);
    return this.counters();
  }

  counters(): PipelineCounters {
    return { ...this.stats, queued: this.queue.size + this.inFlight, dropped: { ...this.stats.dropped } };
  }

  private done(): number {
    const d = this.stats.dropped;
    return this.stats.written + d.buffer_full + d.flush_failed + d.closed;
  }

  private drop(reason: DropReason, n: number): void {
    if (n === 0) return;
    this.stats.dropped[reason] += n;
    this.settleWaiters();
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    const done = this.done();
    const ready = this.waiters.filter((w) => w.target <= done);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.target > done);
    for (const w of ready) w.resolve();
  }

  /** Starts a flush when one is due, else arms the interval timer. One flush at a time. */
  private pump(): void {
    if (this.isFlushing || this.queue.size === 0) return;
    const isDue = this.queue.size >= this.batchSize || this.isTimerDue || this.waiters.length > 0 || this.isClosed;
    if (!isDue) {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.isTimerDue = true;
        this.pump();
      }, this.flushIntervalMs);
      return;
    }
    this.clearTimer();
    this.isTimerDue = false;
    this.isFlushing = true;
    const batch = this.queue.take(this.batchSize);
    this.inFlight = batch.length;
    void this.flushBatch(batch).finally(() => {
      this.inFlight = 0;
      this.isFlushing = false;
      this.settleWaiters();
      this.pump();
    });
  }

  /** Never rejects: a batch is written, or dropped after maxAttempts (counted). */
  private async flushBatch(batch: StoredResult[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const startedMs = performance.now();
      try {
        await this.sink.insertResults(batch);
        this.stats.lastFlushMs = performance.now() - startedMs;
        this.stats.flushes += 1;
        this.stats.written += batch.length;
        return;
      } catch (err) {
        this.stats.flushFailures += 1;
        try {
          this.onFlushError?.(err, attempt, batch.length);
        } catch {
          // a logging hook must not break the pipeline
        }
        if (attempt >= this.maxAttempts) {
          this.inFlight = 0;
          this.drop('flush_failed', batch.length);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.retryBaseMs * 2 ** (attempt - 1)));
      }
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

function positive(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${field}: expected a positive integer, got ${value}`);
  return value;
}
