/** Test helpers for the daemon: local target servers, a child `vigil serve`, counting stored results. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWorkerSqliteStore } from '../../src/storage/sqlite/worker-store.js';
import type { StoredResult } from '../../src/storage/store.js';

export interface TargetServer {
  readonly port: number;
  readonly url: string;
  /** requests whose headers arrived */
  received: number;
  /** responses fully sent */
  answered: number;
  /** what to answer next (status), changeable during the test */
  status: number;
  delayMs: number;
  close(): Promise<void>;
}

export async function startTargetServer(delayMs = 0, status = 200): Promise<TargetServer> {
  const state = { received: 0, answered: 0, status, delayMs };
  const server: Server = createServer((req, res) => {
    state.received++;
    setTimeout(() => {
      res.statusCode = state.status;
      res.end('ok', () => state.answered++);
    }, state.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const handle = Object.assign(state, {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
  return handle as TargetServer;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `vigil-${prefix}-`));
}

export function writeConfig(dir: string, text: string, name = 'vigil.yaml'): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** N http targets against one server, loopback allowed. */
export function targetsYaml(count: number, url: string, extra = 'interval: 1s'): string {
  const lines = ['defaults:', '  allowPrivateTargets: true', 'targets:'];
  for (let i = 0; i < count; i++) lines.push(`  - id: t${i}`, `    name: target ${i}`, `    check: { url: "${url}/t${i}" }`, `    ${extra}`);
  return `${lines.join('\n')}\n`;
}

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly apiUrl: string;
  readonly output: string[];
  readonly exited: Promise<number | null>;
}

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** Starts `vigil serve` as a real child process and waits for its "API on" line. */
export async function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const apiUrl = await new Promise<string>((resolve, reject) => {
    // generous (several test processes share two cores); a daemon that did not start is
    // killed, or its open pipes would keep the test file running forever
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vigil serve did not start within 60 s:\n${output.join('')}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      const m = /API on (http:\/\/\S+)/.exec(output.join(''));
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`vigil serve exited (${code}) before starting:\n${output.join('')}`));
    });
  });
  return { child, apiUrl, output, exited };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every stored result of the given targets, read through a fresh store on the same file. */
export async function readStoredResults(dbPath: string, targetIds: readonly string[]): Promise<StoredResult[]> {
  const store = await openWorkerSqliteStore({ path: dbPath });
  try {
    const all: StoredResult[] = [];
    for (const targetId of targetIds) {
      let cursor: string | null = null;
      do {
        const page = await store.queryResults({ targetId, fromMs: 0, toMs: Date.now() + 60_000, limit: 1000, cursor });
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== null);
    }
    return all;
  } finally {
    await store.close();
  }
}
