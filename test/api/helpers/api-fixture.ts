import { startApiServer, type ApiServer } from '../../../src/api/server.js';
import { startTestDaemon, type TestDaemon } from './test-daemon-handle.js';

export interface ApiFixture {
  readonly daemon: TestDaemon;
  readonly api: ApiServer;
  /** a request to the API server; `body` objects are sent as JSON, strings as-is */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- responses are checked field by field with assert
  call(method: string, path: string, options?: { body?: unknown; token?: string | null; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; json: any; text: string }>;
  close(): Promise<void>;
}

const TEST_TOKEN = 'test-token-0123456789';

/** A real daemon handle (SQLite + executor) behind a real API server on 127.0.0.1:0. */
export async function startApiFixture(token: string | null = TEST_TOKEN): Promise<ApiFixture> {
  const daemon = await startTestDaemon();
  const api = await startApiServer(daemon, { host: '127.0.0.1', port: 0, tokens: token === null ? [] : [{ name: 'test', scope: 'admin', secret: token }] });
  return {
    daemon,
    api,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const auth = options.token === undefined ? token : options.token;
      if (auth !== null) headers.authorization = `Bearer ${auth}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${api.url}${path}`, { method, headers, body });
      const text = await res.text();
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      return { status: res.status, headers: res.headers, json, text };
    },
    async close() {
      await api.close();
      await daemon.close();
    },
  };
}
