import { getSystemErrorName } from 'node:util';

/**
 * A fresh plain TCP connection on libuv's TCP handle, without `net.Socket` (issue 12, part 4;
 * docs/executor.md, "Fresh plain HTTP/1.1 on the TCP handle").
 *
 * `net.Socket` wraps the same handle in a Duplex stream: a Socket, a ReadableState, a
 * WritableState, event emitters, stream bookkeeping on connect, write and end. For the one
 * request and one response of a fresh `Connection: close` check that machinery was most of
 * the executor's user CPU per check (docs/loadtest.md: ≈ 30 µs of a ≈ 115 µs check, against
 * wrk's ≈ 11 µs of user time). This class makes the same system calls as `net` (socket,
 * connect, write, read into one buffer, close) and hands the bytes to one owner.
 *
 * The handle comes from `process.binding('tcp_wrap')` / `('stream_wrap')`, internals that Node
 * documentation-deprecated (DEP0111; a warning only under `--pending-deprecation`) but still
 * exposes, with the shape that `net` itself uses. `loadRawTcp` checks that shape once; a Node
 * without it (or with the permission model on) gets `null`, and the executor then uses
 * `net.Socket` for these connections too (`clients.rawTcp` is then null).
 */

/** libuv's end of stream (UV_EOF), as a read reports it */
const UV_EOF = -4095;

interface ConnectReq {
  oncomplete: (this: ConnectReq, status: number) => void;
  conn: RawTcpConnection | null;
}

interface WriteReq {
  handle: TcpHandle;
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
  conn: RawTcpConnection | null;
}

/** The methods of libuv's TCP handle (node's TCPWrap / LibuvStreamWrap) that are used here. */
interface TcpHandle {
  onread: (this: TcpHandle) => void;
  conn: RawTcpConnection | null;
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  writeLatin1String(req: WriteReq, data: string): number;
  writeBuffer(req: WriteReq, data: Uint8Array): number;
  useUserBuffer(buffer: Uint8Array): void;
  readStart(): number;
  readStop(): number;
  unref(): void;
  close(): void;
}

/** What `loadRawTcp` found: the constructors and the shared state words the handle reports through. */
export interface RawTcp {
  readonly newHandle: () => TcpHandle;
  readonly newConnectReq: () => ConnectReq;
  readonly newWriteReq: () => WriteReq;
  /** stream_wrap's `streamBaseState`: a read's byte count or error, whether a write went async */
  readonly state: Int32Array;
  readonly kReadBytesOrError: number;
  readonly kLastWriteWasAsync: number;
}

type BindingLoader = (name: string) => unknown;

/**
 * libuv's TCP handle as this Node exposes it, or null when it does not (another Node major
 * that changed it, `--experimental-permission`, a runtime without `process.binding`).
 * `load` is for tests (null: no `process.binding`).
 */
export function loadRawTcp(load: BindingLoader | null = processBinding()): RawTcp | null {
  if (load === null) return null;
  try {
    const tcp = load('tcp_wrap') as { TCP?: unknown; TCPConnectWrap?: unknown; constants?: { SOCKET?: unknown } };
    const stream = load('stream_wrap') as { WriteWrap?: unknown; streamBaseState?: unknown; kReadBytesOrError?: unknown; kLastWriteWasAsync?: unknown };
    const { TCP, TCPConnectWrap } = tcp;
    const socketType = tcp.constants?.SOCKET;
    const { WriteWrap, streamBaseState, kReadBytesOrError, kLastWriteWasAsync } = stream;
    if (typeof TCP !== 'function' || typeof TCPConnectWrap !== 'function' || typeof WriteWrap !== 'function') return null;
    if (typeof socketType !== 'number' || !(streamBaseState instanceof Int32Array)) return null;
    if (typeof kReadBytesOrError !== 'number' || typeof kLastWriteWasAsync !== 'number') return null;
    const proto = (TCP as { prototype: Record<string, unknown> }).prototype;
    for (const name of ['connect', 'connect6', 'writeLatin1String', 'writeBuffer', 'useUserBuffer', 'readStart', 'readStop', 'unref', 'close']) {
      if (typeof proto[name] !== 'function') return null;
    }
    const Handle = TCP as new (type: number) => TcpHandle;
    const Connect = TCPConnectWrap as new () => ConnectReq;
    const Write = WriteWrap as new () => WriteReq;
    return Object.freeze({
      newHandle: () => new Handle(socketType),
      newConnectReq: () => new Connect(),
      newWriteReq: () => new Write(),
      state: streamBaseState,
      kReadBytesOrError,
      kLastWriteWasAsync,
    });
  } catch {
    return null;
  }
}

function processBinding(): BindingLoader | null {
  const binding = (process as unknown as { binding?: BindingLoader }).binding;
  return typeof binding === 'function' ? binding.bind(process) : null;
}

/** An error as `net` makes it from a libuv status: `code`, `errno`, `syscall` (classify.ts reads `code`). */
export function uvError(status: number, syscall: string, address?: string, port?: number): Error {
  let code: string;
  try {
    code = getSystemErrorName(status);
  } catch {
    code = `UV${status}`;
  }
  const where = address === undefined ? '' : ` ${address}:${port}`;
  return Object.assign(new Error(`${syscall} ${code}${where}`), { code, errno: status, syscall });
}

