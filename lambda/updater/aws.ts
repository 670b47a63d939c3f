import { DescribeCacheClustersCommand, DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  ListResourceRecordSetsCommandOutput,
  Route53Client,
} from '@aws-sdk/client-route-53';
import type { CurrentRecord, GroupMember, RecordChange } from './plan';
import { DeadlineRetryStrategy, MAX_ATTEMPTS_GUARD } from './retry';
import { normalizeRecordName } from '../../src/private/contract';

const ELASTICACHE_MAX_ATTEMPTS = 5;

/** The AWS calls the updater makes. An interface so tests and benchmarks can count or replace them. */
export interface UpdaterAws {
  /** The group's members with their roles, read endpoints and availability. */
  readGroup(replicationGroupId: string): Promise<GroupState>;
  /** The CNAME records among `names` that exist in the zone. */
  readRecords(hostedZoneId: string, names: readonly string[]): Promise<CurrentRecord[]>;
  /** Applies the changes as one atomic batch. */
  applyChanges(hostedZoneId: string, changes: readonly RecordChange[], comment: string): Promise<void>;
}

/** What the updater knows about the replication group. */
export interface GroupState {
  readonly status?: string;
  readonly members: GroupMember[];
}

/** Options of {@link createUpdaterAws}. */
export interface UpdaterAwsOptions {
  /**
   * When Route 53 retries must stop (epoch milliseconds): the handler sets it from the invocation's remaining time.
   * @default - DEFAULT_CALL_BUDGET_MS after each call's first attempt
   */
  readonly deadline?: () => number;
  /** Divides every retry wait; only the benchmark's time-scaled clock sets it. @default 1 */
  readonly timeScale?: number;
}

/** Clients are created once per container, so warm invocations reuse connections. */
export function createUpdaterAws(options: UpdaterAwsOptions = {}): UpdaterAws {
  // Regions and AWS_ENDPOINT_URL* variables are read by the SDK itself, so the same bundle runs against an emulator.
  const elastiCache = new ElastiCacheClient({ maxAttempts: ELASTICACHE_MAX_ATTEMPTS });
  const route53 = new Route53Client({
    // Only announced in each request's amz-sdk-request header: the deadline is the real bound (retry.ts).
    maxAttempts: MAX_ATTEMPTS_GUARD,
    retryStrategy: new DeadlineRetryStrategy({ deadline: options.deadline, timeScale: options.timeScale }),
  });
  return {
    readGroup: (id) => readGroup(elastiCache, id),
    readRecords: (zoneId, names) => readRecords(route53, zoneId, names),
    applyChanges: (zoneId, changes, comment) => applyChanges(route53, zoneId, changes, comment),
  };
}

async function readGroup(client: ElastiCacheClient, replicationGroupId: string): Promise<GroupState> {
  // Filtered by id: never an account-wide listing (and IAM allows only this group).
  const response = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }));
  const group = response.ReplicationGroups?.[0];
  if (!group) {
    throw new Error(`Replication group ${replicationGroupId} was not found`);
  }
  const nodeGroupMembers = (group.NodeGroups ?? []).flatMap((nodeGroup) => nodeGroup.NodeGroupMembers ?? []);
  // The group reports `available` while a new member is still creating, so each replica's own status decides.
  // The primary's is not read: the plan uses the primary only when no replica serves, whatever its status.
  const members = await Promise.all(nodeGroupMembers.map(async (member): Promise<GroupMember> => {
    const cacheClusterId = member.CacheClusterId ?? '';
    const role = member.CurrentRole === 'primary' || member.CurrentRole === 'replica' ? member.CurrentRole : undefined;
    const status = role === 'replica' ? await readCacheClusterStatus(client, cacheClusterId) : undefined;
    return { cacheClusterId, role, address: member.ReadEndpoint?.Address, status };
  }));
  return { status: group.Status, members };
}

/** The member's `CacheClusterStatus`; `deleted` for a member the group still lists but that is gone. */
async function readCacheClusterStatus(client: ElastiCacheClient, cacheClusterId: string): Promise<string | undefined> {
  try {
    const response = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: cacheClusterId }));
    return response.CacheClusters?.[0]?.CacheClusterStatus;
  } catch (error) {
    if (errorName(error) === 'CacheClusterNotFoundFault' || errorName(error) === 'CacheClusterNotFound') {
      return 'deleted';
    }
    throw error;
  }
}

/**
 * Reads the wanted CNAMEs, paginating by hand: the Route 53 client has no paginator for
 * ListResourceRecordSets. Listing starts at the first wanted name in Route 53's order and
 * stops once every wanted name has been seen or passed.
 */
async function readRecords(client: Route53Client, hostedZoneId: string, names: readonly string[]): Promise<CurrentRecord[]> {
  const wanted = new Set(names.map(normalizeRecordName));
  if (wanted.size === 0) {
    return [];
  }
  const ordered = [...wanted].sort(compareRoute53Order);
  const last = ordered[ordered.length - 1];
  const found: CurrentRecord[] = [];
  let start: { name?: string; type?: string; identifier?: string } = { name: ordered[0] };
  for (;;) {
    const page: ListResourceRecordSetsCommandOutput = await client.send(new ListResourceRecordSetsCommand({
      HostedZoneId: hostedZoneId,
      StartRecordName: start.name,
      StartRecordType: start.type as never,
      StartRecordIdentifier: start.identifier,
    }));
    let passedLast = false;
    for (const recordSet of page.ResourceRecordSets ?? []) {
      const name = normalizeRecordName(recordSet.Name ?? '');
      if (compareRoute53Order(name, last) > 0) {
        passedLast = true;
        break;
      }
      const target = recordSet.ResourceRecords?.[0]?.Value;
      if (recordSet.Type === 'CNAME' && wanted.has(name) && target !== undefined) {
        // The value is kept exactly as listed: a DELETE must repeat it; the planner normalizes it for comparing.
        found.push({ name, target, ttl: recordSet.TTL ?? 0 });
      }
    }
    if (passedLast || !page.IsTruncated || found.length === wanted.size) {
      return found;
    }
    start = { name: page.NextRecordName, type: page.NextRecordType, identifier: page.NextRecordIdentifier };
  }
}

/**
 * Route 53 lists records in ASCII order of the name with its labels reversed and a trailing dot
 * (`internal.cache.replica1.`). The dot sorts after `!"#$%&'()*+,-`, so `replica1-old` lists
 * before `replica1`: comparing label by label would get that wrong and stop listing too early.
 */
export function compareRoute53Order(a: string, b: string): number {
  const key = (name: string) => `${normalizeRecordName(name).split('.').reverse().join('.')}.`;
  const left = key(a);
  const right = key(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

async function applyChanges(client: Route53Client, hostedZoneId: string, changes: readonly RecordChange[], comment: string): Promise<void> {
  if (changes.length === 0) {
    return;
  }
  await client.send(new ChangeResourceRecordSetsCommand({
    HostedZoneId: hostedZoneId,
    ChangeBatch: {
      Comment: comment.slice(0, 256),
      Changes: changes.map((change) => ({
        Action: change.action,
        ResourceRecordSet: {
          Name: change.name,
          Type: 'CNAME',
          TTL: change.ttl,
          ResourceRecords: [{ Value: change.target }],
        },
      })),
    },
  }));
}

/** The error's name as the SDK reports it (`name`, or `Code` on older shapes). */
export function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined;
  }
  const candidate = error as { name?: unknown; Code?: unknown };
  return typeof candidate.name === 'string' ? candidate.name : typeof candidate.Code === 'string' ? candidate.Code : undefined;
}
