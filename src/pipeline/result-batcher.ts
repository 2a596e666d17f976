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
  /**
   * A batch whose last attempt failed with an error this says is an outage (the database
   * is unreachable) goes back in front of the queue instead of being dropped; flushing
   * resumes after a backoff up to maxOutageBackoffMs. While the outage lasts the queue holds
   * at most maxBuffered results, the oldest dropped (counted as buffer_full). Errors it
   * rejects (a bad row) still drop the batch as flush_failed. Default: never requeue.
   */
  isOutage?: (err: unknown) => boolean;
  /** longest wait between flushes during an outage; default 5,000 */
  maxOutageBackoffMs?: number;
  /** told about every failed attempt (for logs); must not throw */
  onFlushError?: (err: unknown, attempt: number, batchSize: number) => void;
}

const DEFAULT_BATCH_SIZE = 1000;
const DEFAULT_FLUSH_INTERVAL_MS = 500;
const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_RETRY_BASE_MS = 100;
const DEFAULT_CLOSE_DEADLINE_MS = 10_000;
const DEFAULT_MAX_OUTAGE_BACKOFF_MS = 5_000;

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
  private readonly isOutage: BatcherOptions['isOutage'];
  private readonly maxOutageBackoffMs: number;
  /** consecutive batches requeued by an outage (0 = healthy) */
  private outageRounds = 0;
  private retryTimer: NodeJS.Timeout | null = null;
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
    this.isOutage = options.isOutage;
    this.maxOutageBackoffMs = positive('maxOutageBackoffMs', options.maxOutageBackoffMs ?? DEFAULT_MAX_OUTAGE_BACKOFF_MS);
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
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
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
    if (this.isFlushing || this.queue.size === 0 || this.retryTimer !== null) return;
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
        this.outageRounds = 0;
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
          if (!this.isClosed && this.isOutage?.(err) === true) {
            this.requeue(batch);
            return;
          }
          this.drop('flush_failed', batch.length);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.retryBaseMs * 2 ** (attempt - 1)));
      }
    }
  }

  /** An outage: the batch waits in front of the queue, the next flush after a backoff. */
  private requeue(batch: StoredResult[]): void {
    this.drop('buffer_full', this.queue.unshift(batch));
    this.outageRounds += 1;
    const delayMs = Math.min(this.maxOutageBackoffMs, this.retryBaseMs * 2 ** Math.min(this.outageRounds + this.maxAttempts - 1, 20));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, delayMs);
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