/** Who receives a connection's events; one at a time (the connect, then the exchange, then the FIN wait). */
export interface RawTcpOwner {
  /** the connect finished: `err` null (connected) or its error */
  rawConnected(err: Error | null): void;
  /** bytes arrived; `chunk` is valid only during the call (the clients' shared read buffer) */
  rawData(chunk: Buffer): void;
  /** the peer's FIN */
  rawEnd(): void;
  /** a read or an asynchronous write failed */
  rawError(err: Error): void;
  /** an asynchronous write finished */
  rawWritten(): void;
}

// The handle and the requests call these shared functions with `this` = themselves; they
// find the connection through one property: no closures per connection.
function onConnectComplete(this: ConnectReq, status: number): void {
  const conn = this.conn;
  this.conn = null;
  conn?.connectDone(status);
}
function onHandleRead(this: TcpHandle): void {
  this.conn?.readDone();
}
function onWriteComplete(this: WriteReq, status: number): void {
  const conn = this.conn;
  this.conn = null;
  conn?.writeDone(status);
}

/**
 * One fresh TCP connection on a raw handle. Every callback goes to `owner`; after `close()`
 * none does. It never throws for a network outcome: failures arrive as errors made by `uvError`.
 */
export class RawTcpConnection {
  owner: RawTcpOwner | null;
  private handle: TcpHandle | null;
  /** reading is over: the peer's FIN arrived, or a read failed */
  isReadDone = false;
  /** what readStart returned (0, or a libuv error, reported once connected) */
  private readStatus = 0;

  /**
   * Starts connecting to `address` (an IP literal of `family`) on `port`; reads go into
   * `buffer` (shared by every connection of a Clients: a read is handed on before the next).
   * A connect that fails at once reports through `owner.rawConnected` in a microtask, as `net` does.
   */
  constructor(
    private readonly raw: RawTcp,
    owner: RawTcpOwner,
    readonly address: string,
    family: 4 | 6,
    readonly port: number,
    private readonly buffer: Buffer,
  ) {
    this.owner = owner;
    const handle = raw.newHandle();
    handle.conn = this;
    this.handle = handle;
    const req = raw.newConnectReq();
    req.conn = this;
    req.oncomplete = onConnectComplete;
    const status = family === 6 ? handle.connect6(req, address, port) : handle.connect(req, address, port);
    if (status !== 0) {
      req.conn = null;
      queueMicrotask(() => this.connectDone(status));
      return;
    }
    // Reading starts with the connect, not after it as in `net`: libuv then watches the
    // socket for both at once (one epoll_ctl instead of three per connection), and the first
    // read can only come in a poll after the connect's own callback. A server that answers
    // before the request, or resets at once, is seen.
    handle.useUserBuffer(buffer);
    handle.onread = onHandleRead;
    this.readStatus = handle.readStart();
  }

  get isClosed(): boolean {
    return this.handle === null;
  }

  /** @internal the connect request completed */
  connectDone(status: number): void {
    if (this.handle === null) return;
    if (status !== 0) {
      this.owner?.rawConnected(uvError(status, 'connect', this.address, this.port));
      return;
    }
    const read = this.readStatus;
    this.owner?.rawConnected(read === 0 ? null : uvError(read, 'read'));
  }

  /** @internal a read completed: bytes in the buffer, or EOF, or an error */
  readDone(): void {
    const raw = this.raw;
    const nread = raw.state[raw.kReadBytesOrError] as number;
    if (nread > 0) {
      this.owner?.rawData(this.buffer.subarray(0, nread));
      return;
    }
    if (nread === 0) return;
    // No more reads after the end or an error (libuv would report EOF again).
    this.handle?.readStop();
    this.isReadDone = true;
    if (nread === UV_EOF) {
      this.owner?.rawEnd();
    } else {
      this.owner?.rawError(uvError(nread, 'read'));
    }
  }

  /**
   * Writes `head` (latin1) and `body`. True when the kernel took all of it now (the usual
   * case for one small request); false when it finishes later (`owner.rawWritten`, or
   * `owner.rawError`). An error the write returns at once is reported as `rawError` in a microtask.
   */
  write(head: string, body: Buffer | null): boolean {
    const handle = this.handle;
    if (handle === null) return false;
    const req = this.raw.newWriteReq();
    req.handle = handle;
    req.async = false;
    req.conn = this;
    req.oncomplete = onWriteComplete;
    const status = body === null ? handle.writeLatin1String(req, head) : handle.writeBuffer(req, Buffer.concat([Buffer.from(head, 'latin1'), body]));
    if (status !== 0) {
      req.conn = null;
      queueMicrotask(() => this.writeDone(status));
      return false;
    }
    if (this.raw.state[this.raw.kLastWriteWasAsync] !== 0) return false;
    req.conn = null;
    return true;
  }

  /** @internal an asynchronous write completed */
  writeDone(status: number): void {
    if (this.handle === null) return;
    if (status === 0) this.owner?.rawWritten();
    else this.owner?.rawError(uvError(status, 'write'));
  }

  /** Does not keep the process alive (a background close). */
  unref(): void {
    this.handle?.unref();
  }

  /** Closes the socket now (its fd is closed at once); no callback follows. Harmless twice. */
  close(): void {
    const handle = this.handle;
    if (handle === null) return;
    this.handle = null;
    this.owner = null;
    handle.conn = null;
    handle.close();
  }
}
