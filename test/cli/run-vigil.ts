import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface VigilRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = 'src/cli/main.ts';
/** a run that takes longer than this is a hang; it is killed and the test fails on its code */
const RUN_LIMIT_MS = 30_000;

/**
 * Runs `vigil <args>` as a real child process (through tsx, no build needed). Asynchronous on
 * purpose: the servers the CLI talks to live in the test process and must keep answering.
 */
export function runVigil(args: readonly string[], env: Record<string, string> = {}): Promise<VigilRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('error', (err) => {
      clearTimeout(killer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}
