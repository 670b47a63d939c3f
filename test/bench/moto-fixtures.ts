/**
 * Sets up and inspects moto directly (never through the proxy, so none of this is counted or
 * throttled): replication groups, zones, failovers, and the verdict of `verifyNames` on a group.
 */
import * as path from 'path';
import {
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  TestFailoverCommand,
} from '@aws-sdk/client-elasticache';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  ListResourceRecordSetsCommandOutput,
  Route53Client,
} from '@aws-sdk/client-route-53';
import type { CurrentRecord, GroupMember } from '../../lambda/updater/plan';
import type { UpdaterSettings } from '../../lambda/updater/settings';
import { verifyNames, VerifyResult } from '../../lambda/updater/verify';
import { replicaNamesLeaseName, replicaNamesLeaseTarget, replicaRecordLabel, UpdaterEnv } from '../../src/private/contract';
import { createMotoReplicationGroup } from '../e2e/moto';

export const REGION = 'us-east-1';
export const TTL_SECONDS = 15;
/** Names per group: the two replicas that ReplicasPerNodeGroup 2 gives. */
export const NAMES_PER_GROUP = 2;
export const REPORT_DIR = path.join(__dirname, '../../test-reports/bench');
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * The SDK environment of the benchmark and of every process it starts: endpoints on 127.0.0.1,
 * fake credentials, and nothing from the machine's AWS config.
 */
