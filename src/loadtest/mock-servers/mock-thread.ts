// Worker-thread entry: runs the mock listeners off the load generator's event loop so the
// mocks and the virtual workers use both cores.
import { parentPort, workerData } from 'node:worker_threads';
import type { MockConfig } from './mock-behaviour.js';
import { startMockListeners } from './mock-listeners.js';

async function serve(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('mock-thread.ts must run as a worker thread');
  try {
    const listeners = await startMockListeners(workerData as MockConfig);
    port.on('message', (message: unknown) => {
      if (message !== 'close') return;
      void listeners.close().then(() => port.close());
    });
    port.postMessage({ type: 'ready', ports: listeners.ports });
  } catch (err) {
    port.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    port.close();
  }
}

void serve();
