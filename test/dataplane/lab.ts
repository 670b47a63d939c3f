/**
 * The data-plane lab: a replication group of real `redis-server` nodes on loopback addresses, the
 * emulated ElastiCache and Route 53 (moto) mirroring them, a DNS server answering the zone from the
 * emulator, and the real bundled updater invoked as AWS would invoke it. Everything listens on
 * 127.0.0.0/8 only and dies with the process that started it.
 */
import { ChildProcess } from 'child_process';
import { randomBytes, randomInt } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import {
  DecreaseReplicaCountCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  IncreaseReplicaCountCommand,
  ModifyReplicationGroupCommand,
  NodeGroupMember,
} from '@aws-sdk/client-elasticache';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { LabCertificates, makeCertificates } from './certificates';
import { CachingSource } from './dns-cache';
import { ZoneView } from './dns-records';
import { DnsServer } from './dns-server';
import { IS_ROOT, startPort53Forwarder } from './privilege';
import { RedisNode } from './redis-node';
import { ElastiCacheModel } from './switches';
import { UpdaterEnv } from '../../src/private/contract';
import { BundledHandler, startBundledHandler } from '../e2e/bundled-handler';
import { drain, stopChild, withTail } from '../e2e/child-process';
import { createMotoReplicationGroup, MotoServer, setCacheClusterStatusForTest, startMoto } from '../e2e/moto';
import { customResourceCreateEvent, scheduledEvent, snsEvent } from '../support/updater-events';

const BUNDLE = path.join(__dirname, '../../assets/updater/index.js');
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
/** The README's example zone, so the old README code runs unchanged. */
export const ZONE_NAME = 'example.cache.internal';

export interface LabOptions {
  /** Working directory (certificates, logs, resolv.conf). */
  readonly dir: string;
  readonly model: ElastiCacheModel;
  /** Replicas, and so replica names (the construct makes one name per replica). */
  readonly replicas: number;
  /** TTL of the replica names (the construct's `recordTtl`, 10 s by default). */
  readonly recordTtlSeconds: number;
  /** A running moto to share between labs; else the lab starts its own. */
  readonly moto?: MotoServer;
  readonly log?: (message: string) => void;
}

export class Lab {
  /** Starts everything and seeds the names as a deployment does (custom resource Create), then waits for them in DNS. */
  static async start(options: LabOptions): Promise<Lab> {
    const lab = new Lab(options);
    try {
      await lab.setUp();
    } catch (error) {
      await lab.stop();
      throw error;
    }
    return lab;
  }

  readonly groupId = `lab-${randomBytes(3).toString('hex')}`;
  readonly password = randomBytes(16).toString('hex');
  readonly names: string[];
  readonly primaryName = `primary.${ZONE_NAME}`;
  readonly nodes = new Map<string, RedisNode>();
  /** The lab's own addresses: 127.<a>.<b>.0/24, chosen at random so two labs on one machine do not meet. */
  readonly subnet = `127.${randomInt(100, 250)}.${randomInt(1, 250)}`;
  dns!: DnsServer;
  resolvConf!: string;
  certificates!: LabCertificates;
  hostedZoneId!: string;
  /** Updater invocations and what they answered, for reports. */
  readonly invocations: Array<{ readonly at: number; readonly trigger: string; readonly result?: unknown; readonly error?: string }> = [];

  private moto?: MotoServer;
  private ownMoto = false;
  private elastiCache!: ElastiCacheClient;
  private route53!: Route53Client;
  private zoneView?: ZoneView;
  private updater?: BundledHandler;
  private schedule?: NodeJS.Timeout;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private port53Forwarder?: ChildProcess;

  private constructor(readonly options: LabOptions) {
    this.names = Array.from({ length: options.replicas }, (_, index) => `replica${index + 1}.${ZONE_NAME}`);
  }

  get dnsIp(): string {
    return `${this.subnet}.53`;
  }

  /** `<group>-00N` runs on `<subnet>.<N+1>`. */
  ipOf(cacheClusterId: string): string | undefined {
    const match = /-(\d{3})$/.exec(cacheClusterId);
    return match ? `${this.subnet}.${Number(match[1]) + 1}` : undefined;
  }

  log(message: string): void {
    this.options.log?.(`[${this.groupId}] ${message}`);
  }

