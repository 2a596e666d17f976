import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * A tiny authoritative DNS server on UDP 127.0.0.1:0, so name resolution in tests never
 * leaves the machine. Names in `zone` answer A / AAAA with their addresses (a name with no
 * address of the asked family answers NOERROR with no records, i.e. NODATA); every other
 * name answers NXDOMAIN. Names are compared case-insensitively without the trailing dot.
 */
export interface DnsTestServer {
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:PORT`, the form resolvers' setServers() takes */
  readonly server: string;
  /** every question received, as `name TYPE` */
  readonly queries: string[];
  close(): Promise<void>;
}

export interface DnsServerOptions {
  readonly ttlSeconds?: number;
  /** names that never get an answer (the resolver times out) */
  readonly silent?: readonly string[];
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const RCODE_NXDOMAIN = 3;

interface Question {
  readonly name: string;
  readonly type: number;
  /** the question section as received, echoed back in the answer */
  readonly raw: Buffer;
}

function parseQuestion(msg: Buffer): Question | null {
  const labels: string[] = [];
  let offset = 12;
  while (offset < msg.length) {
    const length = msg[offset] ?? 0;
    if (length === 0) break;
    if (length > 63) return null;
    labels.push(msg.subarray(offset + 1, offset + 1 + length).toString('latin1'));
    offset += 1 + length;
  }
  if (offset + 5 > msg.length) return null;
  const type = msg.readUInt16BE(offset + 1);
  return { name: labels.join('.').toLowerCase(), type, raw: msg.subarray(12, offset + 5) };
}

function addressBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  // Expand "::" and write eight 16-bit groups.
  const [left = '', right = ''] = address.includes('::') ? address.split('::') : [address, ''];
  const l = left === '' ? [] : left.split(':');
  const r = right === '' ? [] : right.split(':');
  const groups = [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function buildAnswer(query: Buffer, question: Question, addresses: readonly string[] | undefined, ttlSeconds: number): Buffer {
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  const rd = (query[2] ?? 0) & 0x01;
  const matching = (addresses ?? []).filter((a) => (question.type === TYPE_A ? isIPv4(a) : question.type === TYPE_AAAA && isIPv6(a)));
  header[2] = 0x84 | rd; // QR + AA (+ RD echoed)
  header[3] = addresses === undefined ? RCODE_NXDOMAIN : 0;
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(matching.length, 6);
  const records = matching.map((address) => {
    const data = addressBytes(address);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
    rr.writeUInt16BE(question.type, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(ttlSeconds, 6);
    rr.writeUInt16BE(data.length, 10);
    return Buffer.concat([rr, data]);
  });
  return Buffer.concat([header, question.raw, ...records]);
}

export function startDnsServer(zone: Readonly<Record<string, readonly string[]>>, options: DnsServerOptions = {}): Promise<DnsTestServer> {
  const names = new Map(Object.entries(zone).map(([name, addrs]) => [name.toLowerCase().replace(/\.$/, ''), addrs]));
  const silent = new Set((options.silent ?? []).map((n) => n.toLowerCase()));
  const queries: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (msg: Buffer, peer: RemoteInfo) => {
    const question = parseQuestion(msg);
    if (question === null) return;
    queries.push(`${question.name} ${question.type === TYPE_A ? 'A' : question.type === TYPE_AAAA ? 'AAAA' : question.type}`);
    if (silent.has(question.name)) return;
    socket.send(buildAnswer(msg, question, names.get(question.name), options.ttlSeconds ?? 60), peer.port, peer.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      const port = socket.address().port;
      resolve({
        host: '127.0.0.1',
        port,
        server: `127.0.0.1:${port}`,
        queries,
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
