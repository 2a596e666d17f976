import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildClients, startCheck, type Clients } from '../../check/index.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, defineHttpCheck, type HttpCheckSpec } from '../../domain/check-spec.js';
import { generateMockCertificate, type MockCertificate } from '../mock-servers/mock-cert.js';
import { startMockHost, type MockHost } from '../mock-servers/mock-host.js';
import type { LoadTestOptions } from '../options/load-test-options.js';
import type { ShardSummary } from '../stats/shard-stats.js';
import { driveOpenLoop } from './drive-open-loop.js';
import { driveWorkers, type DriveHandle } from './drive-workers.js';

/** Which slice of the workers a shard runs: global worker i belongs to shard i mod count. */
export interface ShardSlice {
  readonly index: number;
  readonly count: number;
}

export interface ShardProgress {
  readonly checks: number;
  readonly errors: number;
  readonly inFlight: number;
}

/** A shard with its mocks started and its clients built, ready to drive load. */
export interface PreparedShard {
  readonly workerCount: number;
  readonly mockUrls: readonly string[];
  /** drives load from `startMs` (performance.now() ms); `progress` is polled by the caller */
  run(startMs: number, stopSignal: AbortSignal, onStarted?: (progress: () => ShardProgress) => void): Promise<ShardSummary>;
  close(): Promise<void>;
}

function workersInSlice(concurrency: number, slice: ShardSlice): number {
  return slice.index >= concurrency ? 0 : Math.floor((concurrency - 1 - slice.index) / slice.count) + 1;
}

/** The spec every worker of one listener runs: exactly what the daemon would build. */
function specForUrl(url: string, options: LoadTestOptions): HttpCheckSpec {
  return defineHttpCheck({
    url,
    expectStatus: 200,
    timeoutMs: options.timeoutMs,
    connectTimeoutMs: Math.min(DEFAULT_CONNECT_TIMEOUT_MS, options.timeoutMs),
    // HTTP2=1: pooled sessions; prior-knowledge is h2c on http:// and ALPN offering only h2 on https://.
    ...(options.http2 ? { connection: 'pooled', http2: 'prior-knowledge' } : { connection: 'fresh' }),
  });
}

/**
 * Starts the mock servers the knobs describe (also used by `--mocks-only`); `sharesProcess`:
 * they serve this process's own workers (mock-host.ts).
 */
export async function startMocksFor(options: LoadTestOptions, sharesProcess = false): Promise<{ mocks: MockHost; cert: MockCertificate | null }> {
  const cert = options.tls ? await generateMockCertificate() : null;
  const mocks: MockHost = await startMockHost({
    count: options.mockPorts,
    http2: options.http2,
    tls: cert === null ? null : { certPem: cert.certPem, keyPem: cert.keyPem },
    delayMs: options.mockDelayMs,
    faults: options.mockFaults,
    slowMs: options.timeoutMs + 1_000,
  }, sharesProcess);
  return { mocks, cert };
}

/** MOCK_URLS: mocks another process serves; this shard starts none and closes none. */
function externalMocks(urls: readonly string[]): { mocks: Pick<MockHost, 'urls' | 'close'>; cert: null } {
  return { mocks: { urls, close: async () => undefined }, cert: null };
}

export async function prepareShard(options: LoadTestOptions, slice: ShardSlice): Promise<PreparedShard> {
  const { mocks, cert } = options.mockUrls === null ? await startMocksFor(options, true) : externalMocks(options.mockUrls);
  const clients: Clients = buildClients({ allowPrivateTargets: true, ...(cert === null ? {} : { ca: cert.caPem }) });
  const specs = mocks.urls.map((url) => specForUrl(url, options));
  const workerCount = workersInSlice(options.concurrency, slice);
  return {
    workerCount,
    mockUrls: mocks.urls,
    run: (startMs, stopSignal, onStarted) => runSlice({ options, slice, specs, clients, workerCount, startMs, stopSignal, onStarted }),
    async close() {
      await clients.close();
      await mocks.close();
    },
  };
}

interface SliceRun {
  readonly options: LoadTestOptions;
  readonly slice: ShardSlice;
  readonly specs: readonly HttpCheckSpec[];
  readonly clients: Clients;
  readonly workerCount: number;
  readonly startMs: number;
  readonly stopSignal: AbortSignal;
  readonly onStarted: ((progress: () => ShardProgress) => void) | undefined;
}

async function runSlice(run: SliceRun): Promise<ShardSummary> {
  const { options, slice, specs, clients } = run;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const handle = options.rate === null ? closedLoop(run) : driveOpenLoop({
    rate: options.rate,
    slice,
    maxInFlight: run.workerCount,
    specFor: (k) => specs[k % specs.length] as HttpCheckSpec,
    startMs: run.startMs,
    durationMs: options.durationSecs * 1000,
    timeoutMs: options.timeoutMs,
    startCheck: (spec, signal, done) => startCheck(spec, clients, { signal }, done),
    stopSignal: run.stopSignal,
  });
  run.onStarted?.(() => ({ checks: handle.stats.checks, errors: handle.stats.errors, inFlight: handle.inFlight() }));
  await handle.done;
  loopDelay.disable();
  return handle.stats.summarize({
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    eventLoopDelayP99Ms: loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : 0,
  });
}

function closedLoop(run: SliceRun): DriveHandle {
  const { options, slice, specs, clients } = run;
  const msPerWorker = (options.rampSecs * 1000) / options.concurrency;
  return driveWorkers({
    workerCount: run.workerCount,
    startOffsetMs: (j) => (slice.index + j * slice.count) * msPerWorker,
    specFor: (j) => specs[j % specs.length] as HttpCheckSpec,
    startMs: run.startMs,
    durationMs: options.durationSecs * 1000,
    rampMs: options.rampSecs * 1000,
    timeoutMs: options.timeoutMs,
    startCheck: (spec, signal, done) => startCheck(spec, clients, { signal }, done),
    stopSignal: run.stopSignal,
  });
}