  private async setUp(): Promise<void> {
    const { dir, model } = this.options;
    fs.mkdirSync(dir, { recursive: true });
    this.dns = await DnsServer.start(this.dnsIp, IS_ROOT ? 53 : 0);
    if (!IS_ROOT) {
      this.port53Forwarder = await startForwarder(this.dnsIp, this.dns.port);
    }
    this.moto = this.options.moto ?? await startMoto({ logFile: path.join(dir, 'moto.log') });
    this.ownMoto = this.options.moto === undefined;
    const clientConfig = { endpoint: this.moto.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 };
    this.elastiCache = new ElastiCacheClient(clientConfig);
    this.route53 = new Route53Client(clientConfig);

    const group = await createMotoReplicationGroup(this.elastiCache, this.groupId, this.options.replicas);
    const primaryEndpoint = group.NodeGroups![0].PrimaryEndpoint!.Address!;
    this.certificates = makeCertificates(path.join(dir, 'tls'), primaryEndpoint.replace(/^master\./, ''));
    const zone = await this.route53.send(new CreateHostedZoneCommand({
      Name: ZONE_NAME,
      CallerReference: `${this.groupId}-${Date.now()}`,
      HostedZoneConfig: { PrivateZone: true, Comment: 'data-plane lab' },
      VPC: { VPCId: 'vpc-0000000000000lab0', VPCRegion: REGION },
    }));
    this.hostedZoneId = zone.HostedZone!.Id!.replace(/^\/hostedzone\//, '');

    // The nodes, in the roles the emulator reports: -001 primary, the others its replicas.
    const members = await this.members();
    const primary = members.find((member) => member.CurrentRole === 'primary')!;
    await this.startNode(primary);
    const primaryNode = this.nodes.get(primary.CacheClusterId!);
    await Promise.all(members.filter((member) => member !== primary).map((member) => this.startNode(member, primaryNode)));
    await this.waitForReplicasInSync();

    this.zoneView = new ZoneView({
      route53: this.route53,
      elastiCache: this.elastiCache,
      hostedZoneId: this.hostedZoneId,
      zoneName: ZONE_NAME,
      replicationGroupId: this.groupId,
      ipOf: (id) => this.ipOf(id),
      nodeRecordTtlSeconds: model.nodeRecordTtlSeconds,
      propagationMs: model.route53PropagationMs,
    });
    await this.zoneView.start();
    this.dns.source = model.resolverCaches ? new CachingSource(this.zoneView) : this.zoneView;
    this.resolvConf = path.join(dir, 'resolv.conf');
    fs.writeFileSync(this.resolvConf, `nameserver ${this.dnsIp}\noptions timeout:1 attempts:2\n`);

    // primary.<zone> is a CloudFormation record in the construct; the lab writes it as the stack would.
    await this.writePrimaryRecord(primaryEndpoint);
    this.updater = await startBundledHandler({
      bundle: BUNDLE,
      logFile: path.join(dir, 'updater.log'),
      env: {
        [UpdaterEnv.REPLICATION_GROUP_ID]: this.groupId,
        [UpdaterEnv.HOSTED_ZONE_ID]: this.hostedZoneId,
        [UpdaterEnv.REPLICA_RECORD_NAMES]: this.names.join(','),
        [UpdaterEnv.RECORD_TTL_SECONDS]: String(this.options.recordTtlSeconds),
        [UpdaterEnv.NO_REPLICA_FALLBACK]: 'primary',
        AWS_ENDPOINT_URL: this.moto.url,
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_DISABLED: 'true',
      },
    });
    // A deployment: the custom resource's Create seeds the names (and claims them).
    await this.invoke('custom resource Create', customResourceCreateEvent(this.hostedZoneId, this.names));
    this.schedule = setInterval(() => void this.invoke('schedule', scheduledEvent()), model.scheduleIntervalMs);
    await this.waitFor(() => this.names.every((name) => this.zoneView!.lookup(name, 'CNAME').kind === 'records'), 10_000, 'the names in DNS');
    this.log(`up: nodes on ${this.subnet}.*, DNS on ${this.dnsIp}:53, zone ${this.hostedZoneId}`);
  }

  async stop(): Promise<void> {
    clearInterval(this.schedule);
    this.timers.forEach(clearTimeout);
    await Promise.allSettled([...this.pending]);
    this.zoneView?.stop();
    await this.updater?.stop();
    await Promise.all([...this.nodes.values()].map((node) => node.stop()));
    await this.dns?.stop().catch(() => undefined);
    if (this.port53Forwarder) {
      this.port53Forwarder.stdin!.end();
      await stopChild(this.port53Forwarder, 2_000);
    }
    this.elastiCache?.destroy();
    this.route53?.destroy();
    if (this.ownMoto) {
      await this.moto?.stop();
    }
  }

  // --- what the group looks like -------------------------------------------------------------

  /** The members as the emulated ElastiCache reports them. */
  async members(): Promise<NodeGroupMember[]> {
    const groups = await this.elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: this.groupId }));
    return groups.ReplicationGroups![0].NodeGroups![0].NodeGroupMembers ?? [];
  }

  /** The cache cluster id of the running node that is a primary now (the servers' truth, not the emulator's). */
  async primaryId(): Promise<string> {
    for (const [id, node] of this.nodes) {
      if (node.running && (await node.role().catch(() => undefined))?.role === 'master') {
        return id;
      }
    }
    throw new Error('no node is a primary');
  }

  /** Each replica name's target as Route 53 holds it. */
  async zoneTargets(): Promise<Record<string, string>> {
    const zone = await this.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: this.hostedZoneId }));
    const targets: Record<string, string> = {};
    for (const set of zone.ResourceRecordSets ?? []) {
      const name = set.Name!.replace(/\.$/, '');
      if (set.Type === 'CNAME' && this.names.includes(name)) {
        targets[name] = set.ResourceRecords![0].Value!.replace(/\.$/, '');
      }
    }
    return targets;
  }

  /** The node (cache cluster id) a hostname belongs to. */
  nodeIdOf(hostname: string): string | undefined {
    return [...this.nodes.entries()].find(([, node]) => node.hostname === hostname)?.[0];
  }

  /** True when every name targets a running node that is a replica in sync. */
  async namesOnReplicas(): Promise<boolean> {
    const targets = await this.zoneTargets();
    for (const name of this.names) {
      const node = this.nodes.get(this.nodeIdOf(targets[name] ?? '') ?? '');
      const role = node?.running ? await node.role().catch(() => undefined) : undefined;
      if (role?.role !== 'slave' || role.linkState !== 'connected') {
        return false;
      }
    }
    return true;
  }

  async waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) {
        throw new Error(`lab ${this.groupId}: no ${what} within ${timeoutMs} ms${this.zoneView?.error ? ` (DNS polling: ${this.zoneView.error})` : ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return Date.now();
  }

  async waitForReplicasInSync(timeoutMs = 15_000): Promise<void> {
    await this.waitFor(async () => {
      const roles = await Promise.all([...this.nodes.values()].filter((node) => node.running).map((node) => node.role().catch(() => undefined)));
      return roles.every((role) => role?.role === 'master' || role?.linkState === 'connected');
    }, timeoutMs, 'replicas in sync');
  }

  // --- scripted events -----------------------------------------------------------------------

  /**
   * A failover: promotes `newPrimaryId` and points every other running node at it, then mirrors the
   * roles in the emulator and schedules the notification (per the model). Returns when the servers
   * have switched: `promotedAt` is the role change, `switchedAt` when no other node takes writes.
   */
  async failover(newPrimaryId: string): Promise<{ promotedAt: number; switchedAt: number }> {
    const promoted = this.nodes.get(newPrimaryId)!;
    // Taken before the command: a read that completes while it is under way may already be on a primary.
    const promotedAt = Date.now();
    await promoted.command('REPLICAOF', 'NO', 'ONE');
    // Whether ElastiCache closes the promoted node's connections is a switch (switches.ts).
    if (this.options.model.promotionClosesConnections) {
      await promoted.killClients();
    }
    await Promise.all([...this.nodes.entries()]
      .filter(([id, node]) => id !== newPrimaryId && node.running)
      .map(([, node]) => node.command('REPLICAOF', promoted.ip, 6379)));
    const switchedAt = Date.now();
    this.log(`failover: ${newPrimaryId} promoted`);
    this.later(this.options.model.rolesVisibleAfterMs, () => this.elastiCache.send(new ModifyReplicationGroupCommand({
      ReplicationGroupId: this.groupId, PrimaryClusterId: newPrimaryId, ApplyImmediately: true,
    })));
    this.notifyLater({ 'ElastiCache:FailoverComplete': this.groupId });
    return { promotedAt, switchedAt };
  }

  /** Kills a node at once (a failed node); the emulator reports `status` for it meanwhile (a switch). */
  async killNode(id: string, status: string): Promise<void> {
    await this.nodes.get(id)!.kill();
    await setCacheClusterStatusForTest(this.moto!.url, id, status);
    this.log(`${id} down, reported as ${status}`);
  }

  /** Brings a killed node back, empty, as a replica of the current primary (as ElastiCache replaces a node). */
  async restartAsReplica(id: string): Promise<void> {
    const primary = this.nodes.get(await this.primaryId())!;
    await this.nodes.get(id)!.start(primary);
    await this.waitForReplicasInSync();
    await setCacheClusterStatusForTest(this.moto!.url, id, 'available');
    this.log(`${id} back as a replica`);
    this.notifyLater({ 'ElastiCache:CacheNodeReplaceComplete': id });
  }

  /** Adds a replica (emulator first, as ElastiCache creates the node, then the node syncs). */
  async addReplica(): Promise<string> {
    const before = new Set((await this.members()).map((member) => member.CacheClusterId));
    await this.elastiCache.send(new IncreaseReplicaCountCommand({
      ReplicationGroupId: this.groupId, NewReplicaCount: this.nodes.size, ApplyImmediately: true,
    }));
    const added = (await this.members()).find((member) => !before.has(member.CacheClusterId))!;
    await this.startNode(added, this.nodes.get(await this.primaryId()));
    await this.waitForReplicasInSync();
    this.log(`${added.CacheClusterId} added`);
    this.notifyLater({ 'ElastiCache:AddCacheNodeComplete': added.CacheClusterId! });
    return added.CacheClusterId!;
  }

  /** Removes a replica: the emulator drops it and its node stops at once. */
  async removeReplica(id: string): Promise<void> {
    await this.elastiCache.send(new DecreaseReplicaCountCommand({
      ReplicationGroupId: this.groupId, ReplicasToRemove: [id], ApplyImmediately: true,
    }));
    await this.nodes.get(id)!.kill();
    this.nodes.delete(id);
    this.log(`${id} removed`);
    this.notifyLater({ 'ElastiCache:RemoveCacheNodeComplete': id });
  }

  /** The resolver-down switch: while stopped, the lab DNS answers nothing (clients see timeouts). */
  setResolverAnswering(answering: boolean): void {
    this.dns.answering = answering;
    this.log(`resolver ${answering ? 'answering again' : 'stopped'}`);
  }

  // --- internals -----------------------------------------------------------------------------

  private async startNode(member: NodeGroupMember, primary?: RedisNode): Promise<void> {
    const id = member.CacheClusterId!;
    const node = new RedisNode({
      ip: this.ipOf(id)!,
      hostname: member.ReadEndpoint!.Address!,
      password: this.password,
      certificates: this.certificates,
      dir: path.join(this.options.dir, 'nodes', id),
    });
    this.nodes.set(id, node);
    await node.start(primary);
  }

  private async writePrimaryRecord(primaryEndpoint: string): Promise<void> {
    await this.route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: this.hostedZoneId,
      ChangeBatch: {
        Changes: [{
          Action: 'CREATE',
          ResourceRecordSet: { Name: this.primaryName, Type: 'CNAME', TTL: this.options.recordTtlSeconds, ResourceRecords: [{ Value: primaryEndpoint }] },
        }],
      },
    }));
  }

  /** The SNS notification reaches the updater after the model's delay; never, when the model loses it. */
  private notifyLater(message: Record<string, string>): void {
    const delay = this.options.model.notificationDelayMs;
    if (delay !== null) {
      this.later(delay, () => this.invoke(`SNS ${Object.keys(message)[0]}`, snsEvent(message)));
    }
  }

  private later(delayMs: number, action: () => Promise<unknown>): void {
    const run = () => {
      const done = action().catch((error) => this.log(`delayed action failed: ${String(error)}`));
      this.pending.add(done);
      void done.finally(() => this.pending.delete(done));
    };
    if (delayMs <= 0) {
      run();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    this.timers.add(timer);
  }

  private async invoke(trigger: string, event: unknown): Promise<void> {
    const call = this.updater!.invoke(event);
    this.pending.add(call);
    try {
      const result = await call;
      this.invocations.push({ at: Date.now(), trigger, result });
      this.log(`updater (${trigger}): ${JSON.stringify(result)}`);
    } catch (error) {
      this.invocations.push({ at: Date.now(), trigger, error: String(error) });
      this.log(`updater (${trigger}) failed: ${String(error)}`);
    } finally {
      this.pending.delete(call);
    }
  }
}

/** Starts the port 53 forwarder and waits until it has bound the port. */
async function startForwarder(ip: string, upstreamPort: number): Promise<ChildProcess> {
  const child = startPort53Forwarder(ip, upstreamPort);
  const stderr = drain(child, [child.stderr!]);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail('no "ready" within 10 s'), 10_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`the DNS port 53 forwarder (sudo -n python3 dns_forwarder.py) failed: ${why}${withTail('stderr', stderr())}`));
    };
    child.once('exit', (code) => fail(`exited with ${code}`));
    child.stdout!.setEncoding('utf-8').once('data', (chunk: string) => {
      if (chunk.startsWith('ready')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve();
      } else {
        fail(`said ${chunk}`);
      }
    });
  });
  child.stdout!.resume();
  return child;
}
