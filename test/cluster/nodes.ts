/** Real `vigil serve` processes for the cluster tests: start one, find its node id, stop it; a webhook receiver for their alerts. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminQuery } from '../helpers/postgres.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export interface Node {
  name: string;
  child: ChildProcess;
  output: string[];
  pid: number;
  /** the API's base URL, from the start line */
  api: string;
}

/** Starts `vigil serve` (extra flags after the store) and resolves once its API answers. */
export function startNode(name: string, config: string, storeUrl: string, extra: readonly string[] = [], env: Record<string, string> = {}): Promise<Node> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', config, '--port', '0', '--store', storeUrl, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output.join('')}`)), 60_000);
    const onData = (c: Buffer) => {
      output.push(c.toString());
      const api = /API on (http:\/\/[^\s]+)/.exec(output.join(''));
      if (api !== null) {
        clearTimeout(timer);
        resolve({ name, child, output, pid: child.pid as number, api: api[1] as string });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${name} exited ${code}:\n${output.join('')}`)));
  });
}

/** The node id (`<hostname>-<pid>`) a process registered in cluster_nodes. */
export async function nodeIdOf(schema: string, node: Node): Promise<string> {
  const rows = await adminQuery<{ node_id: string }>(`SELECT node_id FROM ${schema}.cluster_nodes WHERE node_id LIKE $1`, [`%-${node.pid}`]);
  if (rows[0] === undefined) throw new Error(`${node.name} (pid ${node.pid}) has no row in cluster_nodes`);
  return rows[0].node_id;
}

/** Resolves when the process has exited (at once if it already has). */
export function exited(node: Node): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => node.child.once('exit', () => r()));
}

/** Prints what every node said (a failed test's evidence). */
export function printOutputs(nodes: readonly Node[]): void {
  for (const n of nodes) console.log(`--- ${n.name}\n${n.output.join('')}`);
}

/** Kills every node with SIGKILL and resolves once each has exited. */
export async function killNodes(nodes: readonly Node[]): Promise<void> {
  for (const n of nodes) n.child.kill('SIGKILL');
  await Promise.all(nodes.map(exited));
}

/** A JSON response from a node's API: the status and the parsed body (null when empty). */
export interface ApiAnswer {
  status: number;
  json: Record<string, unknown> | null;
}

/** Calls `/api/v1<path>` on a node with a bearer token, a JSON body when one is given. */
export function apiCaller(token: string): (n: Node, method: string, path: string, body?: unknown) => Promise<ApiAnswer> {
  return async (n, method, path, body) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${n.api}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
  };
}

/**
 * A webhook receiver on 127.0.0.1: every alert body it gets, parsed, in arrival order. Like a
 * real receiver it drops a delivery it already has (same `deliveryId`: delivery is at least
 * once — a node killed after sending but before recording it sends nothing new, a survivor
 * sends the same delivery again), and counts those repeats.
 */
export interface HookReceiver<T> {
  /** `http://127.0.0.1:<port>/hook` */
  readonly url: string;
  readonly hooks: T[];
  /** deliveries received again (same deliveryId), not in `hooks` */
  readonly repeated: () => number;
  /** the `alerts:` block of a config with one generic webhook `ops` to this receiver (secret from HOOK_SECRET) */
  readonly alertsYaml: (extra?: string) => string;
  close(): Promise<void>;
}

/** Starts a webhook receiver; `keep` picks and shapes what is recorded (default: every body as it is). */
export async function startHookReceiver<T = Record<string, unknown>>(keep: (body: Record<string, unknown>) => T | null = (b) => b as T): Promise<HookReceiver<T>> {
  const hooks: T[] = [];
  const seen = new Set<string>();
  let repeated = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      const id = typeof parsed.deliveryId === 'string' ? parsed.deliveryId : null;
      if (id !== null && seen.has(id)) repeated++;
      else {
        if (id !== null) seen.add(id);
        const kept = keep(parsed);
        if (kept !== null) hooks.push(kept);
      }
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    hooks,
    repeated: () => repeated,
    alertsYaml: (extra = '') => `alerts:\n  webhooks:\n    - { name: ops, url: "${url}", secretEnv: HOOK_SECRET, initialBackoff: 50ms${extra === '' ? '' : `, ${extra}`} }\n`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
