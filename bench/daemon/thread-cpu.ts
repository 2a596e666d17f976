/**
 * CPU time actually used (not wall time), split into the main thread — the event loop that
 * schedules and runs every check — and the whole process (mock-target and storage worker
 * threads included). Linux only: the main thread's utime+stime come from
 * /proc/self/task/<pid>/stat; elsewhere `mainMs` is null.
 */
import { readFileSync } from 'node:fs';

export interface CpuSample {
  /** main-thread user+system CPU, ms (null when /proc is not available) */
  readonly mainMs: number | null;
  /** whole-process user+system CPU, ms */
  readonly processMs: number;
  /** event-loop utilization of the main thread since the previous sample (wall-clock share, 0..1) */
  readonly elu: ReturnType<typeof performance.eventLoopUtilization>;
}

/** clock ticks per second of /proc stat times; 100 on every Linux Node supports */
const TICKS_PER_SECOND = 100;

function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // fields after the parenthesised command name; utime and stime are fields 14 and 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export function sampleCpu(): CpuSample {
  const usage = process.cpuUsage();
  return { mainMs: mainThreadCpuMs(), processMs: (usage.user + usage.system) / 1000, elu: performance.eventLoopUtilization() };
}

export interface CpuReport {
  /** main-thread CPU per completed check, ms */
  readonly mainMsPerCheck: number | null;
  /** main-thread CPU as a share of one core */
  readonly mainCoreShare: number | null;
  /** whole-process CPU as cores used */
  readonly processCores: number;
  /** main event loop busy share (wall clock) */
  readonly eventLoopUtilization: number;
}

export function cpuBetween(from: CpuSample, to: CpuSample, wallMs: number, checks: number): CpuReport {
  const mainMs = from.mainMs === null || to.mainMs === null ? null : to.mainMs - from.mainMs;
  const round = (n: number, digits: number) => Number(n.toFixed(digits));
  return {
    mainMsPerCheck: mainMs === null || checks === 0 ? null : round(mainMs / checks, 3),
    mainCoreShare: mainMs === null ? null : round(mainMs / wallMs, 3),
    processCores: round((to.processMs - from.processMs) / wallMs, 3),
    eventLoopUtilization: round(performance.eventLoopUtilization(to.elu, from.elu).utilization, 3),
  };
}
