/** The lab's DNS server and resolver cache, against a record source the test controls. */
import * as dgram from 'dgram';
import * as dnsPacket from 'dns-packet';
import { CachingSource, NEGATIVE_TTL_SECONDS } from './dns-cache';
import type { Lookup, RecordSource, RecordType } from './dns-records';
import { DnsServer } from './dns-server';

const ZONE = 'example.cache.internal';
const NODE = 'g-002.g.abc123.use1.cache.amazonaws.com';

/** replica1 -> NODE -> 127.0.0.2, in two domains the source answers for. */
class FakeSource implements RecordSource {
  target = NODE;
  lookups = 0;

  lookup(name: string, type: RecordType): Lookup {
    this.lookups++;
    if (!name.endsWith(ZONE) && !name.endsWith('amazonaws.com')) return { kind: 'refused' };
    if (name === `replica1.${ZONE}`) return type === 'CNAME' ? { kind: 'records', set: { type, ttl: 10, values: [this.target] } } : { kind: 'nodata' };
    if (name === NODE) return type === 'A' ? { kind: 'records', set: { type, ttl: 5, values: ['127.0.0.2'] } } : { kind: 'nodata' };
    return { kind: 'nxdomain' };
  }
}

/** The response code is the low 4 bits of the flags (dns-packet's decoded `rcode` is not in its types). */
const RCODE = { NOERROR: 0, NXDOMAIN: 3, REFUSED: 5 } as const;
const rcode = (packet: dnsPacket.Packet) => (packet.flags ?? 0) % 16;

let server: DnsServer;

beforeEach(async () => {
  server = await DnsServer.start('127.0.0.1', 0);
});

afterEach(async () => {
  await server.stop();
});

async function ask(name: string, type: 'A' | 'AAAA' | 'CNAME'): Promise<dnsPacket.Packet> {
  const socket = dgram.createSocket('udp4');
  try {
    const answer = new Promise<dnsPacket.Packet>((resolve) => socket.once('message', (message) => resolve(dnsPacket.decode(message))));
    socket.send(dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }), server.port, '127.0.0.1');
    return await answer;
  } finally {
    socket.close();
  }
}

test('an A question for a stable name gets the CNAME and the node address, with their TTLs', async () => {
  server.source = new FakeSource();
  const response = await ask(`replica1.${ZONE}`, 'A');
  expect(rcode(response)).toBe(RCODE.NOERROR);
  expect(response.answers).toEqual([
    expect.objectContaining({ type: 'CNAME', name: `replica1.${ZONE}`, ttl: 10, data: NODE }),
    expect.objectContaining({ type: 'A', name: NODE, ttl: 5, data: '127.0.0.2' }),
  ]);
});

test('a missing name is NXDOMAIN with an SOA, a missing type is NOERROR without answers, a foreign name is REFUSED', async () => {
  server.source = new FakeSource();
  const missing = await ask(`replica9.${ZONE}`, 'A');
  expect(rcode(missing)).toBe(RCODE.NXDOMAIN);
  expect(missing.authorities).toEqual([expect.objectContaining({ type: 'SOA', ttl: NEGATIVE_TTL_SECONDS })]);
  const noAaaa = await ask(NODE, 'AAAA');
  expect({ rcode: rcode(noAaaa), answers: noAaaa.answers }).toEqual({ rcode: RCODE.NOERROR, answers: [] });
  expect(rcode(await ask('example.com', 'A'))).toBe(RCODE.REFUSED);
});

test('the caching source keeps an answer for its TTL, counting it down, and then asks again', async () => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  try {
    const upstream = new FakeSource();
    const cache = new CachingSource(upstream);
    expect(cache.lookup(`replica1.${ZONE}`, 'CNAME')).toEqual({ kind: 'records', set: { type: 'CNAME', ttl: 10, values: [NODE] } });
    upstream.target = 'g-003.g.abc123.use1.cache.amazonaws.com';
    jest.advanceTimersByTime(4_000);
    expect(cache.lookup(`replica1.${ZONE}`, 'CNAME')).toEqual({ kind: 'records', set: { type: 'CNAME', ttl: 6, values: [NODE] } });
    jest.advanceTimersByTime(6_001);
    expect(cache.lookup(`replica1.${ZONE}`, 'CNAME')).toEqual({ kind: 'records', set: { type: 'CNAME', ttl: 10, values: [upstream.target] } });
  } finally {
    jest.useRealTimers();
  }
});
