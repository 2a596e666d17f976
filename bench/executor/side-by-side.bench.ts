/**
 * Our executor next to the alternatives, in the same run, against the same server in another
 * process ("2c": only the client's CPU is counted). Each variant runs in a process of its own
 * (bench/harness/isolated.ts: so each pays exactly its own GC), its batches interleaved round
 * by round with the others'.
 */
import type { BenchContext, BenchDefinition } from '../harness/bench-types.js';
import { interleavedIsolated } from '../harness/isolated.js';
import { startRemoteTargets } from '../targets/remote-targets.js';
import type { TargetPorts } from '../targets/target-servers.js';
import { COMPARE_VARIANTS, type CompareBench } from './compare-variants.js';

interface Shape {
  readonly count: number;
  readonly concurrency: number;
  readonly rounds: number;
  /**
   * Checks per variant before the measured rounds (default: count). The TLS benches' batches
   * are short (300 checks), and one of them does not warm up a fresh process: TurboFan kept
   * compiling the larger code path (ours) through the first rounds, so per-round ratios fell
   * from ~1.3× to ~1.1× across a run (docs/performance.md, "Warm-up").
   */
  readonly warmup?: number;
}

function shape(ctx: BenchContext, full: Shape): Shape & { log: (line: string) => void } {
  const quick = { count: 20, concurrency: Math.min(4, full.concurrency), rounds: 1, warmup: 20 };
  return { ...(ctx.isQuick ? quick : full), log: (line) => ctx.log(line) };
}

// Under tsx (the smoke test) this module is .ts and so is its sibling; compiled, both are .js.
const CHILD = new URL(`./variant-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

function compareBench(name: CompareBench, question: string, full: Shape): BenchDefinition {
  return {
    name,
    question,
    run: async (ctx) => {
      const targets = await startRemoteTargets();
      try {
        const ports: TargetPorts = { http1Port: targets.http1Port, h2cPort: targets.h2cPort, httpsPort: targets.httpsPort, h2TlsPort: targets.h2TlsPort };
        return await interleavedIsolated(name, COMPARE_VARIANTS[name], CHILD, ports, shape(ctx, full));
      } finally {
        await targets.close();
      }
    },
  };
}

const http1 = compareBench(
  'compare/http1',
  'What does our fresh HTTP/1.1 check cost in client CPU next to node:http (agent: false), undici (a connection per request) and a raw socket (the floor)?',
  { count: 2000, concurrency: 32, rounds: 11 },
);

const h2c = compareBench(
  'compare/h2c',
  'What does our pooled h2c check cost in client CPU next to a bare node:http2 request on one session?',
  { count: 10_000, concurrency: 64, rounds: 11 },
);

const tls = compareBench(
  'compare/tls',
  'Does our fresh HTTPS check cost about one TLS handshake plus a request, i.e. is nothing but the handshake added (the SecureContext shared)?',
  { count: 300, concurrency: 8, rounds: 11, warmup: 3000 },
);

const h2Tls = compareBench(
  'compare/h2-tls',
  'Does our fresh HTTPS check that negotiates h2 cost about a raw TLS handshake plus one hand-framed h2 request?',
  { count: 300, concurrency: 8, rounds: 11, warmup: 3000 },
);

export const SIDE_BY_SIDE_BENCHES: readonly BenchDefinition[] = [http1, h2c, tls, h2Tls];
