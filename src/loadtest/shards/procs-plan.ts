import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { MAX_PROCS } from '../options/knob-parsers.js';
import type { LoadTestOptions } from '../options/load-test-options.js';

/** How many fds one process may hold, and how many it holds already. */
export interface FdBudget {
  readonly limit: number;
  readonly openAtStart: number;
}

export type ProcsPlan = { readonly ok: true; readonly procs: number; readonly reason: string } | { readonly ok: false; readonly problem: string };

/** Listeners, IPC, the mock thread, stdio, the event loop, DNS and slack. */
const BASE_RESERVE_FDS = 256;
/** an HTTP/1 check in flight holds the client socket and, in the same process, the mock's socket */
const HTTP1_FDS_PER_CHECK = 2;
/** with MOCK_URLS the mocks' sockets are another process's */
const HTTP1_FDS_PER_CHECK_EXTERNAL = 1;

function http1FdsPerCheck(options: LoadTestOptions): number {
  return options.mockUrls === null ? HTTP1_FDS_PER_CHECK : HTTP1_FDS_PER_CHECK_EXTERNAL;
}
/** h2 sessions the executor keeps per origin (buildClients default), client + server side */
const H2_FDS_PER_ORIGIN = 4 * 2;

/** Reads the soft RLIMIT_NOFILE (Node raises soft to hard at start-up) and the fds already open. */
export function readFdBudget(): FdBudget {
  let limit = Number.NaN;
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m !== null) limit = m[1] === 'unlimited' ? 1_048_576 : Number(m[1]);
  } catch {
    const out = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2_000 });
    const text = out.stdout.trim();
    limit = text === 'unlimited' ? 1_048_576 : Number(text);
  }
  if (!Number.isFinite(limit) || limit <= 0) limit = 1024;
  let openAtStart = 32;
  try {
    openAtStart = readdirSync('/proc/self/fd').length;
  } catch {
    // not Linux: keep the estimate
  }
  return { limit, openAtStart };
}

/** Workers one process can run without running out of fds. */
function workersPerProcess(options: LoadTestOptions, budget: FdBudget): number {
  const listeners = options.mockUrls === null ? options.mockPorts : 0;
  const fixed = BASE_RESERVE_FDS + budget.openAtStart + listeners + options.mockPorts * (options.http2 ? H2_FDS_PER_ORIGIN : 0);
  const free = budget.limit - fixed;
  if (free <= 0) return 0;
  return options.http2 ? Number.POSITIVE_INFINITY : Math.floor(free / http1FdsPerCheck(options));
}

/**
 * Chooses the process count: PROCS=auto takes as few as the fd budget allows; an explicit
 * PROCS is honoured when it fits. Pure.
 */
export function planProcs(options: LoadTestOptions, budget: FdBudget): ProcsPlan {
  const perProc = workersPerProcess(options, budget);
  const limitText = `one process may hold ${budget.limit} fds (ulimit -n)`;
  if (perProc === 0) return { ok: false, problem: `cannot run: ${limitText}, too few for ${options.mockPorts} mock listeners and the harness itself` };
  const needed = Math.max(1, Math.ceil(options.concurrency / perProc));
  const why = options.http2
    ? `h2 multiplexes every worker over ${options.mockPorts} x 4 sessions, so fds do not limit it`
    : `${options.concurrency} HTTP/1 workers hold ${http1FdsPerCheck(options)} fds each (${options.mockUrls === null ? 'client socket + in-process mock socket' : 'the client socket; MOCK_URLS mocks are another process'}) and ${limitText}: at most ${perProc} workers per process`;
  if (needed > MAX_PROCS) {
    return { ok: false, problem: `cannot fit: ${why}, so CONCURRENCY=${options.concurrency} needs ${needed} processes (at most ${MAX_PROCS}); raise ulimit -n or use HTTP2=1` };
  }
  if (options.procs === 'auto') {
    return { ok: true, procs: needed, reason: needed === 1 ? `fits one process: ${why}` : `sharded over ${needed} processes${options.mockUrls === null ? ', each with its own mocks' : ''}: ${why}` };
  }
  if (options.procs > options.concurrency) {
    return { ok: false, problem: `PROCS=${options.procs} is more than CONCURRENCY=${options.concurrency}: every process needs at least one worker` };
  }
  if (options.procs < needed) {
    return { ok: false, problem: `PROCS=${options.procs} cannot fit: ${why}, so CONCURRENCY=${options.concurrency} needs PROCS>=${needed} (or PROCS=auto)` };
  }
  return { ok: true, procs: options.procs, reason: `as requested; ${needed === 1 ? 'one would fit' : `at least ${needed} needed`}: ${why}` };
}
