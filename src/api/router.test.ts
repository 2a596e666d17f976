import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Router, type Route } from './router.js';

const noop = (): void => undefined;
const r = (method: Route['method'], path: string): Route => ({ method, path, isPublic: false, handler: noop });

describe('Router', () => {
  const router = new Router([r('POST', '/t/test'), r('GET', '/t'), r('POST', '/t'), r('GET', '/t/{id}'), r('DELETE', '/t/{id}'), r('GET', '/t/{id}/r')]);

  it('matches literals before parameters and decodes parameters', () => {
    const test = router.match('POST', '/t/test');
    assert.equal(test.kind === 'found' && test.route.path, '/t/test');
    const one = router.match('GET', '/t/a%20b');
    assert.deepEqual(one.kind === 'found' && one.params, { id: 'a b' });
  });

  it('answers 405 with the allowed methods, HEAD with GET', () => {
    assert.deepEqual(router.match('PUT', '/t'), { kind: 'method_not_allowed', allow: ['GET', 'HEAD', 'POST'] });
    assert.equal(router.match('HEAD', '/t/x/r').kind, 'found');
  });

  it('answers not_found for unknown paths and does not match across segments', () => {
    assert.equal(router.match('GET', '/t/a/b').kind, 'not_found');
    assert.equal(router.match('GET', '/x').kind, 'not_found');
  });

  it('refuses bad percent-encoding as a 400', () => {
    assert.throws(() => router.match('GET', '/t/%E0%A4%A'), { name: 'ApiError', status: 400 } as object);
  });
});
