import { fork } from 'node:child_process';
import { pinToCpu, SERVER_CPU_ENV } from '../harness/pinning.js';
import type { TargetPorts, Targets } from './target-servers.js';

const START_TIMEOUT_MS = 15_000;

/** Starts the target servers in a child process (the "2c" topology). */
export function startRemoteTargets(): Promise<Targets> {
  // Under tsx (the smoke test) this module is .ts and so is its sibling; compiled, both are .js.
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  // --cpu-prof in the parent must not profile the server too
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof'));
  const child = fork(new URL(`./target-child${extension}`, import.meta.url), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // The bench entry pinned itself to CPU 0 (harness/pinning.ts): the servers get a CPU of their own.
  const serverCpu = process.env[SERVER_CPU_ENV];
  if (serverCpu !== undefined && child.pid !== undefined) pinToCpu(child.pid, Number(serverCpu));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`target server process did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    let isClosing = false;
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (isClosing) return;
      // Every number measured after this would be a refused connection: stop the whole run.
      console.error(`bench: the target server process died (code ${code}, signal ${signal}); results would be meaningless`);
      process.exit(1);
    });
    child.once('message', (message) => {
      clearTimeout(timer);
      const ports = message as TargetPorts;
      resolve({
        ...ports,
        close: () =>
          new Promise<void>((done) => {
            isClosing = true;
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.disconnect();
          }),
      });
    });
  });
}
