import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';

/**
 * A real DNS server on 127.0.0.1:<ephemeral> (UDP) for resolver tests: answers with the
 * records, TTLs and response codes a test chooses, stays silent when asked, and counts the
 * queries it received so tests can prove caching and in-flight sharing.
 */
export interface DnsRecord {
  readonly address: string;
  readonly ttlS: number;
}

export interface DnsNamePlan {
  readonly a?: readonly DnsRecord[];
  readonly aaaa?: readonly DnsRecord[];
  /** response code for every query of this name (default NOERROR; no records = NODATA) */
  readonly rcode?: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';
  /** never answer */
  readonly silent?: boolean;
  /** answer after this many ms */
  readonly delayMs?: number;
}

export interface LocalDnsServer {
  /** `127.0.0.1:port`, the form `Resolver#setServers` accepts */
  readonly server: string;
  /** replaces the plan for a name (names not planned get NXDOMAIN) */
  plan(name: string, plan: DnsNamePlan): void;
  /** queries received for a name, optionally of one type ('A' | 'AAAA') */
  queryCount(name: string, type?: 'A' | 'AAAA'): number;
  close(): Promise<void>;
}

const RCODE: Record<NonNullable<DnsNamePlan['rcode']>, number> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 };

export async function startDnsServer(plans: Record<string, DnsNamePlan> = {}): Promise<LocalDnsServer> {
  const byName = new Map<string, DnsNamePlan>(Object.entries(plans).map(([n, p]) => [n.toLowerCase(), p]));
  const received: { name: string; type: string }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const socket = createSocket('udp4');

  socket.on('message', (message, remote) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (question === undefined) return;
    received.push({ name: question.name.toLowerCase(), type: question.type });
    const plan = byName.get(question.name.toLowerCase());
    if (plan?.silent === true) return;
    const reply = encodeReply(query.id ?? 0, question, plan);
    const send = (): void => void socket.send(reply, remote.port, remote.address);
    if (plan?.delayMs === undefined) return send();
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, plan.delayMs);
    timers.add(timer);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const { port } = socket.address();

  return {
    server: `127.0.0.1:${port}`,
    plan(name, plan) {
      byName.set(name.toLowerCase(), plan);
    },
    queryCount(name, type) {
      const lower = name.toLowerCase();
      return received.filter((q) => q.name === lower && (type === undefined || q.type === type)).length;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

function encodeReply(id: number, question: dnsPacket.Question, plan: DnsNamePlan | undefined): Buffer {
  const rcode = plan === undefined ? RCODE.NXDOMAIN : RCODE[plan.rcode ?? 'NOERROR'];
  const records = question.type === 'A' ? plan?.a : question.type === 'AAAA' ? plan?.aaaa : undefined;
  const answers: dnsPacket.Answer[] =
    rcode !== 0 || records === undefined
      ? []
      : records.map((r) => ({ type: question.type as 'A' | 'AAAA', class: 'IN', name: question.name, ttl: r.ttlS, data: r.address }));
  return dnsPacket.encode({
    type: 'response',
    id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
    questions: [question],
    answers,
  });
}
