import { spawn } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { LOOPBACK_V4, type TestServer } from './test-server.js';

/**
 * A port where TCP connect hangs (for connect_timeout) without leaving loopback: a child
 * Node process listens with a backlog of 1 and is then stopped (SIGSTOP), so it never
 * accepts; we fill its accept queue with idle connections until one no longer completes.
 * From then on the kernel drops new SYNs and a client's connect just waits. Close() kills
 * the child (by its pid, which we started) and drops the fillers.
 */
const CHILD = `
const s = require('node:net').createServer(() => {});
s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => process.stdout.write(s.address().port + '\\n'));
`;
/** a connect still pending after this long counts as hanging */
const PENDING_MS = 150;
const MAX_FILLERS = 16;

function tryConnect(port: number): Promise<{ socket: Socket; isConnected: boolean }> {
  return new Promise((resolve) => {
    const socket = netConnect({ port, host: LOOPBACK_V4 });
    socket.on('error', () => undefined);
    const timer = setTimeout(() => resolve({ socket, isConnected: false }), PENDING_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({ socket, isConnected: true });
    });
  });
}

export async function startBacklogFull(): Promise<TestServer> {
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
  const fillers: Socket[] = [];
  const close = async (): Promise<void> => {
    for (const socket of fillers) socket.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`backlog-full listener exited early (${code})`)));
      child.stdout.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
    });
    if (child.pid === undefined || !process.kill(child.pid, 'SIGSTOP')) throw new Error('could not stop the listener');
    for (let i = 0; i < MAX_FILLERS; i++) {
      const { socket, isConnected } = await tryConnect(port);
      fillers.push(socket);
      if (!isConnected) {
        return { host: LOOPBACK_V4, port, url: `http://${LOOPBACK_V4}:${port}/`, requests: [], close };
      }
    }
    throw new Error(`accept queue never filled after ${MAX_FILLERS} connections`);
  } catch (err) {
    await close();
    throw err;
  }
}
