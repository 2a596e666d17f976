/**
 * Latency of one check awaited alone, through mitata, in two topologies: "1c" — the mock
 * server on the bench's own event loop (its CPU and scheduling are in the number), and "2c" —
 * the server in a child process, so the number is our client plus the loopback round trip.
 */
import { executeCheck } from '../../src/check/index.js';
import type { BenchDefinition, BenchRow } from '../harness/bench-types.js';
import { measureLatency } from '../harness/mitata-row.js';
import { startRemoteTargets } from '../targets/remote-targets.js';
import { startTargets, type Targets } from '../targets/target-servers.js';
import { executorSetup } from './setup.js';

type Topology = '1c' | '2c';

function singleCall(topology: Topology): BenchDefinition {
  const bench = `executor/single-call-${topology}`;
  return {
    name: bench,
    question:
      topology === '1c'
        ? 'How long does one check take (HTTP/1.1 fresh, h2c pooled, HTTPS fresh) with the server on the same event loop?'
        : 'How long does one check take (HTTP/1.1 fresh, h2c pooled, HTTPS fresh) with the server in another process?',
    async run(ctx) {
      const targets: Targets = topology === '1c' ? await startTargets() : await startRemoteTargets();
      const setup = executorSetup(targets);
      const rows: BenchRow[] = [];
      let failures = 0;
      const check = (spec: typeof setup.http1Fresh) => async () => {
        if ((await executeCheck(spec, setup.clients)).status !== 'up') failures++;
      };
      try {
        for (const [variant, spec] of [
          ['http1-fresh', setup.http1Fresh],
          ['h2c-pooled', setup.h2cPooled],
          ['https-fresh', setup.httpsFresh],
        ] as const) {
          failures = 0;
          const row = await measureLatency(ctx, { bench, variant }, check(spec), 'µs');
          rows.push(failures > 0 ? { ...row, failures } : row);
        }
        return rows;
      } finally {
        await setup.clients.close();
        await targets.close();
      }
    },
  };
}

export const SINGLE_CALL_BENCHES: readonly BenchDefinition[] = [singleCall('1c'), singleCall('2c')];
