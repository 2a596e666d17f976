// Child-process entry of a sharded run: starts its own mocks, waits for the common start
// time, drives its slice of the workers and sends back its summary over IPC.
import { prepareShard, type PreparedShard, type ShardProgress } from '../workers/shard-runner.js';
import { SHARD_PROGRESS_MS, type FromShard, type ToShard } from './shard-protocol.js';

function send(message: FromShard): Promise<void> {
  return new Promise<void>((resolve) => {
    if (process.send === undefined || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** Leave once the summary is delivered; a lingering handle must not keep a shard alive. */
async function leave(): Promise<void> {
  if (process.connected) process.disconnect();
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
}

const EXIT_GRACE_MS = 2_000;

async function main(): Promise<void> {
  if (process.send === undefined) throw new Error('shard-child runs only as a child of vigil loadtest (IPC channel missing)');
  const stop = new AbortController();
  // Ctrl-C reaches the whole process group: the coordinator decides, and tells us with 'stop'.
  process.on('SIGINT', () => undefined);
  process.on('disconnect', () => stop.abort());
  let shard: PreparedShard | null = null;
  process.on('message', (message: ToShard) => {
    if (message.type === 'init') {
      void prepareShard(message.options, message.slice).then(
        (prepared) => {
          shard = prepared;
          void send({ type: 'ready' });
        },
        (err: unknown) => fail(err),
      );
    } else if (message.type === 'start' && shard !== null) {
      void run(shard, message.startEpochMs, stop.signal).catch(fail);
    } else if (message.type === 'stop') {
      stop.abort();
    }
  });
}

async function run(shard: PreparedShard, startEpochMs: number, stopSignal: AbortSignal): Promise<void> {
  const startMs = performance.now() + (startEpochMs - Date.now());
  let poll: (() => ShardProgress) | null = null;
  const ticker = setInterval(() => {
    if (poll !== null) void send({ type: 'progress', ...poll() });
  }, SHARD_PROGRESS_MS);
  try {
    const summary = await shard.run(startMs, stopSignal, (p) => (poll = p));
    clearInterval(ticker);
    await send({ type: 'done', summary });
  } finally {
    clearInterval(ticker);
    await shard.close();
    await leave();
  }
}

function fail(err: unknown): void {
  process.exitCode = 1;
  void send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }).then(leave);
}

void main().catch(fail);
