/**
 * The variants of the side-by-side benches (`compare/*`), by name, so each can be built in a
 * process of its own (bench/harness/isolated.ts, started through variant-child.ts).
 */
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { H2Session } from '../../src/check/http2/session.js';
import { createSessionOverSocket } from '../../src/check/http/h2/over-socket.js';
import type { Clients } from '../../src/check/index.js';
import type { TargetPorts } from '../targets/target-servers.js';
import { fixtureCa } from '../../test/helpers/certs.js';
import {
  bareHttp2,
  CHECK_LIKE_H2_HEADERS,
  nodeHttpAgentFalse,
  oursCheck,
  oursH2Engine,
  oursH2Pool,
  rawSocket,
  rawTlsH2Request,
  rawTlsRequest,
  tlsHandshakeOnly,
  undiciFresh,
  type RequestFn,
} from './alternatives.js';
import { executorSetup } from './setup.js';

export interface BuiltVariant {
  readonly fn: RequestFn;
  close(): Promise<void>;
}

/** Each compare bench's variants, in report order. */
export const COMPARE_VARIANTS = {
  'compare/http1': ['ours-fresh', 'node-http-agent-false', 'undici-fresh', 'raw-socket'],
  'compare/h2c': [
    'ours-pooled',
    'bare-node-http2',
    // the same request headers as ours: separates header cost from engine cost
    'bare-node-http2-check-headers',
    // our layers one by one: the engine alone on a bare session, then pool + engine
    'ours-engine-only',
    'ours-pool-and-engine',
  ],
  'compare/tls': ['ours-fresh-https', 'ours-fresh-http1', 'raw-tls-request', 'tls-handshake-only', 'raw-socket'],
  // a fresh HTTPS check whose ALPN picks h2, next to a raw TLS handshake + one hand-framed h2 request
  'compare/h2-tls': ['ours-fresh-https-h2', 'raw-tls-h2-request'],
} as const satisfies Record<string, readonly string[]>;

export type CompareBench = keyof typeof COMPARE_VARIANTS;

async function bareSession(ports: TargetPorts): Promise<ClientHttp2Session> {
  const session = http2Connect(`http://127.0.0.1:${ports.h2cPort}`);
  await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
  return session;
}

/** A session of our engine over a connected h2c socket, its peer's SETTINGS received. */
async function ourSession(ports: TargetPorts, clients: Clients): Promise<H2Session> {
  const socket = netConnect(ports.h2cPort, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject));
  const session = createSessionOverSocket(socket, clients);
  await new Promise<void>((resolve, reject) => {
    session.observer = { onRemoteSettings: () => resolve(), onGoaway: () => undefined, onClose: () => reject(new Error('h2c target closed the session')) };
  });
  session.observer = null;
  return session;
}

/** Builds one variant against the target servers; `close` releases what it opened. */
export async function buildCompareVariant(bench: string, variant: string, ports: TargetPorts): Promise<BuiltVariant> {
  const known = (COMPARE_VARIANTS as Record<string, readonly string[] | undefined>)[bench];
  if (known === undefined || !known.includes(variant)) throw new Error(`unknown compare variant ${bench}/${variant}`);
  // one pooled h2c session, like the bare variants: the same shape of work on the wire
  const setup = executorSetup(ports, bench === 'compare/h2c' ? { h2SessionsPerOrigin: 1 } : {});
  const session = variant === 'bare-node-http2' || variant === 'bare-node-http2-check-headers' ? await bareSession(ports) : null;
  const ours = variant === 'ours-engine-only' ? await ourSession(ports, setup.clients) : null;
  const close = async (): Promise<void> => {
    session?.close();
    ours?.close();
    await setup.clients.close();
  };
  const secureContext = bench === 'compare/tls' || bench === 'compare/h2-tls' ? createSecureContext({ ca: [...rootCertificates, fixtureCa()] }) : null;
  const fn = ((): RequestFn => {
    switch (variant) {
      case 'ours-fresh':
      case 'ours-fresh-http1':
        return oursCheck(setup.http1Fresh, setup.clients);
      case 'node-http-agent-false':
        return nodeHttpAgentFalse(ports.http1Port);
      case 'undici-fresh':
        return undiciFresh(ports.http1Port);
      case 'raw-socket':
        return rawSocket(ports.http1Port);
      case 'ours-pooled':
        return oursCheck(setup.h2cPooled, setup.clients);
      case 'bare-node-http2':
        return bareHttp2(session as ClientHttp2Session);
      case 'bare-node-http2-check-headers':
        return bareHttp2(session as ClientHttp2Session, CHECK_LIKE_H2_HEADERS);
      case 'ours-engine-only':
        return oursH2Engine(ours as H2Session, setup.h2cPooled, setup.clients);
      case 'ours-pool-and-engine':
        return oursH2Pool(setup.h2cPooled, setup.clients);
      case 'ours-fresh-https':
        return oursCheck(setup.httpsFresh, setup.clients);
      case 'raw-tls-request':
        return rawTlsRequest(ports.httpsPort, secureContext as NonNullable<typeof secureContext>);
      case 'ours-fresh-https-h2':
        return oursCheck(setup.httpsH2Fresh, setup.clients);
      case 'raw-tls-h2-request':
        return rawTlsH2Request(ports.h2TlsPort, secureContext as NonNullable<typeof secureContext>);
      case 'tls-handshake-only':
        return tlsHandshakeOnly(ports.httpsPort, secureContext as NonNullable<typeof secureContext>);
      default:
        throw new Error(`no builder for ${bench}/${variant}`);
    }
  })();
  return { fn, close };
}
