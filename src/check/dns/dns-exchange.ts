import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as netConnect, isIPv6, type Socket } from 'node:net';
import { CheckFailure } from '../errors/check-failure.js';
import { classifyError } from '../errors/classify.js';
import type { CheckContext } from '../context/check-context.js';

/** A DNS message over TCP is at most 65,535 bytes (its two-byte length prefix). */
const MAX_TCP_MESSAGE_BYTES = 65_535;

export interface DnsServerAddress {
  readonly address: string;
  readonly port: number;
}

/**
 * Is `message` the answer to our question? Same id and the QR bit; the question itself is
 * compared after decoding. Anything else on a UDP socket is ignored (a late answer to an
 * earlier check, or a forgery), as resolvers do.
 */
function isResponseTo(message: Buffer, id: number): boolean {
  return message.length >= 12 && message.readUInt16BE(0) === id && (message[2] ?? 0) & 0x80 ? true : false;
}

/**
 * One question over UDP to a connected socket (so only the server's datagrams arrive; an ICMP
 * port-unreachable becomes ECONNREFUSED). Resolves with the raw answer; rejects only with a
 * CheckFailure. The check's budget ends it through ctx's abort handler.
 */
export function queryUdp(server: DnsServerAddress, query: Buffer, id: number, ctx: CheckContext): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const socket: UdpSocket = createSocket(isIPv6(server.address) ? 'udp6' : 'udp4');
    let isDone = false;
    const finish = (failure: CheckFailure | null, answer: Buffer | null): void => {
      if (isDone) return;
      isDone = true;
      ctx.onAbort(null);
      socket.close();
      if (failure !== null) reject(failure);
      else resolve(answer as Buffer);
    };
    ctx.onAbort((failure) => finish(failure, null));
    socket.on('error', (err) => finish(classifyError(err, 'dns'), null));
    socket.on('message', (message) => {
      if (isResponseTo(message, id)) finish(null, message);
    });
    socket.connect(server.port, server.address, () => socket.send(query));
  });
}

/** The same question over TCP (RFC 7766): a two-byte length, then the message, both ways. */
export function queryTcp(server: DnsServerAddress, query: Buffer, id: number, ctx: CheckContext): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const socket: Socket = netConnect({ host: server.address, port: server.port });
    const chunks: Buffer[] = [];
    let received = 0;
    let isDone = false;
    const finish = (failure: CheckFailure | null, answer: Buffer | null): void => {
      if (isDone) return;
      isDone = true;
      ctx.onAbort(null);
      socket.destroy();
      if (failure !== null) reject(failure);
      else resolve(answer as Buffer);
    };
    ctx.onAbort((failure) => finish(failure, null));
    socket.on('error', (err) => finish(classifyError(err, 'dns'), null));
    socket.on('connect', () => {
      const framed = Buffer.alloc(2 + query.length);
      framed.writeUInt16BE(query.length, 0);
      query.copy(framed, 2);
      socket.write(framed);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 2) return;
      const whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      chunks.length = 0;
      chunks.push(whole);
      const length = whole.readUInt16BE(0);
      if (received > 2 + MAX_TCP_MESSAGE_BYTES) return finish(new CheckFailure('dns_invalid_response', 'dns', 'the DNS server sent more than one message over TCP'), null);
      if (received < 2 + length) return;
      const message = whole.subarray(2, 2 + length);
      if (!isResponseTo(message, id)) return finish(new CheckFailure('dns_invalid_response', 'dns', 'the DNS server answered over TCP with another message id or no response flag'), null);
      finish(null, message);
    });
    socket.on('end', () => finish(new CheckFailure('dns_invalid_response', 'dns', `the DNS server closed the TCP connection after ${Math.max(0, received - 2)} bytes of the answer`), null));
  });
}
