import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadTestOptions } from '../options/load-test-options.js';
import type { ShardSummary } from '../stats/shard-stats.js';
import type { ShardProgress } from '../workers/shard-runner.js';
import { shardChildEntry, type FromShard, type ToShard } from './shard-protocol.js';

const READY_TIMEOUT_MS = 30_000;
/** after the last check could have finished: time to merge, close mocks and exit */
const FINISH_GRACE_MS = 15_000;
/** the common start is set this far ahead so every shard sees it in its future */
const START_LEAD_MS = 100;

interface ShardProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly done: Promise<ShardSummary>;
  latest: ShardProgress;
}

function childArgs(): string[] {
  // Keep loaders (--import tsx) and profiling flags; drop the test runner's own flags.
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  return [...execArgv, fileURLToPath(shardChildEntry())];
}

function spawnShard(index: number, options: LoadTestOptions, count: number): ShardProcess {
  const env = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  const child = spawn(process.execPath, childArgs(), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
  let onReady: () => void = () => undefined;
  let onDone: (s: ShardSummary) => void = () => undefined;
  let onFail: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const done = new Promise<ShardSummary>((resolve, reject) => {
    onDone = resolve;
    onFail = reject;
  });
  done.catch(() => undefined);
  const shard: ShardProcess = {
    child,
    // a shard that dies before it is ready must fail the wait for readiness too
    ready: Promise.race([ready, done.then(() => undefined)]),
    done,
    latest: { checks: 0, errors: 0, inFlight: 0 },
  };
  child.on('message', (message: FromShard) => {
    if (message.type === 'ready') onReady();
    else if (message.type === 'progress') shard.latest = { checks: message.checks, errors: message.errors, inFlight: message.inFlight };
    else if (message.type === 'done') onDone(message.summary);
    else if (message.type === 'failed') onFail(new Error(`shard ${index}: ${message.message}`));
  });
  // After 'done' these are no-ops: a settled promise ignores later calls.
  child.on('exit', (code, signal) => onFail(new Error(`shard ${index} exited (${signal ?? `code ${code}`}) before reporting`)));
  child.on('error', (err) => onFail(new Error(`shard ${index}: ${err.message}`)));
  const init: ToShard = { type: 'init', options, slice: { index, count } };
  child.send(init);
  return shard;
}

function sendAll(shards: readonly ShardProcess[], message: ToShard): void {
  for (const s of shards) if (s.child.connected) s.child.send(message);
}

function killAll(shards: readonly ShardProcess[]): void {
  for (const s of shards) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface ShardedRun {
  readonly summaries: readonly ShardSummary[];
  readonly startEpochMs: number;
  readonly startMs: number;
}

/**
 * Runs the workers in `procs` child processes, each with its own mock servers; returns their
 * summaries for merging. A failing shard stops the others and fails the run.
 */
export async function runSharded(
  options: LoadTestOptions,
  procs: number,
  stopSignal: AbortSignal,
  onStarted: (poll: () => ShardProgress, startMs: number) => void,
): Promise<ShardedRun> {
  const shards = Array.from({ length: procs }, (_, i) => spawnShard(i, options, procs));
  const stop = (): void => sendAll(shards, { type: 'stop' });
  stopSignal.addEventListener('abort', stop, { once: true });
  try {
    await withTimeout(Promise.all(shards.map((s) => s.ready)), READY_TIMEOUT_MS, 'shards did not start');
    const startEpochMs = Date.now() + START_LEAD_MS;
    const startMs = performance.now() + START_LEAD_MS;
    sendAll(shards, { type: 'start', startEpochMs });
    onStarted(() =>
      shards.reduce((acc, s) => ({ checks: acc.checks + s.latest.checks, errors: acc.errors + s.latest.errors, inFlight: acc.inFlight + s.latest.inFlight }), {
        checks: 0,
        errors: 0,
        inFlight: 0,
      }),
      startMs,
    );
    const budgetMs = START_LEAD_MS + options.durationSecs * 1000 + options.timeoutMs + FINISH_GRACE_MS;
    const summaries = await withTimeout(Promise.all(shards.map((s) => s.done)), budgetMs, 'shards did not finish');
    return { summaries, startEpochMs, startMs };
  } catch (err) {
    stop();
    killAll(shards);
    throw err;
  } finally {
    stopSignal.removeEventListener('abort', stop);
    setTimeout(() => killAll(shards), FINISH_GRACE_MS).unref();
  }
}
