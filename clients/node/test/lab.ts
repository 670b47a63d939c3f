/**
 * A small lab for the package's tests: a primary and two replicas (real redis-server, TLS, AUTH) on a
 * random 127.<a>.<b>.0/24, and a DNS server on an unprivileged port that answers the stable names as
 * CNAMEs to the nodes' names, which have A records: the shape the construct gives ElastiCache's nodes.
 * Clients use it through `dnsServers`, so no root is needed and the system resolver is left alone.
 */
import { randomInt } from 'crypto';
import * as dgram from 'dgram';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeCertificates } from '../../../test/dataplane/certificates';
import type { Lookup, RecordSource, RecordType } from '../../../test/dataplane/dns-records';
import { DnsServer } from '../../../test/dataplane/dns-server';
import { RedisNode } from '../../../test/dataplane/redis-node';

export const ZONE = 'stable.test';
export const NODE_DOMAIN = 'grp.abc123.use1.cache.test';
export const PASSWORD = 'lab-token-0123456789';

/** The zone's CNAMEs (which the test changes) and the nodes' A records. */
export class Records implements RecordSource {
  readonly cnames = new Map<string, string>();
  readonly addresses = new Map<string, string>();

  lookup(name: string, type: RecordType): Lookup {
    const key = name.toLowerCase().replace(/\.$/, '');
    const cname = this.cnames.get(key);
    const address = this.addresses.get(key);
    if (cname === undefined && address === undefined) {
      return key.endsWith(ZONE) || key.endsWith(NODE_DOMAIN) ? { kind: 'nxdomain' } : { kind: 'refused' };
    }
    if (type === 'CNAME') {
      return cname === undefined ? { kind: 'nodata' } : { kind: 'records', set: { type, ttl: 1, values: [cname] } };
    }
    return address === undefined ? { kind: 'nodata' } : { kind: 'records', set: { type, ttl: 1, values: [address] } };
  }
}

export class Lab {
  static async start(): Promise<Lab> {
    const subnet = `127.${randomInt(30, 99)}.${randomInt(1, 250)}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stable-readers-'));
    const certificates = makeCertificates(path.join(dir, 'tls'), NODE_DOMAIN);
    const node = (letter: string, host: number) => new RedisNode({
      ip: `${subnet}.${host}`, hostname: `node-${letter}.${NODE_DOMAIN}`, password: PASSWORD, certificates, dir: path.join(dir, letter),
    });
    const lab = new Lab(subnet, dir, certificates.caFile, [node('a', 2), node('b', 3), node('c', 4)]);
    await lab.nodes[0].start();
    await Promise.all([lab.nodes[1].start(lab.nodes[0]), lab.nodes[2].start(lab.nodes[0])]);
    await lab.waitInSync();
    for (const each of lab.nodes) {
      lab.records.addresses.set(each.hostname, each.ip);
    }
    lab.pointNames({ primary: lab.nodes[0], replica1: lab.nodes[1], replica2: lab.nodes[2] });
    lab.dns = await DnsServer.start(`${subnet}.53`, 0);
    lab.dns.source = lab.records;
    lab.dnsPort = lab.dns.port;
    return lab;
  }

  readonly records = new Records();
  dns?: DnsServer;
  dnsPort = 0;
  private blackhole?: dgram.Socket;

  private constructor(readonly subnet: string, readonly dir: string, readonly caFile: string, readonly nodes: RedisNode[]) {}

  get primaryNode(): RedisNode {
    return this.nodes[0];
  }

  name(label: string): string {
    return `${label}.${ZONE}`;
  }

  /** What each stable name (by label) points at. */
  pointNames(targets: Record<string, RedisNode>): void {
    for (const [label, target] of Object.entries(targets)) {
      this.records.cnames.set(this.name(label), target.hostname);
    }
  }

  /** Options every client in the tests shares. */
  get clientOptions() {
    return {
      password: PASSWORD,
      tls: { ca: fs.readFileSync(this.caFile) },
      dnsServers: [`${this.subnet}.53:${this.dnsPort}`],
    };
  }

  /** Stops answering DNS: the port stays bound but swallows questions, as an unreachable resolver does. */
  async stopResolver(): Promise<void> {
    await this.dns?.stop();
    this.dns = undefined;
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(this.dnsPort, `${this.subnet}.53`, resolve));
    this.blackhole = socket;
  }

  async startResolver(): Promise<void> {
    await new Promise<void>((resolve) => (this.blackhole ? this.blackhole.close(() => resolve()) : resolve()));
    this.blackhole = undefined;
    this.dns = await DnsServer.start(`${this.subnet}.53`, this.dnsPort);
    this.dns.source = this.records;
  }

  /** Node a the primary, b and c its replicas in sync, names as at the start. */
  async reset(): Promise<void> {
    const [a, b, c] = this.nodes;
    await a.command('REPLICAOF', 'NO', 'ONE');
    await b.command('REPLICAOF', a.ip, 6379);
    await c.command('REPLICAOF', a.ip, 6379);
    await this.waitInSync();
    this.pointNames({ primary: a, replica1: b, replica2: c });
  }

  async waitInSync(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const replica of this.nodes.slice(1)) {
      while ((await replica.role()).linkState !== 'connected') {
        if (Date.now() > deadline) {
          throw new Error(`${replica.hostname} did not get in sync within ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  /** Connections a node has accepted since it started (INFO stats), the lab's own included. */
  async connectionsReceived(node: RedisNode): Promise<number> {
    const info = String(await node.command('INFO', 'stats'));
    return Number(/total_connections_received:(\d+)/.exec(info)![1]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((each) => each.kill()));
    await this.dns?.stop();
    this.blackhole?.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs `loops` concurrent callers until `stop()`, each reading its own key; counts wrong replies and errors. */
export class Load {
  reads = 0;
  wrong = 0;
  readonly errors: unknown[] = [];
  readonly latencies: number[] = [];
  /** When the last read served by a primary ended (ROLE is sent with each read, on the same connection). */
  lastOnPrimaryAt = 0;
  private running = true;
  private readonly done: Promise<void[]>;

  constructor(read: (key: string) => Promise<{ value: string | null; role: string }>, loops: number, readonly keyPrefix: string) {
    this.done = Promise.all(Array.from({ length: loops }, async (_, index) => {
      const key = `${keyPrefix}${index}`;
      while (this.running) {
        const startedAt = Date.now();
        try {
          const { value, role } = await read(key);
          this.reads++;
          this.latencies.push(Date.now() - startedAt);
          if (value !== `value-of-${key}`) {
            this.wrong++;
          }
          if (role === 'master') {
            this.lastOnPrimaryAt = Date.now();
          }
        } catch (error) {
          this.errors.push(error);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    }));
  }

  get maxLatency(): number {
    return Math.max(0, ...this.latencies);
  }

  percentile(p: number): number {
    const sorted = [...this.latencies].sort((x, y) => x - y);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
