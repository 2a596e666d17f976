/**
 * One process per variant. Interleaving variants inside one process lets one variant's
 * garbage be collected — and its GC time counted — during another's batch: Node keeps a
 * closed HTTP/2 stream or socket wrapper (and what it references) until the next full GC,
 * so the old generation fills with one variant's objects and the mark-compact lands on
 * whichever batch is running. In a child of its own, each variant pays exactly its own GC,
 * and its rounds are still interleaved with the others' in time (a noisy neighbour hits all).
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { BenchRow } from './bench-types.js';
import { interleavedRunners, type BatchResult, type BatchRunner, type InterleaveOptions } from './cpu-batch.js';

const START_TIMEOUT_MS = 30_000;

/** parent → child: what to build (first message), then batches to run */
export type ToVariantChild =
  | { readonly type: 'build'; readonly bench: string; readonly variant: string; readonly setup: unknown }
  | { readonly type: 'run'; readonly count: number; readonly concurrency: number };

/** child → parent */
export type FromVariantChild =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly result: BatchResult }
  | { readonly type: 'error'; readonly message: string };

/**
 * Runs the variants interleaved (`interleavedRunners`), each in its own child process started
 * from `childModule` (which answers the messages above; see bench/executor/variant-child.ts).
 * `setup` is handed to every child as is (e.g. the target servers' ports). The warm-up is one
 * batch per variant of `opts.warmup` checks (default: one full batch): a fresh process has
 * no JIT-compiled code yet.
 */
export async function interleavedIsolated(
  bench: string,
  variantNames: readonly string[],
  childModule: URL,
  setup: unknown,
  opts: InterleaveOptions,
): Promise<BenchRow[]> {
  const children: VariantChild[] = [];
  try {
    for (const name of variantNames) children.push(await VariantChild.start(childModule, bench, name, setup));
    return await interleavedRunners(bench, children, opts.warmup ?? opts.count, 'interleaved rounds, one process per variant', opts);
  } finally {
    for (const child of children) child.close();
  }
}

class VariantChild implements BatchRunner {
  private pending: { resolve: (m: FromVariantChild) => void; reject: (e: Error) => void } | null = null;
  private exitError: Error | null = null;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (m: FromVariantChild) => this.settle(m));
    child.once('exit', (code, signal) => {
      this.exitError = new Error(`bench variant ${name}: its process exited (code ${code}, signal ${signal})`);
      this.pending?.reject(this.exitError);
      this.pending = null;
    });
  }

  static async start(childModule: URL, bench: string, variant: string, setup: unknown): Promise<VariantChild> {
    // --cpu-prof in the parent must not profile the children too
    const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof'));
    const child = new VariantChild(variant, fork(childModule, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const timer = setTimeout(() => child.child.kill(), START_TIMEOUT_MS);
    try {
      const reply = await child.request({ type: 'build', bench, variant, setup });
      if (reply.type !== 'ready') throw new Error(`bench variant ${variant}: expected ready, got ${reply.type}`);
      return child;
    } catch (err) {
      child.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async run(count: number, concurrency: number): Promise<BatchResult> {
    const reply = await this.request({ type: 'run', count, concurrency });
    if (reply.type !== 'result') throw new Error(`bench variant ${this.name}: expected a result, got ${reply.type}`);
    return reply.result;
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
  }

  private request(message: ToVariantChild): Promise<FromVariantChild> {
    if (this.exitError !== null) return Promise.reject(this.exitError);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(message);
    });
  }

  private settle(message: FromVariantChild): void {
    const pending = this.pending;
    this.pending = null;
    if (message.type === 'error') pending?.reject(new Error(`bench variant ${this.name}: ${message.message}`));
    else pending?.resolve(message);
  }
}
