import type { Connection } from '../net/connection-types.js';

export interface Http1SocketPoolOptions {
  readonly maxIdlePerOrigin: number;
  /** idle sockets are closed after this long */
  readonly idleTimeoutMs?: number;
}

/**
 * Idle HTTP/1.1 keep-alive sockets for the pooled connection policy, per origin key.
 * A socket that closes or errors while idle removes itself.
 */
export class Http1SocketPool {
  private readonly idle = new Map<string, Connection[]>();
  private readonly maxIdlePerOrigin: number;
  private readonly idleTimeoutMs: number;

  constructor(options: Http1SocketPoolOptions) {
    this.maxIdlePerOrigin = options.maxIdlePerOrigin;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  }

  acquire(key: string): Connection | null {
    const list = this.idle.get(key);
    while (list !== undefined && list.length > 0) {
      const socket = list.pop() as Connection;
      socket.removeAllListeners('close').removeAllListeners('error').removeAllListeners('timeout');
      socket.setTimeout(0);
      if (!socket.destroyed && socket.readable && socket.writable) {
        socket.ref();
        return socket;
      }
      socket.destroy();
    }
    return null;
  }

  release(key: string, socket: Connection): void {
    let list = this.idle.get(key);
    if (list === undefined) {
      list = [];
      this.idle.set(key, list);
    }
    if (list.length >= this.maxIdlePerOrigin || socket.destroyed) {
      socket.destroy();
      return;
    }
    const drop = (): void => {
      const current = this.idle.get(key);
      const i = current === undefined ? -1 : current.indexOf(socket);
      if (i >= 0) current?.splice(i, 1);
      socket.destroy();
    };
    socket.once('close', drop);
    socket.once('error', drop);
    socket.once('timeout', drop);
    socket.setTimeout(this.idleTimeoutMs);
    socket.unref();
    list.push(socket);
  }

  close(): void {
    for (const list of this.idle.values()) for (const socket of list) socket.destroy();
    this.idle.clear();
  }
}
