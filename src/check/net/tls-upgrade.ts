import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { classifyError } from '../errors/classify.js';
import { CheckFailure } from '../errors/check-failure.js';
import { IdentityCheck, verificationFailure, type TlsOptions } from './connect.js';
import type { CheckContext } from '../context/check-context.js';
import { readTlsInfo } from './tls-info.js';

/**
 * Starts TLS on a connected plain socket (after STARTTLS), verifying the certificate the same
 * way a direct TLS connection does (connect.ts): the handshake always completes, then an
 * unverified certificate is a classified failure that still reports the certificate. Marks
 * `tlsEnd`; rejects only with a CheckFailure; sets ctx.tls (with the chain).
 */
export function upgradeToTls(socket: Socket, options: TlsOptions, host: string, ctx: CheckContext): Promise<TLSSocket> {
  ctx.phase = 'tls';
  return new Promise<TLSSocket>((resolve, reject) => {
    const identity = new IdentityCheck();
    const secure = tlsConnect({
      socket,
      servername: options.servername,
      ALPNProtocols: options.alpn as string[] | undefined,
      secureContext: options.secureContext,
      rejectUnauthorized: false,
      checkServerIdentity: identity.check,
    });
    const fail = (failure: CheckFailure): void => {
      ctx.onAbort(null);
      secure.destroy();
      reject(failure);
    };
    secure.once('error', (err: Error) => fail(classifyError(err, 'tls')));
    secure.once('secureConnect', () => {
      const endMs = performance.now();
      ctx.tls = readTlsInfo(secure, identity.take(), Date.now(), true);
      if (options.rejectUnauthorized && !secure.authorized) return fail(verificationFailure(secure, ctx, options.servername ?? host));
      ctx.timer.mark('tlsEnd', endMs);
      ctx.onAbort(null);
      resolve(secure);
    });
    ctx.onAbort((failure) => fail(failure instanceof CheckFailure ? failure : new CheckFailure('timeout', 'tls', 'aborted')));
  });
}
