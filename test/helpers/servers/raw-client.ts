import { connect as netConnect, type Socket } from 'node:net';

/**
 * A minimal client for checking the catalog itself (not the executor): sends one request
 * and collects every byte until the server closes or `idleMs` passes without data.
 */
export interface RawExchange {
  readonly bytes: Buffer;
  readonly text: string;
  /** how the exchange ended */
  readonly ending: 'end' | 'reset' | 'idle' | 'refused';
}

export function rawExchange(port: number, request: string, idleMs = 300, host = '127.0.0.1'): Promise<RawExchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket: Socket = netConnect({ port, host });
    let idle: NodeJS.Timeout = setTimeout(() => finish('idle'), idleMs);
    function finish(ending: RawExchange['ending']): void {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      socket.destroy();
      const bytes = Buffer.concat(chunks);
      resolve({ bytes, text: bytes.toString('latin1'), ending });
    }
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      clearTimeout(idle);
      idle = setTimeout(() => finish('idle'), idleMs);
    });
    socket.on('end', () => finish('end'));
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNREFUSED' ? 'refused' : 'reset'));
  });
}

export function getRequest(path = '/', method = 'GET'): string {
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
}
