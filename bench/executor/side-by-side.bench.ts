/**
 * Our executor next to the alternatives, in the same run, against the same server in another
 * process ("2c": only the client's CPU is counted), variants interleaved round by round.
 */
import { connect as http2Connect } from 'node:http2';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { BenchContext, BenchDefinition, BenchRow } from '../harness/bench-types.js';
import { interleaved } from '../harness/cpu-batch.js';
import { startRemoteTargets } from '../targets/remote-targets.js';
import { fixtureCaPem, type Targets } from '../targets/target-servers.js';
import { bareHttp2, CHECK_LIKE_H2_HEADERS, nodeHttpAgentFalse, oursCheck, oursH2Engine, oursH2Pool, rawSocket, rawTlsRequest, tlsHandshakeOnly, undiciFresh } from './alternatives.js';
import { executorSetup } from './setup.js';

interface Shape {
  readonly count: number;
  readonly concurrency: number;
  readonly rounds: number;
}

function shape(ctx: BenchContext, full: Shape): Shape & { log: (line: string) => void } {
  const quick = { count: 20, concurrency: Math.min(4, full.concurrency), rounds: 1 };
  return { ...(ctx.isQuick ? quick : full), log: (line) => ctx.log(line) };
}

async function withTargets<T>(fn: (targets: Targets) => Promise<T>): Promise<T> {
  const targets = await startRemoteTargets();
  try {
    return await fn(targets);
  } finally {
    await targets.close();
  }
}

const http1: BenchDefinition = {
  name: 'compare/http1',
  question: 'What does our fresh HTTP/1.1 check cost in client CPU next to node:http (agent: false), undici (a connection per request) and a raw socket (the floor)?',
  run: (ctx) =>
    withTargets(async (targets) => {
      const setup = executorSetup(targets);
      try {
        const variants = [
          { name: 'ours-fresh', fn: oursCheck(setup.http1Fresh, setup.clients) },
          { name: 'node-http-agent-false', fn: nodeHttpAgentFalse(targets.http1Port) },
          { name: 'undici-fresh', fn: undiciFresh(targets.http1Port) },
          { name: 'raw-socket', fn: rawSocket(targets.http1Port) },
        ];
        return await interleaved('compare/http1', variants, shape(ctx, { count: 2000, concurrency: 32, rounds: 11 }));
      } finally {
        await setup.clients.close();
      }
    }),
};

const h2c: BenchDefinition = {
  name: 'compare/h2c',
  question: 'What does our pooled h2c check cost in client CPU next to a bare node:http2 request on one session?',
  run: (ctx) =>
    withTargets(async (targets) => {
      // one pooled session, like the bare variant: the same shape of work on the wire
      const setup = executorSetup(targets, { h2SessionsPerOrigin: 1 });
      const session = http2Connect(`http://127.0.0.1:${targets.h2cPort}`);
      await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
      try {
        const variants = [
          { name: 'ours-pooled', fn: oursCheck(setup.h2cPooled, setup.clients) },
          { name: 'bare-node-http2', fn: bareHttp2(session) },
          // the same request headers as ours: separates header cost from engine cost
          { name: 'bare-node-http2-check-headers', fn: bareHttp2(session, CHECK_LIKE_H2_HEADERS) },
          // our layers one by one: the engine alone on the bare session, then pool + engine
          { name: 'ours-engine-only', fn: oursH2Engine(session, setup.h2cPooled, setup.clients) },
          { name: 'ours-pool-and-engine', fn: oursH2Pool(setup.h2cPooled, setup.clients) },
        ];
        return await interleaved('compare/h2c', variants, shape(ctx, { count: 10_000, concurrency: 64, rounds: 11 }));
      } finally {
        session.close();
        await setup.clients.close();
      }
    }),
};

const tls: BenchDefinition = {
  name: 'compare/tls',
  question: 'Does our fresh HTTPS check cost about one TLS handshake plus a request, i.e. is nothing but the handshake added (the SecureContext shared)?',
  run: (ctx) =>
    withTargets(async (targets): Promise<BenchRow[]> => {
      const setup = executorSetup(targets);
      const secureContext = createSecureContext({ ca: [...rootCertificates, fixtureCaPem()] });
      try {
        const variants = [
          { name: 'ours-fresh-https', fn: oursCheck(setup.httpsFresh, setup.clients) },
          { name: 'ours-fresh-http1', fn: oursCheck(setup.http1Fresh, setup.clients) },
          { name: 'raw-tls-request', fn: rawTlsRequest(targets.httpsPort, secureContext) },
          { name: 'tls-handshake-only', fn: tlsHandshakeOnly(targets.httpsPort, secureContext) },
          { name: 'raw-socket', fn: rawSocket(targets.http1Port) },
        ];
        return await interleaved('compare/tls', variants, shape(ctx, { count: 300, concurrency: 8, rounds: 11 }));
      } finally {
        await setup.clients.close();
      }
    }),
};

export const SIDE_BY_SIDE_BENCHES: readonly BenchDefinition[] = [http1, h2c, tls];
