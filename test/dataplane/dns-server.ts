import * as dgram from 'dgram';
import * as dnsPacket from 'dns-packet';
import { NEGATIVE_TTL_SECONDS } from './dns-cache';
import type { Lookup, RecordSource, RecordType } from './dns-records';

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
/** Longest CNAME chain followed. */
const MAX_CHAIN = 8;

/**
 * A UDP DNS server on one loopback address that answers A, AAAA and CNAME questions from a record
 * source, following CNAME chains as a recursive resolver does. The system resolver (glibc, c-ares)
 * reaches it on port 53 from a resolv.conf: bound there directly as root, else through a forwarder (privilege.ts).
 */
export class DnsServer {
  static async start(ip: string, port = 53): Promise<DnsServer> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, ip, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', () => undefined);
    return new DnsServer(socket, ip);
  }

  /** What the server answers from; nothing (REFUSED) until set. */
  source?: RecordSource;
  /** Questions answered, for the lab's log. */
  queries = 0;
  /** A switch: while false, questions get no answer at all, as from a resolver that is down. */
  answering = true;

  private constructor(private readonly socket: dgram.Socket, readonly ip: string) {
    socket.on('message', (message, remote) => this.answer(message, remote));
  }

  /** The UDP port it listens on. */
  get port(): number {
    return this.socket.address().port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private answer(message: Buffer, remote: dgram.RemoteInfo): void {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question || !this.answering) {
      return;
    }
    this.queries++;
    const { rcode, answers } = this.resolve(question.name, question.type);
    const negative = rcode === RCODE.NXDOMAIN || (rcode === RCODE.NOERROR && !answers.some((answer) => answer.type === question.type));
    const response: dnsPacket.Packet = {
      type: 'response',
      id: query.id,
      // dns-packet encodes the response code only from the flags (its `rcode` field is decode-only).
      // eslint-disable-next-line no-bitwise
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
      questions: [question],
      answers,
      // A negative answer carries the SOA, whose minimum is how long resolvers may keep it.
      authorities: negative ? [soa(question.name)] : [],
    };
    this.socket.send(dnsPacket.encode(response), remote.port, remote.address);
  }

  private resolve(name: string, type: string): { rcode: number; answers: dnsPacket.Answer[] } {
    const source = this.source;
    if (!source) {
      return { rcode: RCODE.REFUSED, answers: [] };
    }
    const answers: dnsPacket.Answer[] = [];
    let current = name;
    for (let step = 0; step < MAX_CHAIN; step++) {
      const cname = source.lookup(current, 'CNAME');
      if (cname.kind !== 'records') {
        if (type === 'CNAME' || cname.kind !== 'nodata') {
          return { rcode: rcodeOf(cname, answers.length > 0), answers };
        }
        break;
      }
      answers.push({ type: 'CNAME', name: current, ttl: cname.set.ttl, data: cname.set.values[0] });
      current = cname.set.values[0];
      if (type === 'CNAME') {
        return { rcode: RCODE.NOERROR, answers };
      }
    }
    if (type !== 'A') {
      // No AAAA in the lab: the name exists without that type.
      return { rcode: RCODE.NOERROR, answers };
    }
    const records = source.lookup(current, 'A' as RecordType);
    if (records.kind === 'records') {
      for (const value of records.set.values) {
        answers.push({ type: 'A', name: current, ttl: records.set.ttl, data: value });
      }
      return { rcode: RCODE.NOERROR, answers };
    }
    return { rcode: rcodeOf(records, answers.length > 0), answers };
  }
}

function rcodeOf(lookup: Lookup, afterCname: boolean): number {
  switch (lookup.kind) {
    case 'nxdomain': return RCODE.NXDOMAIN;
    // A chain into a domain this server does not know ends without an answer, not with REFUSED.
    case 'refused': return afterCname ? RCODE.SERVFAIL : RCODE.REFUSED;
    default: return RCODE.NOERROR;
  }
}

function soa(name: string): dnsPacket.Answer {
  const zone = name.split('.').slice(1).join('.') || name;
  return {
    type: 'SOA',
    name: zone,
    ttl: NEGATIVE_TTL_SECONDS,
    data: { mname: `ns.${zone}`, rname: `hostmaster.${zone}`, serial: 1, refresh: 900, retry: 900, expire: 1800, minimum: NEGATIVE_TTL_SECONDS },
  };
}
