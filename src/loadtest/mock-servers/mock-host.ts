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
 * The entry is resolved next to this module: `mock-thread.js` under dist/. Under tsx (tests)
 * it is `mock-thread.ts`, and Node 20 does not pass `--import tsx` hooks on to worker threads,
 * so a tiny bootstrap registers tsx in the worker before importing the entry.
 */
function newMockWorker(config: MockConfig): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./mock-thread.js', import.meta.url), { workerData: config });
  const entry = new URL('./mock-thread.ts', import.meta.url).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: config });
}

export function startMockHost(config: MockConfig): Promise<MockHost> {
  const worker = newMockWorker(config);
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
