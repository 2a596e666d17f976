#!/usr/bin/env node
// The least a Node program can do as an HTTP/1 `Connection: close` load generator (issue 12,
// part 4): a yardstick for scripts/wrk-side-by-side.mjs, never part of Vigil. Each of
// <concurrency> loops connects to the URL's port on 127.0.0.1, writes one fixed GET with
// `Connection: close`, reads until the server's FIN (no HTTP parsing: the mock answers 200),
// closes and starts again, for <secs> seconds; then prints `<n> requests in <s>s` as wrk does.
//
//   node scripts/node-floor-client.mjs net|raw URL [--concurrency 200] [--secs 8]
//
// `net`: a bare `net.Socket` (public API; `onread` into one shared buffer, destroy at 'end').
// `raw`: libuv's TCP handle from `process.binding('tcp_wrap')` with no `net.Socket` and no
// stream layer — documentation-deprecated internals (DEP0111), used here only to measure.
// A connect or read error stops the run with exit 1: the yardstick must not count failures.
import net from 'node:net';

function parseArgs(argv) {
  const [mode, url, ...rest] = argv;
  const args = { mode, url: new URL(url ?? 'invalid:'), concurrency: 200, secs: 8 };
  if ((mode !== 'net' && mode !== 'raw') || args.url.protocol !== 'http:' || args.url.port === '') {
    process.stderr.write('node-floor-client: usage: net|raw http://127.0.0.1:PORT/ [--concurrency 1-5000] [--secs 1-100]\n');
    process.exit(2);
  }
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i]?.replace(/^--/, '');
    const value = Number(rest[i + 1]);
    const max = name === 'concurrency' ? 5000 : 100;
    if ((name !== 'concurrency' && name !== 'secs') || !Number.isInteger(value) || value < 1 || value > max) {
      process.stderr.write(`node-floor-client: bad ${rest[i]} ${rest[i + 1] ?? ''}\n`);
      process.exit(2);
    }
    args[name] = value;
  }
  return args;
}

const { mode, url, concurrency, secs } = parseArgs(process.argv.slice(2));
const port = Number(url.port);
const request = `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`;
const started = performance.now();
const deadline = started + secs * 1000;
const state = { done: 0, running: 0 };

function fail(what) {
  process.stderr.write(`node-floor-client: ${what}\n`);
  process.exit(1);
}

function finish() {
  state.running -= 1;
  if (state.running === 0) process.stdout.write(`${state.done} requests in ${((performance.now() - started) / 1000).toFixed(2)}s\n`);
}

const shared = Buffer.allocUnsafe(64 * 1024); // every read lands here and is dropped

function netLoop() {
  const once = () => {
    if (performance.now() >= deadline) return finish();
    const socket = net.connect({ port, host: '127.0.0.1', onread: { buffer: shared, callback: () => true } });
    socket.on('connect', () => socket.write(request));
    socket.on('end', () => {
      state.done += 1;
      socket.destroy();
      once();
    });
    socket.on('error', (err) => fail(`net: ${err.message}`));
  };
  return once;
}

function rawLoop() {
  const { TCP, TCPConnectWrap, constants } = process.binding('tcp_wrap');
  const { WriteWrap, streamBaseState, kReadBytesOrError } = process.binding('stream_wrap');
  const EOF = -4095; // UV_EOF
  const once = () => {
    if (performance.now() >= deadline) return finish();
    const handle = new TCP(constants.SOCKET);
    handle.onread = () => {
      const n = streamBaseState[kReadBytesOrError];
      if (n > 0) return;
      handle.readStop();
      handle.close();
      if (n !== EOF) fail(`raw: read error ${n}`);
      state.done += 1;
      once();
    };
    const req = new TCPConnectWrap();
    req.oncomplete = (status) => {
      if (status !== 0) fail(`raw: connect error ${status}`);
      const write = new WriteWrap();
      write.handle = handle;
      write.oncomplete = () => {};
      write.async = false;
      const err = handle.writeLatin1String(write, request);
      if (err !== 0) fail(`raw: write error ${err}`);
      handle.readStart();
    };
    const err = handle.connect(req, '127.0.0.1', port);
    if (err !== 0) fail(`raw: connect error ${err}`);
  };
  return once;
}

for (let i = 0; i < concurrency; i++) {
  state.running += 1;
  (mode === 'net' ? netLoop() : rawLoop())();
}
