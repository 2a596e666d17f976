import { readFileSync } from 'node:fs';
import { createMemoryLogger } from '../../src/daemon/logger.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/main.js';

/** Starts the real daemon in this process on 127.0.0.1:0 with a config file. */
export function startInProcess(configPath: string, dataDir: string, env: Record<string, string> = {}): Promise<RunningDaemon & { log: ReturnType<typeof createMemoryLogger> }> {
  const log = createMemoryLogger();
  return startDaemon({
    configText: readFileSync(configPath, 'utf8'),
    configSource: configPath,
    host: '127.0.0.1',
    port: 0,
    dataDir,
    token: null,
    env,
    log,
    readConfig: () => readFileSync(configPath, 'utf8'),
  }).then((running) => Object.assign(running, { log }));
}
