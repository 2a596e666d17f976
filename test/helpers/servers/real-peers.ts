import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureCertPath } from '../certs.js';

/**
 * Real HTTP/2 servers other than node:http2, run as child processes on 127.0.0.1 ports we
 * pick by binding port 0 first: nghttpd (nghttp2's server, h2c or TLS) and nginx (TLS with
 * ALPN h2). Each serves a temp docroot the caller fills. `missingReason()` says why a test
 * must skip (binary absent); .ci/run installs both so CI runs them.
 */
export interface RealPeer {
  readonly port: number;
  /** e.g. http://127.0.0.1:PORT or https://127.0.0.1:PORT (no trailing slash) */
  readonly origin: string;
  close(): Promise<void>;
}

/** A docroot: `files` maps a path below it (no leading slash) to its content. */
export type Docroot = Readonly<Record<string, string | Buffer>>;

export function missingBinary(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? undefined : `${name} is not installed (Debian: ${name === 'nghttpd' ? 'nghttp2-server' : name}); .ci/run installs it`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function waitForPort(port: number, child: ChildProcess, output: () => string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) return reject(new Error(`server exited (${child.exitCode}): ${output()}`));
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`server did not listen on ${port} within ${timeoutMs} ms: ${output()}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

function writeDocroot(dir: string, files: Docroot): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
  }
}

async function run(command: string, args: string[], port: number, dir: string): Promise<RealPeer & { origin: string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + String(d)).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + String(d)).slice(-4000)));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, () => output);
  } catch (err) {
    await close();
    throw err;
  }
  return { port, origin: '', close };
}

/** nghttpd serving `files`; with `echoUpload` a POST is answered with its own body. */
export async function startNghttpd(options: { tls: boolean; files: Docroot; echoUpload?: boolean }): Promise<RealPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-nghttpd-'));
  writeDocroot(join(dir, 'www'), options.files);
  const port = await freePort();
  const args = ['--address=127.0.0.1', `--htdocs=${join(dir, 'www')}`];
  if (options.echoUpload === true) args.push('--echo-upload');
  if (options.tls) args.push(String(port), fixtureCertPath('valid-key.pem'), fixtureCertPath('valid.pem'));
  else args.push('--no-tls', String(port));
  const peer = await run('nghttpd', args, port, dir);
  return { ...peer, origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}` };
}

/** nginx's version as [major, minor, patch] (nginx -v prints to stderr). */
function nginxVersion(): [number, number, number] {
  const out = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(`${out.stderr}${out.stdout}`);
  return match === null ? [0, 0, 0] : [Number(match[1]), Number(match[2]), Number(match[3])];
}

/**
 * nginx with HTTP/2 over TLS (the `valid` fixture certificate): `/` and the docroot's files,
 * `/redirect` (302 to `/`), `/gzip.txt` gzip-encoded, `/post` answering any method with
 * "posted" (nginx reads and discards the request body). `http2 on` from nginx 1.25.1, the
 * `listen … http2` parameter before it.
 */
export async function startNginx(options: { files: Docroot }): Promise<RealPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-nginx-'));
  // nginx's workers drop to an unprivileged user when started as root: they must read the docroot.
  chmodSync(dir, 0o755);
  writeDocroot(join(dir, 'www'), options.files);
  const port = await freePort();
  const [major, minor, patch] = nginxVersion();
  const hasHttp2Directive = major > 1 || (major === 1 && (minor > 25 || (minor === 25 && patch >= 1)));
  const listen = hasHttp2Directive ? `listen 127.0.0.1:${port} ssl;\n    http2 on;` : `listen 127.0.0.1:${port} ssl http2;`;
  const conf = `worker_processes 1;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  types { text/plain txt; application/octet-stream bin; }
  server {
    ${listen}
    ssl_certificate ${fixtureCertPath('valid.pem')};
    ssl_certificate_key ${fixtureCertPath('valid-key.pem')};
    root ${dir}/www;
    client_max_body_size 64m;
    gzip on;
    gzip_min_length 1;
    gzip_types text/plain;
    location = /redirect { return 302 /index.txt; }
    location = /post { return 200 "posted"; }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const peer = await run('nginx', ['-p', dir, '-c', 'nginx.conf', '-g', `daemon off; pid ${dir}/pid; error_log stderr;`], port, dir);
  return { ...peer, origin: `https://127.0.0.1:${port}` };
}
