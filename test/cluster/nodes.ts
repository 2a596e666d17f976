/** Real `vigil serve` processes for the cluster tests: start one, find its node id, stop it. */
import { spawn, type ChildProcess } from 'node:child_process';
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
