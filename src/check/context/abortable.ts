import type { CheckContext } from './check-context.js';

/**
 * Awaits a promise that has no socket of its own to destroy (DNS, body decoding, a pooled
 * session another check is opening) while the check's budget can still end the wait: the
 * abort handler rejects at once with the check's failure. The promise's own rejection passes
 * through unchanged; the caller classifies it where it knows what it means.
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
        reject(err);
      },
    );
  });
}
