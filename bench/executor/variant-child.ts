/**
 * A compare variant in a process of its own (bench/harness/isolated.ts): builds the variant
 * it is told to, runs the batches it is sent, and exits when the parent disconnects (or
 * dies), so it can never outlive the bench.
 */
import type { FromVariantChild, ToVariantChild } from '../harness/isolated.js';
import { runBatch } from '../harness/cpu-batch.js';
import type { TargetPorts } from '../targets/target-servers.js';
import { buildCompareVariant, type BuiltVariant } from './compare-variants.js';

function reply(message: FromVariantChild): void {
  process.send?.(message);
}

function serve(): void {
  let built: BuiltVariant | null = null;
  process.on('message', (message: ToVariantChild) => {
    void (async () => {
      try {
        if (message.type === 'build') {
          built = await buildCompareVariant(message.bench, message.variant, message.setup as TargetPorts);
          return reply({ type: 'ready' });
        }
        if (built === null) throw new Error('run before build');
        reply({ type: 'result', result: await runBatch(built.fn, message.count, message.concurrency) });
      } catch (err) {
        reply({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
  process.on('disconnect', () => {
    void (built?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  });
}

serve();
