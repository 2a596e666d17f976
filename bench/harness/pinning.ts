import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** Set by the bench entry when it pinned itself: the CPU the target servers' process gets. */
export const SERVER_CPU_ENV = 'VIGIL_BENCH_SERVER_CPU';

/**
 * Pins a process to one CPU with `taskset` (util-linux). Returns false, changing nothing, when
 * taskset is missing or refuses. Children forked afterwards inherit the CPU.
 */
export function pinToCpu(pid: number, cpu: number): boolean {
  try {
    execFileSync('taskset', ['-pc', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The bench topology on a machine with two CPUs or more: the bench process (and the variant
 * processes it forks) on CPU 0, the target servers on the last CPU. Unpinned, the scheduler
 * placed each process anew, and a process that shared a core with the server (or did not)
 * kept that placement for its whole run: one compare variant measured up to 15 % apart from
 * an identical one. Returns the line the report prints.
 */
export function pinBenchTopology(): string {
  const cpuCount = availableParallelism();
  if (cpuCount < 2) return 'not pinned (one CPU)';
  const serverCpu = cpuCount - 1;
  if (!pinToCpu(process.pid, 0)) return 'not pinned (taskset is not available)';
  process.env[SERVER_CPU_ENV] = String(serverCpu);
  return `pinned: bench processes on CPU 0, target servers on CPU ${serverCpu}`;
}
