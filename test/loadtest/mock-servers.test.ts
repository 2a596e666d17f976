// The raw mock responders against Node's own HTTP clients: they must be real HTTP/1.1 and h2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { connect } from 'node:http2';
import { startMockListeners } from '../../src/loadtest/mock-servers/mock-listeners.js';
import type { MockConfig } from '../../src/loadtest/mock-servers/mock-behaviour.js';

const base: MockConfig = { count: 2, http2: false, tls: null, delayMs: { minMs: 0, maxMs: 0 }, faults: [], slowMs: 1000 };

function http1(port: number, path: string): Promise<{ status: number; body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
    }).on('error', reject);
  });
}

test('HTTP/1 mock: 200 ok on /ok with Connection: close, 404 elsewhere, one listener per MOCK_PORTS', async () => {
  const mocks = await startMockListeners(base);
  try {
    assert.equal(mocks.ports.length, 2);
    assert.deepEqual(await http1(mocks.ports[1] ?? 0, '/ok'), { status: 200, body: 'ok', connection: 'close' });
    assert.equal((await http1(mocks.ports[0] ?? 0, '/other')).status, 404);
  } finally {
    await mocks.close();
  }
});

test('HTTP/1 mock: a status fault answers that status', async () => {
  const mocks = await startMockListeners({ ...base, faults: [{ fault: { type: 'status', statusCode: 503 }, probability: 1 }] });
  try {
    assert.deepEqual(await http1(mocks.ports[0] ?? 0, '/ok'), { status: 503, body: 'injected fault', connection: 'close' });
  } finally {
    await mocks.close();
  }
});

test('h2c mock: many streams on one session get 200 ok; the delay is honoured', async () => {
  const mocks = await startMockListeners({ ...base, http2: true, delayMs: { minMs: 30, maxMs: 30 } });
  const session = connect(`http://127.0.0.1:${mocks.ports[0]}`);
  try {
    const one = (): Promise<{ status: number; body: string; ms: number }> =>
      new Promise((resolve, reject) => {
        const started = performance.now();
        const stream = session.request({ ':path': '/ok' });
        let status = 0;
        let body = '';
        stream.on('response', (h) => (status = Number(h[':status'])));
        stream.on('data', (d: Buffer) => (body += d.toString()));
        stream.on('end', () => resolve({ status, body, ms: performance.now() - started }));
        stream.on('error', reject);
        stream.end();
      });
    const results = await Promise.all(Array.from({ length: 200 }, one));
    assert.ok(results.every((r) => r.status === 200 && r.body === 'ok'));
    assert.ok(results.every((r) => r.ms >= 29), 'every answer waited for MOCK_DELAY_MS');
  } finally {
    session.close();
    await mocks.close();
  }
});
