import { Worker } from 'node:worker_threads';
import type { MockConfig } from './mock-behaviour.js';

/** Mock listeners running in their own worker thread. */
export interface MockHost {
  readonly ports: readonly number[];
  readonly urls: readonly string[];
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 15_000;
const CLOSE_TIMEOUT_MS = 3_000;
/**
 * The h2 mock thread's young generation when it shares the load generator's process
 * (`sharesProcess`): its live set is ~10 MiB, and V8's default (two 16 MiB semi-spaces) made
 * its heap 42 MiB, a tenth of a 50,000-worker h2c run's peak RSS (docs/loadtest.md,
 * "Memory"); capped, ~21 MiB, and the mocks keep up. Only measured for h2 (the HTTP/1 mocks,
 * a socket per request, keep V8's default), and not for `--mocks-only`, whose mocks serve
 * h2load at a million requests/s: a reference tool's number must not move with our sizing.
 */
const H2_MOCK_YOUNG_GENERATION_MB = 6;

/**
 * The entry is resolved next to this module: `mock-thread.js` under dist/. Under tsx (tests)
 * it is `mock-thread.ts`, and Node 20 does not pass `--import tsx` hooks on to worker threads,
 * so a tiny bootstrap registers tsx in the worker before importing the entry.
 */
function newMockWorker(config: MockConfig, sharesProcess: boolean): Worker {
  const limits = config.http2 && sharesProcess ? { resourceLimits: { maxYoungGenerationSizeMb: H2_MOCK_YOUNG_GENERATION_MB } } : {};
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./mock-thread.js', import.meta.url), { workerData: config, ...limits });
  const entry = new URL('./mock-thread.ts', import.meta.url).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: config, ...limits });
}

/** `sharesProcess`: the mocks serve the load generator of this very process (its RSS is theirs too). */
export function startMockHost(config: MockConfig, sharesProcess = false): Promise<MockHost> {
  const worker = newMockWorker(config, sharesProcess);
  const scheme = config.tls === null ? 'http' : 'https';
  return new Promise<MockHost>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`mock servers did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`mock thread exited early (code ${code})`)));
    worker.once('message', (message: { type: string; ports?: number[]; message?: string }) => {
      clearTimeout(timer);
      worker.removeAllListeners('exit');
      if (message.type !== 'ready' || message.ports === undefined) {
        void worker.terminate();
        return reject(new Error(`mock servers failed to start: ${message.message ?? 'unknown reason'}`));
      }
      const ports = Object.freeze([...message.ports]);
      resolve({
        ports,
        urls: Object.freeze(ports.map((p) => `${scheme}://127.0.0.1:${p}/ok`)),
        close: () => closeWorker(worker),
      });
    });
  });
}

function closeWorker(worker: Worker): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.postMessage('close');
  });
}
