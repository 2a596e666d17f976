import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, TLSSocket, type Server as TlsServer } from 'node:tls';
import type { StartTlsProtocol } from '../../../src/domain/check-spec.js';
import type { FixtureCert } from '../certs.js';

/**
 * Mail servers that speak just enough SMTP, IMAP or POP3 to upgrade to TLS with STARTTLS
 * (or a plain TLS server), on 127.0.0.1:0. `behaviour` makes them misbehave the ways a
 * monitor must report: no STARTTLS offered, STARTTLS refused, an endless greeting, silence.
 */
export type StartTlsBehaviour = 'ok' | 'not_offered' | 'refuse' | 'flood' | 'silent' | 'close';

export interface StartTlsServer {
  readonly port: number;
  /** commands received before TLS, in order */
  readonly commands: string[];
  /** TLS sessions started (STARTTLS accepted, or a TLS connection accepted) */
  handshakes: number;
  close(): Promise<void>;
}

const LINES: Readonly<Record<StartTlsProtocol, { greeting: string; ready: string; refused: string }>> = {
  smtp: { greeting: '220 mail.test ESMTP ready\r\n', ready: '220 2.0.0 Ready to start TLS\r\n', refused: '454 4.7.0 TLS not available\r\n' },
  imap: { greeting: '* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n', ready: 'OK Begin TLS negotiation now\r\n', refused: 'BAD STARTTLS not available\r\n' },
  pop3: { greeting: '+OK POP3 ready\r\n', ready: '+OK Begin TLS negotiation\r\n', refused: '-ERR STLS not available\r\n' },
};

function serve(socket: Socket, protocol: StartTlsProtocol, behaviour: StartTlsBehaviour, cert: FixtureCert, state: StartTlsServer, sockets: Set<Socket>): void {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => socket.destroy());
  if (behaviour === 'silent') return;
  if (behaviour === 'close') return void socket.end();
  if (behaviour === 'flood') {
    // A greeting that never ends: continuation lines until the client gives up.
    const line = Buffer.from(`${protocol === 'smtp' ? '220-' : '* '}${'x'.repeat(1000)}\r\n`);
    const pump = (): void => {
      while (!socket.destroyed && socket.write(line)) { /* fill the buffer */ }
      if (!socket.destroyed) socket.once('drain', pump);
    };
    return pump();
  }
  const lines = LINES[protocol];
  socket.write(lines.greeting);
  let buffer = '';
  const onData = (chunk: Buffer): void => {
    buffer += chunk.toString('latin1');
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const command = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      state.commands.push(command);
      const [tag = '', verb = ''] = protocol === 'imap' ? command.split(' ') : ['', command.split(' ')[0] ?? ''];
      const upper = verb.toUpperCase();
      if (protocol === 'smtp' && upper === 'EHLO') {
        socket.write(`250-mail.test greets you\r\n250-SIZE 1000000\r\n${behaviour === 'not_offered' ? '' : '250-STARTTLS\r\n'}250 HELP\r\n`);
      } else if (upper === 'STARTTLS' || upper === 'STLS') {
        const prefix = protocol === 'imap' ? `${tag} ` : '';
        if (behaviour === 'refuse' || behaviour === 'not_offered') {
          socket.write(prefix + lines.refused);
          continue;
        }
        socket.off('data', onData);
        socket.write(prefix + lines.ready, () => {
          const secure = new TLSSocket(socket, { isServer: true, secureContext: createSecureContext({ key: cert.key, cert: cert.cert }) });
          state.handshakes++;
          secure.on('error', () => secure.destroy());
        });
        return;
      } else {
        socket.write(protocol === 'pop3' ? '-ERR unknown\r\n' : protocol === 'imap' ? `${tag} BAD unknown\r\n` : '502 unknown\r\n');
      }
    }
  };
  socket.on('data', onData);
}

export function startStartTlsServer(protocol: StartTlsProtocol, cert: FixtureCert, behaviour: StartTlsBehaviour = 'ok'): Promise<StartTlsServer> {
  const sockets = new Set<Socket>();
  const state: StartTlsServer = { port: 0, commands: [], handshakes: 0, close: () => Promise.resolve() };
  const server: Server = createServer((socket) => serve(socket, protocol, behaviour, cert, state, sockets));
  return listen(server, state, sockets);
}

/** A plain TLS server (the handshake, then it waits): what a `tls` check without STARTTLS meets. */
export function startPlainTlsServer(cert: FixtureCert, options: { alpn?: string[] } = {}): Promise<StartTlsServer> {
  const sockets = new Set<Socket>();
  const state: StartTlsServer = { port: 0, commands: [], handshakes: 0, close: () => Promise.resolve() };
  // Counted on the server's side of the handshake, which may end after the client's.
  const server: TlsServer = createTlsServer({ key: cert.key, cert: cert.cert, ...(options.alpn === undefined ? {} : { ALPNProtocols: options.alpn }) }, (socket) => {
    state.handshakes++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  });
  server.on('tlsClientError', () => undefined);
  return listen(server, state, sockets);
}

function listen(server: Server, state: StartTlsServer, sockets: Set<Socket>): Promise<StartTlsServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      Object.assign(state, {
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
      resolve(state);
    });
  });
}
