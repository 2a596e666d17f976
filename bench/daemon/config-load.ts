/**
 * What reading a large config file costs: `parseDaemonConfig` of the file
 * `cluster-scale.ts` writes (N targets in flow style), CPU and wall time, and which YAML
 * reader took it (js-yaml for a file without aliases, the `yaml` document model otherwise).
 *
 *   npm run build && node dist/bench/daemon/config-load.js --targets 100000
 */
import { cpus, loadavg } from 'node:os';
import { parseDocument } from 'yaml';
import { parseDaemonConfig } from '../../src/config/daemon-config.js';
import { readYamlTree } from '../../src/config/yaml-tree.js';
import { scaleConfigText } from './scale-config.js';

const i = process.argv.indexOf('--targets');
const targets = i < 0 ? 100_000 : Number(process.argv[i + 1]);
if (!Number.isInteger(targets) || targets < 1 || targets > 1_000_000) throw new Error('--targets: expected an integer from 1 to 1000000');

const text = scaleConfigText(targets, 60_000, (k) => `http://127.0.0.${1 + (k % 4)}:${9000 + (k % 4)}/t${k}`);
const measure = (name: string, f: () => unknown): void => {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  f();
  const c = process.cpuUsage(c0);
  process.stdout.write(`${name.padEnd(34)} ${((performance.now() - w0) / 1000).toFixed(2)} s wall  ${((c.user + c.system) / 1e6).toFixed(2)} s CPU\n`);
};
process.stdout.write(`${new Date().toISOString()}  node ${process.version}  ${cpus().length} CPUs  load ${loadavg().map((l) => l.toFixed(2)).join(' ')}  ${targets} targets, ${(text.length / 1e6).toFixed(1)} MB\n`);
measure('yaml parseDocument + toJS (before)', () => parseDocument(text, { prettyErrors: true, uniqueKeys: true }).toJS({ maxAliasCount: 1_000 }));
measure(`readYamlTree (${readYamlTree('a: 1').via})`, () => readYamlTree(text));
measure('parseDaemonConfig (whole file)', () => parseDaemonConfig(text));
