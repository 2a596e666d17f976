import { cpus, loadavg, platform, release } from 'node:os';
import type { Environment } from './bench-types.js';

export function describeEnvironment(now = new Date()): Environment {
  const cores = cpus();
  return {
    node: process.version,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cpuCount: cores.length,
    platform: `${platform()} ${release()}`,
    date: now.toISOString(),
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

export function formatEnvironment(env: Environment): string {
  return [
    `node ${env.node} · ${env.cpuModel} × ${env.cpuCount} · ${env.platform}`,
    `date ${env.date} · load average ${env.loadAverage.join(' ')}`,
  ].join('\n');
}