export function sdkEnv(endpointUrl: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpointUrl,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_CONFIG_FILE: path.join(REPORT_DIR, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(REPORT_DIR, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** The updater's environment for one group (what the construct sets). */
export function updaterEnv(settings: UpdaterSettings): Record<string, string> {
  return {
    [UpdaterEnv.REPLICATION_GROUP_ID]: settings.replicationGroupId,
    [UpdaterEnv.HOSTED_ZONE_ID]: settings.hostedZoneId,
    [UpdaterEnv.REPLICA_RECORD_NAMES]: settings.recordNames.join(','),
    [UpdaterEnv.RECORD_TTL_SECONDS]: String(settings.ttlSeconds),
    [UpdaterEnv.NO_REPLICA_FALLBACK]: settings.noReplicaFallback,
  };
}

/** One replication group with its own private zone and names. */
export interface BenchGroup {
  readonly settings: UpdaterSettings;
  readonly nodeGroupId: string;
}

/** The outcome of checking one group's names against live state. */
export interface GroupCheck {
  readonly replicationGroupId: string;
  readonly ok: boolean;
  /** Names that do not exist or do not point at an available replica. */
  readonly wrongNames: number;
  readonly result: VerifyResult;
}

export class MotoAdmin {
  private readonly elastiCache: ElastiCacheClient;
  private readonly route53: Route53Client;

  constructor(motoUrl: string) {
    const config = { endpoint: motoUrl, region: REGION, credentials: CREDENTIALS, maxAttempts: 3 };
    this.elastiCache = new ElastiCacheClient(config);
    this.route53 = new Route53Client(config);
  }

  /** A group with a primary (-001) and two replicas (-002, -003). moto ignores NumCacheClusters. */
  async createReplicationGroup(replicationGroupId: string): Promise<string> {
    const group = await createMotoReplicationGroup(this.elastiCache, replicationGroupId);
    return group.NodeGroups![0].NodeGroupId!;
  }

  /** A group plus its own private zone `<id>.bench.internal` holding `replica1..N`. */
  async createGroup(replicationGroupId: string): Promise<BenchGroup> {
    const zoneName = `${replicationGroupId}.bench.internal`;
    const [nodeGroupId, zone] = await Promise.all([
      this.createReplicationGroup(replicationGroupId),
      this.route53.send(new CreateHostedZoneCommand({
        Name: zoneName,
        CallerReference: `bench-${replicationGroupId}-${Date.now()}`,
        HostedZoneConfig: { PrivateZone: true, Comment: 'benchmark' },
        VPC: { VPCId: 'vpc-0be4c4000000000000', VPCRegion: REGION },
      })),
    ]);
    const recordNames = Array.from({ length: NAMES_PER_GROUP }, (_, offset) => `${replicaRecordLabel(offset + 1)}.${zoneName}`);
    const hostedZoneId = zone.HostedZone!.Id!.replace(/^\/hostedzone\//, '');
    // The lease, as the custom resource's Create leaves it: without it no reconcile writes (src/private/contract.ts).
    await this.route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: hostedZoneId,
      ChangeBatch: {
        Changes: [{
          Action: 'CREATE',
          ResourceRecordSet: {
            Name: replicaNamesLeaseName(recordNames)!,
            Type: 'CNAME',
            TTL: TTL_SECONDS,
            ResourceRecords: [{ Value: replicaNamesLeaseTarget(replicationGroupId, 'created') }],
          },
        }],
      },
    }));
    return {
      nodeGroupId,
      settings: {
        replicationGroupId,
        hostedZoneId,
        recordNames,
        ttlSeconds: TTL_SECONDS,
        noReplicaFallback: 'primary',
      },
    };
  }

  /** moto's TestFailover promotes the available replica with the lowest id, before it answers. */
  async failover(group: BenchGroup): Promise<void> {
    await this.elastiCache.send(new TestFailoverCommand({ ReplicationGroupId: group.settings.replicationGroupId, NodeGroupId: group.nodeGroupId }));
  }

  /**
   * Checks every name of the group with the updater's own `verifyNames`. `statusesUnchanged` skips reading each
   * member's status and takes it as `available`: for runs that never change a status (the fleet), where those reads
   * would be most of the emulator's work.
   */
  async check(group: BenchGroup, statusesUnchanged = false): Promise<GroupCheck> {
    const [members, records] = await Promise.all([this.readMembers(group, statusesUnchanged), this.readRecords(group)]);
    const result = verifyNames(members, records, group.settings.recordNames);
    return {
      replicationGroupId: group.settings.replicationGroupId,
      ok: result.ok,
      wrongNames: result.names.filter((name) => name.problem !== undefined).length,
      result,
    };
  }

  destroy(): void {
    this.elastiCache.destroy();
    this.route53.destroy();
  }

  private async readMembers(group: BenchGroup, statusesUnchanged: boolean): Promise<GroupMember[]> {
    const response = await this.elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: group.settings.replicationGroupId }));
    const members = (response.ReplicationGroups?.[0]?.NodeGroups ?? []).flatMap((nodeGroup) => nodeGroup.NodeGroupMembers ?? []);
    return Promise.all(members.map(async (member): Promise<GroupMember> => {
      const cluster = statusesUnchanged
        ? { CacheClusters: [{ CacheClusterStatus: 'available' }] }
        : await this.elastiCache.send(new DescribeCacheClustersCommand({ CacheClusterId: member.CacheClusterId }));
      return {
        cacheClusterId: member.CacheClusterId ?? '',
        role: member.CurrentRole === 'primary' || member.CurrentRole === 'replica' ? member.CurrentRole : undefined,
        address: member.ReadEndpoint?.Address,
        status: cluster.CacheClusters?.[0]?.CacheClusterStatus,
      };
    }));
  }

  /** Every CNAME of the zone (a few records: one page, but paginated anyway, at most 20 pages). */
  private async readRecords(group: BenchGroup): Promise<CurrentRecord[]> {
    const records: CurrentRecord[] = [];
    let page: ListResourceRecordSetsCommandOutput | undefined;
    for (let pages = 0; pages < 20 && (page === undefined || page.IsTruncated); pages++) {
      page = await this.route53.send(new ListResourceRecordSetsCommand({
        HostedZoneId: group.settings.hostedZoneId,
        StartRecordName: page?.NextRecordName,
        StartRecordType: page?.NextRecordType,
        StartRecordIdentifier: page?.NextRecordIdentifier,
      }));
      for (const recordSet of page.ResourceRecordSets ?? []) {
        const target = recordSet.ResourceRecords?.[0]?.Value;
        if (recordSet.Type === 'CNAME' && recordSet.Name && target) {
          records.push({ name: recordSet.Name, target, ttl: recordSet.TTL ?? 0 });
        }
      }
    }
    return records;
  }
}
