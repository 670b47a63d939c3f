/**
 * The BASELINE: what a naive hand-written updater Lambda does, for comparison only (bench code,
 * never shipped). On every event it
 *
 * - lists every replication group in the account (DescribeReplicationGroups without an id,
 *   paginated) and picks its own;
 * - numbers the replicas in the order the listing returns them (replica1 = first replica, ...),
 *   without checking whether each replica is available;
 * - writes one Route 53 UPSERT per replica, one ChangeResourceRecordSets call each, without
 *   reading the zone first, so it writes even when nothing changed;
 * - uses SDK clients with default settings (standard retries, 3 attempts).
 */
import { ElastiCacheClient, paginateDescribeReplicationGroups, ReplicationGroup } from '@aws-sdk/client-elasticache';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import type { UpdaterSettings } from '../../lambda/updater/settings';

/** The baseline's clients, as a naive handler creates them at module level. */
export interface BaselineAws {
  readonly elastiCache: ElastiCacheClient;
  readonly route53: Route53Client;
}

/** Default clients; endpoint, region and credentials come from the environment like the real handler's. */
export function createBaselineAws(): BaselineAws {
  return { elastiCache: new ElastiCacheClient({}), route53: new Route53Client({}) };
}

/** One baseline invocation. Returns how many record changes it wrote. Throws on the first failed call. */
export async function baselineReconcile(aws: BaselineAws, settings: UpdaterSettings): Promise<number> {
  const groups: ReplicationGroup[] = [];
  for await (const page of paginateDescribeReplicationGroups({ client: aws.elastiCache }, {})) {
    groups.push(...(page.ReplicationGroups ?? []));
  }
  const group = groups.find((candidate) => candidate.ReplicationGroupId === settings.replicationGroupId);
  if (!group) {
    throw new Error(`Replication group ${settings.replicationGroupId} was not found`);
  }
  const replicas = (group.NodeGroups ?? [])
    .flatMap((nodeGroup) => nodeGroup.NodeGroupMembers ?? [])
    .filter((member) => member.CurrentRole === 'replica' && member.ReadEndpoint?.Address);

  let written = 0;
  for (const [index, replica] of replicas.entries()) {
    const name = settings.recordNames[index];
    if (name === undefined) {
      break;
    }
    await aws.route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: settings.hostedZoneId,
      ChangeBatch: {
        Changes: [{
          Action: 'UPSERT',
          ResourceRecordSet: { Name: name, Type: 'CNAME', TTL: settings.ttlSeconds, ResourceRecords: [{ Value: replica.ReadEndpoint!.Address! }] },
        }],
      },
    }));
    written += 1;
  }
  return written;
}
