export * from './pipeline-types.js';
export { ResultBatcher, DEFAULT_BATCH_SIZE, DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_CLOSE_DEADLINE_MS } from './result-batcher.js';
export type { BatcherOptions } from './result-batcher.js';
