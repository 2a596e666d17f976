import { createSocket, type RemoteInfo } from 'node:dgram';
import { createServer as createTcpServer, isIPv4, type Server, type Socket } from 'node:net';
import { decode, encode, type Answer } from 'dns-packet';
import type { DnsRecordType } from '../../../src/domain/check-spec.js';

/**
 * A tiny authoritative DNS server on UDP 127.0.0.1:0, so name resolution in tests never
 * leaves the machine. Each name answers the way its plan says: A / AAAA records with their
 * own TTLs, a response code, a delay, or no answer at all. A planned name without records of
 * the asked type answers NOERROR with none (NODATA); an unplanned name answers NXDOMAIN.
 * Names are compared case-insensitively without the trailing dot. It counts the questions it
 * received, so tests can prove caching and shared in-flight queries.
 *
 * For `dns` checks a plan can also carry records of any type (`records`, encoded with
 * dns-packet), truncate its UDP answers so the client must ask again over TCP (the server
 * answers TCP on the same port, RFC 7766 framing), or answer with garbage or the wrong question.
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
  /** records of other types (and A/AAAA in any form), as dns-packet `answers` entries without name */
  readonly records?: Partial<Record<DnsRecordType, ReadonlyArray<Omit<Answer, 'name' | 'type'>>>>;
  /** over UDP, answer with the TC bit and no records (the full answer comes over TCP) */
  readonly truncateUdp?: boolean;
  /** answer with bytes that are not a DNS message, or with an answer about another name */
  readonly malformed?: 'garbage' | 'wrong_question';
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
  /** questions received over TCP */
  readonly tcpQueries: () => number;
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

const RCODE_FLAGS: Readonly<Record<NonNullable<DnsNamePlan['rcode']>, number>> = RCODE;

/** The answer to a question of a plan with `records` / `truncateUdp` / `malformed`, via dns-packet. */
function buildRichAnswer(query: Buffer, plan: DnsNamePlan, overTcp: boolean): Buffer {
  // Our id and the response flag, then bytes that are not a DNS message.
  if (plan.malformed === 'garbage') return Buffer.concat([query.subarray(0, 2), Buffer.from([0x81, 0x80, 0x00, 0x01, 0x00, 0x05]), Buffer.from('not dns')]);
  const packet = decode(query);
  const question = packet.questions?.[0];
  if (question === undefined) return Buffer.alloc(0);
  const truncated = plan.truncateUdp === true && !overTcp;
  const rcode = RCODE_FLAGS[plan.rcode ?? 'NOERROR'];
  const records = truncated || rcode !== 0 ? [] : (plan.records?.[question.type as DnsRecordType] ?? []);
  const asked = plan.malformed === 'wrong_question' ? { ...question, name: `other.${question.name}` } : question;
  return encode({
    type: 'response',
    id: packet.id ?? 0,
    flags: 0x8000 | 0x0400 | 0x0100 | 0x0080 | (truncated ? 0x0200 : 0) | rcode,
    questions: [asked],
    answers: records.map((r) => ({ ...r, name: question.name, type: question.type }) as Answer),
  });
}

function isRich(plan: DnsNamePlan | undefined): plan is DnsNamePlan {
  return plan !== undefined && (plan.records !== undefined || plan.truncateUdp === true || plan.malformed !== undefined);
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
    const answer = isRich(plan) ? buildRichAnswer(msg, plan, false) : buildAnswer(msg, question, plan);
    const send = (): void => socket.send(answer, peer.port, peer.address);
    if (plan?.delayMs === undefined) return send();
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, plan.delayMs);
    timers.add(timer);
  });
  let tcpQueries = 0;
  const tcpSockets = new Set<Socket>();
  const tcp: Server = createTcpServer((conn) => {
    tcpSockets.add(conn);
    conn.on('close', () => tcpSockets.delete(conn));
    conn.on('error', () => conn.destroy());
    let buffered = Buffer.alloc(0);
    conn.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const msg = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + msg.length);
        const question = parseQuestion(msg);
        if (question === null) continue;
        tcpQueries++;
        received.push({ name: question.name, type: question.type });
        const plan = byName.get(question.name);
        if (plan?.silent === true) continue;
        const answer = isRich(plan) ? buildRichAnswer(msg, plan, true) : buildAnswer(msg, question, plan);
        const framed = Buffer.alloc(2 + answer.length);
        framed.writeUInt16BE(answer.length, 0);
        answer.copy(framed, 2);
        conn.write(framed);
      }
    });
  });
  // TCP on the UDP port (the port a client falls back to); another free pair if it is taken.
  const listenTcp = (port: number): Promise<boolean> =>
    new Promise((done) => {
      tcp.once('error', () => done(false));
      tcp.listen(port, '127.0.0.1', () => {
        tcp.removeAllListeners('error');
        done(true);
      });
    });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', async () => {
      socket.off('error', reject);
      const port = socket.address().port;
      if (!(await listenTcp(port))) {
        socket.close();
        startDnsServer(plans).then(resolve, reject);
        return;
      }
      resolve({
        tcpQueries: () => tcpQueries,
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
          for (const conn of tcpSockets) conn.destroy();
          return Promise.all([
            new Promise<void>((done) => socket.close(() => done())),
            new Promise<void>((done) => tcp.close(() => done())),
          ]).then(() => undefined);
        },
      });
    });
  });
}
