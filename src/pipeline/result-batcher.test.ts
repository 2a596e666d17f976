import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResultSink, StoredResult } from '../storage/store.js';
import { httpResult } from '../../test/storage/store.fixtures.js';
import type { PipelineCounters } from './pipeline-types.js';
import { ResultBatcher } from './result-batcher.js';

/** A sink that records batches and can be stalled or made to fail on demand. */
class ControlledSink implements ResultSink {
  readonly batches: StoredResult[][] = [];
  failuresLeft = 0;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  stall(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
  }

  async insertResults(batch: readonly StoredResult[]): Promise<void> {
    if (this.gate !== null) await this.gate;
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new Error('SQLITE_BUSY: database is locked');
    }
    this.batches.push([...batch]);
  }
}

const at = (i: number): StoredResult => httpResult(1_000_000 + i);

function assertBalanced(c: PipelineCounters): void {
  const dropped = c.dropped.buffer_full + c.dropped.flush_failed + c.dropped.closed;
  assert.equal(c.accepted, c.written + c.queued + dropped, JSON.stringify(c));
}

describe('ResultBatcher', () => {
  it('flushes a full batch at once and the rest on flush()', async () => {
    const sink = new ControlledSink();
    const batcher = new ResultBatcher({ sink, batchSize: 1000, flushIntervalMs: 60_000 });
    for (let i = 0; i < 2500; i += 1) batcher.write(at(i));
    await batcher.flush();
    assert.deepEqual(sink.batches.map((b) => b.length), [1000, 1000, 500]);
    assert.deepEqual(sink.batches.flat().map((r) => r.result.startedAt), [...Array(2500).keys()].map((i) => 1_000_000 + i));
    const c = batcher.counters();
    assert.deepEqual([c.written, c.queued, c.flushes], [2500, 0, 3]);
    assert.ok(c.lastFlushMs !== null && c.lastFlushMs >= 0);
    await batcher.close();
  });

  it('flushes a partial batch after flushIntervalMs without being asked', async () => {
    const sink = new ControlledSink();
    const batcher = new ResultBatcher({ sink, flushIntervalMs: 30 });
    const t0 = performance.now();
    for (let i = 0; i < 3; i += 1) batcher.write(at(i));
    assert.equal(sink.batches.length, 0);
    while (sink.batches.length === 0 && performance.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 5));
    assert.ok(performance.now() - t0 >= 25, 'not before the interval');
    assert.deepEqual(sink.batches.map((b) => b.length), [3]);
    await batcher.close();
  });

  it('retries a failed flush with backoff and writes it when the sink recovers', async () => {
    const sink = new ControlledSink();
    const errors: number[] = [];
    const batcher = new ResultBatcher({ sink, batchSize: 10, retryBaseMs: 5, onFlushError: (_e, attempt) => errors.push(attempt) });
    sink.failuresLeft = 2;
    for (let i = 0; i < 10; i += 1) batcher.write(at(i));
    await batcher.flush();
    const c = batcher.counters();
    assert.deepEqual([c.written, c.flushFailures, c.dropped.flush_failed], [10, 2, 0]);
    assert.deepEqual(errors, [1, 2]);
    await batcher.close();
  });

  it('drops a batch after 3 failed attempts, counted, and goes on with the next', async () => {
    const sink = new ControlledSink();
    const batcher = new ResultBatcher({ sink, batchSize: 10, retryBaseMs: 5 });
    sink.failuresLeft = 3;
    for (let i = 0; i < 15; i += 1) batcher.write(at(i));
    await batcher.flush();
    const c = batcher.counters();
    assert.deepEqual([c.written, c.flushFailures, c.dropped.flush_failed], [5, 3, 10]);
    assert.deepEqual(sink.batches.flat().map((r) => r.result.startedAt - 1_000_000), [10, 11, 12, 13, 14]);
    assertBalanced(c);
    await batcher.close();
  });

  it('under a stalled sink keeps the newest 8 × batch, drops the oldest (counted), never blocks write()', async () => {
    const sink = new ControlledSink();
    sink.stall();
    const batcher = new ResultBatcher({ sink, batchSize: 10 });
    const t0 = performance.now();
    for (let i = 0; i < 200; i += 1) batcher.write(at(i));
    assert.ok(performance.now() - t0 < 1_000, 'write() returned without waiting for the sink');
    let c = batcher.counters();
    // 10 in flight (the first batch), 80 buffered, 110 oldest buffered ones dropped
    assert.deepEqual([c.queued, c.dropped.buffer_full, c.written], [90, 110, 0]);
    assertBalanced(c);
    sink.release();
    await batcher.flush();
    c = batcher.counters();
    assert.deepEqual([c.written, c.queued], [90, 0]);
    const written = sink.batches.flat().map((r) => r.result.startedAt - 1_000_000);
    assert.deepEqual(written, [...[...Array(10).keys()], ...[...Array(80).keys()].map((i) => 120 + i)]);
    assertBalanced(c);
    await batcher.close();
  });

  it('close() drains within the deadline; with a hung sink it returns at the deadline, leftovers counted', async () => {
    const sink = new ControlledSink();
    const batcher = new ResultBatcher({ sink, batchSize: 10 });
    sink.stall();
    for (let i = 0; i < 25; i += 1) batcher.write(at(i));
    const t0 = performance.now();
    const c = await batcher.close(100);
    assert.ok(performance.now() - t0 >= 90, 'waited for the deadline');
    // the first batch is in flight in the stalled sink; the buffered rest is dropped
    assert.deepEqual([c.written, c.queued, c.dropped.closed], [0, 10, 15]);
    assertBalanced(c);
    batcher.write(at(99));
    assert.equal(batcher.counters().dropped.closed, 16, 'a write after close is counted, not thrown');
    sink.release();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual([batcher.counters().written, batcher.counters().queued], [10, 0]);
  });

  it('refuses nonsense options', () => {
    assert.throws(() => new ResultBatcher({ sink: new ControlledSink(), batchSize: 0 }), /batchSize: expected a positive integer/);
  });

  it('during an outage keeps results up to maxBuffered (oldest dropped, counted), then writes them in order', async () => {
    const sink = new ControlledSink();
    sink.failuresLeft = 7; // attempts 1-2 of batch 1, then requeued rounds
    const batcher = new ResultBatcher({
      sink, batchSize: 4, flushIntervalMs: 5, maxBuffered: 10, maxAttempts: 2, retryBaseMs: 1, maxOutageBackoffMs: 10,
      isOutage: (err) => err instanceof Error && /locked/.test(err.message),
    });
    for (let i = 0; i < 14; i += 1) batcher.write(at(i));
    await batcher.flush();
    const c = batcher.counters();
    // 14 accepted, a 10-result bound: the 4 oldest went (4 at write), nothing dropped as flush_failed
    assert.deepEqual([c.written, c.dropped.buffer_full, c.dropped.flush_failed, c.queued], [10, 4, 0, 0]);
    assert.deepEqual(sink.batches.flat().map((r) => r.result.startedAt - 1_000_000), [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    assertBalanced(c);
    await batcher.close();
  });

  it('drops (flush_failed) a batch whose error is not an outage, even with isOutage set', async () => {
    const sink = new ControlledSink();
    sink.failuresLeft = 2;
    const batcher = new ResultBatcher({ sink, batchSize: 3, flushIntervalMs: 5, maxAttempts: 2, retryBaseMs: 1, isOutage: () => false });
    for (let i = 0; i < 3; i += 1) batcher.write(at(i));
    await batcher.flush();
    const c = batcher.counters();
    assert.deepEqual([c.written, c.dropped.flush_failed, c.flushFailures], [0, 3, 2]);
    await batcher.close();
  });
});
