/**
 * A loop of only our check, for `node --cpu-prof` on the compiled code (tsx would add
 * wrappers that show up in the profile):
 *
 *   npm run build && node --cpu-prof --cpu-prof-dir=bench/out/prof dist/bench/profile.js http1|h2c|https|https-h2|raw|raw-tls|raw-tls-h2|bare-h2 [count] [in flight]
 *
 * `raw-tls` and `raw-tls-h2` are the references of `compare/tls` and `compare/h2-tls`, so a
 * profile of ours can be read next to theirs. The target servers run in a child process, so
 * the profile holds only the client.
 */
import { connect as http2Connect } from 'node:http2';
import { createSecureContext, rootCertificates } from 'node:tls';
import { fixtureCa } from '../test/helpers/certs.js';
import { bareHttp2, oursCheck, rawSocket, rawTlsH2Request, rawTlsRequest } from './executor/alternatives.js';
import { executorSetup } from './executor/setup.js';
import { runBatch } from './harness/cpu-batch.js';
import { startRemoteTargets } from './targets/remote-targets.js';

const KINDS = ['http1', 'h2c', 'https', 'https-h2', 'raw', 'raw-tls', 'raw-tls-h2', 'bare-h2'] as const;
const kind = process.argv[2] ?? 'http1';
const count = Number(process.argv[3] ?? 20_000);
const isPooled = kind === 'h2c' || kind === 'bare-h2';
// the compare benches' concurrency by default: 64 for the pooled kinds, 8 for TLS, else 32
const inFlight = Number(process.argv[4] ?? (isPooled ? 64 : kind.includes('tls') || kind.startsWith('https') ? 8 : 32));
if (!(KINDS as readonly string[]).includes(kind) || !Number.isInteger(count) || count < 1 || count > 1_000_000 || !Number.isInteger(inFlight) || inFlight < 1 || inFlight > 10_000) {
  console.error(`usage: profile.js ${KINDS.join('|')} [count 1..1000000] [in flight 1..10000]`);
  process.exit(2);
}
const targets = await startRemoteTargets();
const setup = executorSetup(targets, { h2SessionsPerOrigin: 1 });
const session = kind === 'bare-h2' ? http2Connect(`http://127.0.0.1:${targets.h2cPort}`) : null;
const secureContext = createSecureContext({ ca: [...rootCertificates, fixtureCa()] });
const fn =
  kind === 'raw' ? rawSocket(targets.http1Port)
  : kind === 'raw-tls' ? rawTlsRequest(targets.httpsPort, secureContext)
  : kind === 'raw-tls-h2' ? rawTlsH2Request(targets.h2TlsPort, secureContext)
  : session !== null ? bareHttp2(session)
  : oursCheck(kind === 'http1' ? setup.http1Fresh : kind === 'h2c' ? setup.h2cPooled : kind === 'https-h2' ? setup.httpsH2Fresh : setup.httpsFresh, setup.clients);
try {
  const result = await runBatch(fn, count, inFlight);
  console.log(`${kind}: ${count} checks, ${inFlight} in flight, ${result.cpuUsPerCall.toFixed(1)} µs CPU/check, ${result.callsPerSec.toFixed(0)} checks/s, ${result.failures} failed`);
} finally {
  session?.close();
  await setup.clients.close();
  await targets.close();
}
