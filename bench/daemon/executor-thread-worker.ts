/** Worker-thread side of executor-threads.ts: one fixed-rate loop on this thread's own event loop. */
import { parentPort, workerData } from 'node:worker_threads';
import { runFixedRate, type FixedRateOptions } from './fixed-rate.js';

const report = await runFixedRate(workerData as FixedRateOptions);
parentPort?.postMessage(report);
