/**
 * Bytes of main heap per target that a daemon keeps for its running set: the validated
 * definitions (as `parseDaemonConfig` returns them for the file `cluster-scale.ts` writes),
 * the registry (maps by id and name, the redacted view the API and status page read) and a
 * scheduler slot (only targets a node arms; a cluster node arms its shards' share). Measured
 * as used heap after forced full collections, between steps.
 *
 *   node --expose-gc --import tsx bench/daemon/target-memory.ts --targets 100000
 */
import { getHeapStatistics } from 'node:v8';
import { parseDaemonConfig } from '../../src/config/daemon-config.js';
import { TargetRegistry } from '../../src/daemon/target-registry.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { createSystemClock } from '../../src/scheduler/clock.js';
import { scaleConfigText } from './scale-config.js';

const i = process.argv.indexOf('--targets');
const targets = i < 0 ? 100_000 : Number(process.argv[i + 1]);
if (!Number.isInteger(targets) || targets < 1 || targets > 1_000_000) throw new Error('--targets: expected an integer from 1 to 1000000');
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('run with node --expose-gc');
const used = (): number => {
  collect();
  collect();
  return getHeapStatistics().used_heap_size;
};
const report = (what: string, bytes: number): void => {
  process.stdout.write(`${what.padEnd(44)} ${(bytes / 1_048_576).toFixed(1).padStart(6)} MiB  ${(bytes / targets).toFixed(0).padStart(5)} B/target\n`);
};

let text: string | null = scaleConfigText(targets, 60_000, (k) => `http://127.0.0.${1 + (k % 4)}:${9000 + (k % 4)}/t${k}`);
const h0 = used();
const config = parseDaemonConfig(text);
text = null; // what the definitions keep of it (js-yaml hands out slices of the text) counts in them
const h1 = used();
report('definitions (parseDaemonConfig)', h1 - h0);
const registry = new TargetRegistry();
for (const t of config.targets) registry.set(t);
const h2 = used();
report('registry (by id, by name, redacted views)', h2 - h1);
const scheduler = new Scheduler({ clock: createSystemClock(), run: () => Promise.resolve() });
for (const t of config.targets) scheduler.upsert(t.id, t.intervalMs);
const h3 = used();
report('scheduler slots (every target armed)', h3 - h2);
report('total', h3 - h0);
process.stdout.write(`(${registry.size} targets, ${scheduler.counters().targets} armed)\n`);
