import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv4 } from 'node:net';

/**
 * A tiny authoritative DNS server on UDP 127.0.0.1:0, so name resolution in tests never
 * leaves the machine. Each name answers the way its plan says: A / AAAA records with their
 * own TTLs, a response code, a delay, or no answer at all. A planned name without records of
 * the asked type answers NOERROR with none (NODATA); an unplanned name answers NXDOMAIN.
 * Names are compared case-insensitively without the trailing dot. It counts the questions it
 * received, so tests can prove caching and shared in-flight queries. No dependencies, so the
 * load-test harness can use it too.
 */
interface DnsRecord {
  readonly address: string;
  readonly ttlS: number;
}

export interface DnsNamePlan {
  readonly a?: readonly DnsRecord[];
  readonly aaaa?: readonly DnsRecord[];
  /** response code for every question about this name (default NOERROR) */
  readonly rcode?: 'NOERROR' | 'SERVFAIL' | 'NXDOMAIN' | 'REFUSED';
  /** never answer (the resolver times out) */
  readonly silent?: boolean;
  /** answer after this many ms */
  readonly delayMs?: number;
}

export interface DnsTestServer {
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:PORT`, the form resolvers' setServers() takes */
  readonly server: string;
  /** replaces the plan for a name */
  plan(name: string, plan: DnsNamePlan): void;
  /** questions received about a name, optionally of one type */
  queryCount(name: string, type?: 'A' | 'AAAA'): number;
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const RCODE: Readonly<Record<NonNullable<DnsNamePlan['rcode']>, number>> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 };

/** Plans for a zone of name → addresses: A for IPv4, AAAA for IPv6, one TTL for all. */
export function zonePlans(zone: Readonly<Record<string, readonly string[]>>, ttlS = 60): Record<string, DnsNamePlan> {
  const plans: Record<string, DnsNamePlan> = {};
  for (const [name, addresses] of Object.entries(zone)) {
    const records = addresses.map((address) => ({ address, ttlS }));
    plans[name] = { a: records.filter((r) => isIPv4(r.address)), aaaa: records.filter((r) => !isIPv4(r.address)) };
  }
  return plans;
}

interface Question {
  readonly name: string;
  readonly type: number;
  /** the question section as received, echoed back in the answer */
  readonly raw: Buffer;
}

function canonical(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
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
  return { name: canonical(labels.join('.')), type, raw: msg.subarray(12, offset + 5) };
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

function buildAnswer(query: Buffer, question: Question, plan: DnsNamePlan | undefined): Buffer {
  const rcode = plan === undefined ? RCODE.NXDOMAIN : RCODE[plan.rcode ?? 'NOERROR'];
  const planned = question.type === TYPE_A ? plan?.a : question.type === TYPE_AAAA ? plan?.aaaa : undefined;
  const records = rcode === 0 ? (planned ?? []) : [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header[2] = 0x84 | ((query[2] ?? 0) & 0x01); // QR + AA (+ RD echoed)
  header[3] = 0x80 | rcode; // RA + rcode
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const answers = records.map((record) => {
    const data = addressBytes(record.address);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
    rr.writeUInt16BE(question.type, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(record.ttlS, 6);
    rr.writeUInt16BE(data.length, 10);
    return Buffer.concat([rr, data]);
  });
  return Buffer.concat([header, question.raw, ...answers]);
}

export function startDnsServer(plans: Readonly<Record<string, DnsNamePlan>> = {}): Promise<DnsTestServer> {
  const byName = new Map(Object.entries(plans).map(([name, plan]) => [canonical(name), plan]));
  const received: Array<{ readonly name: string; readonly type: number }> = [];
  const timers = new Set<NodeJS.Timeout>();
  const socket = createSocket('udp4');
  socket.on('message', (msg: Buffer, peer: RemoteInfo) => {
    const question = parseQuestion(msg);
    if (question === null) return;
    received.push({ name: question.name, type: question.type });
    const plan = byName.get(question.name);
    if (plan?.silent === true) return;
    const answer = buildAnswer(msg, question, plan);
    const send = (): void => socket.send(answer, peer.port, peer.address);
    if (plan?.delayMs === undefined) return send();
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, plan.delayMs);
    timers.add(timer);
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
        plan: (name, plan) => void byName.set(canonical(name), plan),
        queryCount: (name, type) => {
          const wanted = canonical(name);
          const typeCode = type === undefined ? undefined : type === 'A' ? TYPE_A : TYPE_AAAA;
          return received.filter((q) => q.name === wanted && (typeCode === undefined || q.type === typeCode)).length;
        },
        close: () => {
          for (const timer of timers) clearTimeout(timer);
          timers.clear();
          return new Promise<void>((done) => socket.close(() => done()));
        },
      });
    });
  });
}
