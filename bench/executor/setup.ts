import { buildClients, type Clients } from '../../src/check/index.js';
import { defineHttpCheck, type HttpCheckSpec } from '../../src/domain/check-spec.js';
import type { TargetPorts } from '../targets/target-servers.js';
import { fixtureCa } from '../../test/helpers/certs.js';

export interface ExecutorSetup {
  readonly clients: Clients;
  /** HTTP/1.1, a new connection per check (the production default) */
  readonly http1Fresh: HttpCheckSpec;
  /** h2c with prior knowledge on pooled sessions */
  readonly h2cPooled: HttpCheckSpec;
  /** HTTPS, a new connection and a full TLS handshake per check */
  readonly httpsFresh: HttpCheckSpec;
  /** HTTPS to a server whose ALPN picks h2: a fresh connection, handshake and h2 session per check */
  readonly httpsH2Fresh: HttpCheckSpec;
}

export interface SetupOptions {
  /** sessions per origin for pooled h2c; the production default (4) when absent */
  readonly h2SessionsPerOrigin?: number;
  /** check budget; the production default (10 s) when absent */
  readonly timeoutMs?: number;
}

/** Clients trust the fixture CA and may reach loopback. */
export function executorSetup(ports: TargetPorts, options: SetupOptions = {}): ExecutorSetup {
  const { h2SessionsPerOrigin, timeoutMs } = options;
  const budget = timeoutMs === undefined ? {} : { timeoutMs, connectTimeoutMs: timeoutMs };
  const clients = buildClients({
    ca: fixtureCa(),
    allowPrivateTargets: true,
    ...(h2SessionsPerOrigin === undefined ? {} : { h2SessionsPerOrigin }),
  });
  return {
    clients,
    http1Fresh: defineHttpCheck({ url: `http://127.0.0.1:${ports.http1Port}/`, ...budget }),
    h2cPooled: defineHttpCheck({ url: `http://127.0.0.1:${ports.h2cPort}/`, connection: 'pooled', http2: 'prior-knowledge', ...budget }),
    httpsFresh: defineHttpCheck({ url: `https://127.0.0.1:${ports.httpsPort}/`, ...budget }),
    httpsH2Fresh: defineHttpCheck({ url: `https://127.0.0.1:${ports.h2TlsPort}/`, ...budget }),
  };
}
