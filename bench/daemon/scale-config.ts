/** The config file of the cluster-scale bench: N targets at one interval, one flow-style line each. */
export function scaleConfigText(targets: number, intervalMs: number, urlOf: (i: number) => string): string {
  const lines = ['defaults:', '  allowPrivateTargets: true', `  interval: ${intervalMs / 1000}s`, 'targets:'];
  for (let i = 0; i < targets; i += 1) lines.push(`  - { id: t${i}, name: t${i}, check: { url: "${urlOf(i)}" }, timeout: 5s }`);
  return `${lines.join('\n')}\n`;
}
