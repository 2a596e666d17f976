/** Flags of the daemon scale bench; strict, every bad value named. */
import { parseDurationMs } from '../../src/config/duration.js';

export interface ScaleOptions {
  targets: number;
  intervalMs: number;
  durationMs: number;
  /** loopback addresses 127.0.0.1 … 127.0.0.N */
  addresses: number;
  portsPerAddress: number;
  maxInFlight: number;
  jsonPath: string | null;
}

export const SCALE_USAGE = `Usage: node --import tsx bench/daemon/scale.ts [options]
  --targets <n>         targets (default 10000)
  --interval <dur>      check interval per target (default 10s)
  --duration <dur>      measured run after the first full interval (default 1m)
  --addresses <n>       loopback addresses 127.0.0.1..n for mock targets (default 4)
  --ports <n>           mock ports per address (default 4)
  --max-in-flight <n>   global in-flight cap (default 1024)
  --json <file>         also write the report as JSON`;

export function parseScaleOptions(argv: readonly string[]): ScaleOptions {
  const o: ScaleOptions = { targets: 10_000, intervalMs: 10_000, durationMs: 60_000, addresses: 4, portsPerAddress: 4, maxInFlight: 1024, jsonPath: null };
  const int = (flag: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v);
    if (v === undefined || !/^\d+$/.test(v) || n < min || n > max) throw new Error(`${flag}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return n;
  };
  const dur = (flag: string, v: string | undefined, minMs: number): number => {
    const ms = parseDurationMs(v);
    if (ms === null || ms < minMs) throw new Error(`${flag}: expected a duration such as 30s or 5m (at least ${minMs} ms), got ${JSON.stringify(v)}`);
    return ms;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const v = argv[++i];
    if (flag === '--targets') o.targets = int(flag, v, 1, 200_000);
    else if (flag === '--interval') o.intervalMs = dur(flag, v, 1_000);
    else if (flag === '--duration') o.durationMs = dur(flag, v, 1_000);
    else if (flag === '--addresses') o.addresses = int(flag, v, 1, 250);
    else if (flag === '--ports') o.portsPerAddress = int(flag, v, 1, 64);
    else if (flag === '--max-in-flight') o.maxInFlight = int(flag, v, 1, 16_384);
    else if (flag === '--json') o.jsonPath = v ?? '';
    else throw new Error(`${flag}: unknown option\n${SCALE_USAGE}`);
  }
  return o;
}
