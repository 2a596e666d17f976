import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TLSSocket } from 'node:tls';
import { executeCheck, type Clients } from '../../src/check/index.js';
import { defineHttpCheck, defineTlsCheck } from '../../src/domain/check-spec.js';
import { assertUp, PHASES } from '../helpers/check-assertions.js';
import { loopbackClients, withServer } from '../helpers/check-runner.js';
import { fixtureCert } from '../helpers/certs.js';
import { startTlsServer } from '../helpers/servers/http-catalog.js';
import { startH2Server } from '../helpers/servers/h2-catalog.js';
import { startPlainTlsServer, startStartTlsServer } from '../helpers/servers/starttls-server.js';

// Parsing the peer's certificate chain (getPeerCertificate(true)) is the most expensive call
// of a TLS check after the handshake itself (~200 µs). Node makes it once for its identity
// check; every path of ours must read the TLS details from that object, never parse again.

const TLS_PHASES = { dns: false, connect: true, tls: true, ttfb: false, receive: false } as const;

/** Counts the detailed parses made while `run` runs. */
async function countDetailedParses(run: () => Promise<void>): Promise<number> {
  const original = TLSSocket.prototype.getPeerCertificate;
  let count = 0;
  TLSSocket.prototype.getPeerCertificate = function (this: TLSSocket, detailed?: boolean) {
    if (detailed === true) count++;
    return detailed === true ? original.call(this, true) : original.call(this);
  } as typeof original;
  try {
    await run();
  } finally {
    TLSSocket.prototype.getPeerCertificate = original;
  }
  return count;
}

describe('the peer certificate chain is parsed once per connection', () => {
  let clients: Clients;
  before(() => {
    clients = loopbackClients();
  });
  after(() => clients.close());

  it('fresh HTTPS (HTTP/1.1)', async () => {
    await withServer(startTlsServer('valid'), async (server) => {
      const parses = await countDetailedParses(async () => assertUp(await executeCheck(defineHttpCheck({ url: server.url }), clients), 200, PHASES.httpsComplete));
      assert.equal(parses, 1);
    });
  });

  it('fresh HTTPS whose ALPN picks h2', async () => {
    await withServer(startH2Server({ tls: true, allowHttp1: true }), async (server) => {
      const parses = await countDetailedParses(async () => {
        const result = await executeCheck(defineHttpCheck({ url: server.url }), clients);
        assertUp(result, 200, PHASES.httpsComplete);
        assert.equal(result.httpVersion, '2');
      });
      assert.equal(parses, 1);
    });
  });

  it('pooled HTTPS with ALPN h2: one parse for the connection, none for the checks on its session', async () => {
    await withServer(startH2Server({ tls: true, allowHttp1: true }), async (server) => {
      const spec = defineHttpCheck({ url: server.url, connection: 'pooled' });
      const parses = await countDetailedParses(async () => {
        for (let i = 0; i < 3; i++) {
          const result = await executeCheck(spec, clients);
          assert.equal(result.status, 'up', JSON.stringify(result));
          assert.equal(result.httpVersion, '2');
        }
      });
      assert.equal(parses, 1);
    });
  });

  it('tls check, the chain listed', async () => {
    await withServer(startPlainTlsServer(fixtureCert('chained')), async (server) => {
      const parses = await countDetailedParses(async () => {
        const result = await executeCheck(defineTlsCheck({ kind: 'tls', host: '127.0.0.1', port: server.port }), clients);
        assertUp(result, null, TLS_PHASES);
        assert.equal(result.tls?.chain?.length, 3);
      });
      assert.equal(parses, 1);
    });
  });

  it('tls check over STARTTLS', async () => {
    await withServer(startStartTlsServer('smtp', fixtureCert('valid')), async (server) => {
      const parses = await countDetailedParses(async () => {
        const result = await executeCheck(defineTlsCheck({ kind: 'tls', host: '127.0.0.1', port: server.port, starttls: 'smtp' }), clients);
        assertUp(result, null, TLS_PHASES);
        assert.equal(result.tls?.chain?.[0]?.subject, 'CN=vigil test valid');
      });
      assert.equal(parses, 1);
    });
  });
});
