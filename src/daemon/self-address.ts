import { hostPort } from '../domain/spec-fields.js';
/**
 * `${self.url}`, `${self.host}` and `${self.port}` in a config file stand for the daemon's
 * own API address, so the embedded example can check the daemon itself (its /healthz,
 * /readyz, OpenAPI document and TCP port) on a machine with no internet. Only these three
 * names are expanded; any other `${…}` is left as written (and then refused as a bad URL).
 */
export interface SelfAddress {
  readonly host: string;
  readonly port: number;
}

function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host.replace(/^\[(.*)\]$/, '$1');
}

export function expandSelfReferences(text: string, self: SelfAddress): string {
  const host = reachableHost(self.host);
  return text
    .replaceAll('${self.url}', `http://${hostPort(host, self.port)}`)
    .replaceAll('${self.host}', host)
    .replaceAll('${self.port}', String(self.port));
}
