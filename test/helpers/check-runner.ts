import { buildClients, executeCheck, type ClientConfig, type Clients } from '../../src/check/index.js';
import type { CheckResult } from '../../src/domain/check-result.js';
import { defineHttpCheck, defineTcpCheck, type HttpCheckInput, type TcpCheckInput } from '../../src/domain/check-spec.js';
import { fixtureCa } from './certs.js';

/**
 * Clients for loopback tests: private targets allowed (every test server is on 127.0.0.1)
 * and the fixture CA trusted. Tests close them in `after`.
 */
export function loopbackClients(extra: ClientConfig = {}): Clients {
  return buildClients({ allowPrivateTargets: true, ca: fixtureCa(), ...extra });
}

/** Runs an HTTP check through the public API: defineHttpCheck → executeCheck. */
export function checkHttp(clients: Clients, input: HttpCheckInput): Promise<CheckResult> {
  return executeCheck(defineHttpCheck(input), clients);
}

export function checkTcp(clients: Clients, input: Omit<TcpCheckInput, 'kind'>): Promise<CheckResult> {
  return executeCheck(defineTcpCheck({ kind: 'tcp', ...input }), clients);
}

/** Starts a server, runs `run` against it, and always closes it. */
export async function withServer<S extends { close(): Promise<void> }>(start: Promise<S>, run: (server: S) => Promise<void>): Promise<void> {
  const server = await start;
  try {
    await run(server);
  } finally {
    await server.close();
  }
}
