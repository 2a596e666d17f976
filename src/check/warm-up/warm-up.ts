import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import { createServer as createTlsServer } from 'node:tls';
import type { CheckResult, CheckStatus } from '../../domain/check-result.js';
import { defineHttpCheck, defineTcpCheck, type CheckSpec } from '../../domain/check-spec.js';
import type { Clients } from '../clients.js';
import { executeCheck } from '../index.js';
import { WARM_UP_CERT_PEM, WARM_UP_KEY_PEM } from './warm-up-certificate.js';

/**
 * One-shot checks (`vigil check`, `POST /api/v1/targets/test` on a fresh daemon) pay for the
 * process's first use of each code path — lazy compilation of the connect, TLS and HTTP/1.1
 * code, Node's lazily loaded internals, OpenSSL's first handshake — and that cost landed in
 * the phases (docs/performance.md "One-shot timings"). The warm-up runs the same executor
 * once per path against a listener inside this process, on loopback, before the measured
 * check, so the measured check's phases hold the network's time, as curl's do.
 */
export type WarmUpPath = 'http' | 'https' | 'tcp';

interface WarmUpCheck {
  readonly path: WarmUpPath;
  /** the warm-up check's own status (it should be `up`; anything else is reported, not thrown) */
  readonly status: CheckStatus;
}

export interface WarmUpReport {
  readonly checks: readonly WarmUpCheck[];
  /** performance.now() once every warm-up check and its listener were done */
  readonly finishedAtMs: number;
}

/** Bounded: a warm-up never holds a one-shot check back for long. */
const WARM_UP_TIMEOUT_MS = 2_000;
const RESPONSE = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok';

/** The paths a spec's check will take: plain HTTP for http://, plain and TLS for https:// (or a redirect that may go there). */
export function warmUpPathsFor(spec: CheckSpec): WarmUpPath[] {
  if (spec.kind === 'tcp') return ['tcp'];
  // A TLS handshake without HTTP: the https path warms the same TLS code.
  if (spec.kind === 'tls') return ['https'];
  // A DNS question opens no connection of the kinds warmed here.
  if (spec.kind === 'dns' || spec.kind === 'heartbeat') return [];
  const isTls = spec.url.startsWith('https:');
  if (isTls) return ['http', 'https'];
  return spec.followRedirects ? ['http', 'https'] : ['http'];
}

/**
 * Runs one throwaway check per path against an in-process loopback listener, with the
 * caller's clients (the same clock, parser pool and plan cache; the SSRF guard lifted and the
 * warm-up certificate trusted only for these checks). Never throws: a warm-up that fails
 * (or finds no loopback to listen on) is reported as its check's status, and the real check
 * runs anyway.
 */
export async function warmUpExecutor(clients: Clients, paths: readonly WarmUpPath[]): Promise<WarmUpReport> {
  const checks: WarmUpCheck[] = [];
  const warmClients: Clients = {
    ...clients,
    allowPrivateTargets: true,
    secureContext: { verify: createSecureContext({ ca: WARM_UP_CERT_PEM }), insecure: clients.secureContext.insecure },
  };
  for (const path of paths) {
    const server = path === 'https' ? createTlsServer({ cert: WARM_UP_CERT_PEM, key: WARM_UP_KEY_PEM }, answer) : createNetServer(answer);
    let port: number;
    try {
      port = await listen(server);
    } catch {
      // no loopback listener here (a sandbox without 127.0.0.1): nothing to warm against
      checks.push({ path, status: 'error' });
      continue;
    }
    try {
      const result = await executeCheck(warmUpSpec(path, port), warmClients);
      checks.push({ path, status: result.status });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
  return { checks, finishedAtMs: performance.now() };
}

function warmUpSpec(path: WarmUpPath, port: number): CheckSpec {
  const budgets = { timeoutMs: WARM_UP_TIMEOUT_MS, connectTimeoutMs: WARM_UP_TIMEOUT_MS };
  if (path === 'tcp') return defineTcpCheck({ kind: 'tcp', host: '127.0.0.1', port, ...budgets });
  return defineHttpCheck({ url: `${path}://127.0.0.1:${port}/`, keyword: 'ok', ...budgets });
}

function listen(server: Server): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

/** The listener's side: read the request head, answer 200 "ok", close (server first, as a real server does after `connection: close`). */
function answer(socket: Socket): void {
  let head = '';
  socket.setEncoding('latin1');
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    head += chunk;
    if (head.includes('\r\n\r\n')) socket.end(RESPONSE);
    else if (head.length > 16_384) socket.destroy();
  });
}

export interface OneShotOutcome {
  readonly warmUp: WarmUpReport;
  readonly result: CheckResult;
}

/**
 * A check run once in a process that has not run one yet (`vigil check`): the warm-up for
 * the paths it takes, then the check itself. Only the check's result is reported; the
 * warm-up's report says what was warmed and when it was done.
 */
export async function executeOneShotCheck(spec: CheckSpec, clients: Clients): Promise<OneShotOutcome> {
  const warmUp = await warmUpExecutor(clients, warmUpPathsFor(spec));
  const result = await executeCheck(spec, clients);
  return { warmUp, result };
}
