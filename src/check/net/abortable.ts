import { classifyError } from '../errors/classify.js';
import type { CheckContext } from './connection-types.js';

/**
 * Awaits a promise that has no socket of its own to destroy (DNS, body decoding) while the
 * check's budget timer can still end the wait: the abort handler rejects at once.
 */
export function abortable<T>(ctx: CheckContext, promise: Promise<T>): Promise<T> {
  if (ctx.aborted !== null) return Promise.reject(ctx.aborted);
  return new Promise<T>((resolve, reject) => {
    ctx.onAbort(reject);
    promise.then(
      (value) => {
        ctx.onAbort(null);
        resolve(value);
      },
      (err: unknown) => {
        ctx.onAbort(null);
        reject(classifyError(err, ctx.phase));
      },
    );
  });
}
