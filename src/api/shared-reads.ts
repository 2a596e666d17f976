/**
 * Many nodes on one store (docs/cluster.md, "Shared reads"): a route that reads this node's
 * target set or maintenance windows first waits for a sync round that started after the
 * request arrived (`DaemonHandle.syncTargets`), so a target or window created, changed or
 * deleted through another node is seen at once, not at the next 2 s tick. While the store
 * is away the answer is 503 `not_ready` with Retry-After, never a stale set. One node alone
 * (no `syncTargets`): nothing is added.
 */
import type { DaemonHandle } from '../daemon/daemon-handle.js';
import { ApiError } from './api-error.js';
import type { Route } from './router.js';

/** seconds a client is told to wait when the shared store cannot be reached */
export const STORE_AWAY_RETRY_AFTER_S = 5;

const STORE_AWAY_MESSAGE = 'the shared store is not reachable, so the target set cannot be confirmed; retry';

/** Resolves once the running set is the store's; throws the 503 when the store is away. */
export async function syncShared(handle: DaemonHandle): Promise<void> {
  const sync = handle.syncTargets;
  if (sync === undefined) return;
  await sync().catch(() => {
    throw new ApiError(503, 'not_ready', STORE_AWAY_MESSAGE, undefined, { 'retry-after': String(STORE_AWAY_RETRY_AFTER_S) });
  });
}

/** The handler, after `syncShared` (the handler itself when there is one node). */
export function synced(handle: DaemonHandle, handler: Route['handler']): Route['handler'] {
  if (handle.syncTargets === undefined) return handler;
  return async (ctx) => {
    await syncShared(handle);
    await handler(ctx);
  };
}
