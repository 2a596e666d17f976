/**
 * Mock targets for the daemon scale bench: plain HTTP servers answering 200 "ok" on several
 * loopback addresses × ports, in a worker thread (so they do not share the scheduler's event
 * loop). Spreading fresh connections over many (address, port) pairs keeps each 4-tuple's
 * ephemeral-port space far from exhaustion by TIME_WAIT sockets.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const servers = [];
let answered = 0;
(async () => {
  const endpoints = [];
  for (const address of workerData.addresses) {
    for (let i = 0; i < workerData.portsPerAddress; i++) {
      const server = createServer((req, res) => { answered++; res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }); res.end('ok'); });
      server.keepAliveTimeout = 1000;
      await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, address, resolve); });
      servers.push(server);
      endpoints.push({ address, port: server.address().port });
    }
  }
  parentPort.postMessage({ type: 'ready', endpoints });
})().catch((err) => parentPort.postMessage({ type: 'error', message: String(err && err.message) }));
parentPort.on('message', (msg) => {
  if (msg === 'count') parentPort.postMessage({ type: 'count', answered });
  if (msg === 'close') { for (const s of servers) { s.close(); s.closeAllConnections(); } parentPort.postMessage({ type: 'closed', answered }); }
});
`;

export interface MockEndpoint {
  readonly address: string;
  readonly port: number;
}

export interface MockFleet {
  readonly endpoints: readonly MockEndpoint[];
  /** closes every server; resolves with the requests answered */
  close(): Promise<number>;
}

export function startMockFleet(addresses: readonly string[], portsPerAddress: number): Promise<MockFleet> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { addresses, portsPerAddress } });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (msg: { type: string; endpoints?: MockEndpoint[]; message?: string }) => {
      if (msg.type !== 'ready') {
        void worker.terminate();
        reject(new Error(`mock fleet failed: ${msg.message}`));
        return;
      }
      resolve({
        endpoints: msg.endpoints ?? [],
        close: () =>
          new Promise<number>((done) => {
            worker.on('message', (m: { type: string; answered: number }) => {
              if (m.type === 'closed') void worker.terminate().then(() => done(m.answered));
            });
            worker.postMessage('close');
          }),
      });
    });
  });
}
