/**
 * End-to-end test of the BUNDLED updater (assets/updater/index.js) against moto_server on 127.0.0.1.
 * The bundle runs in its own Node.js process (see bundled-handler.ts), which refuses any non-loopback
 * connection; this test sets up and inspects moto with the SDK.
 *
 * The scenarios run in order against one replication group and one zone, like the life of a stack:
 * each starts from the state the previous one left, so once one fails, later ones may fail too (read
 * the first failure). After every step the zone is checked against the rules: every name exists once,
 * targets the read endpoint of an available replica, never the primary, and the names are spread
 * evenly (replica counts differ by at most one).
 *
 * moto's Route 53 is not a faithful judge of change batches (aws-facts §7). moto_launcher.py makes it check a
 * CREATE in batch order like Route 53 (so the updater's DELETE + CREATE replace works), but it still accepts
 * a second DELETE of a record it already removed, and it answers a DELETE whose value or TTL is stale with
 * `InvalidInput`, where Route 53 says `InvalidChangeBatch` (the error the handler re-plans on). So wrong or
 * stale DELETEs and races between writers are caught by the aws-sdk-client-mock tests, not here; this test
 * checks the end state the handler leaves.
 */
import * as path from 'path';
import {
  DecreaseReplicaCountCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  IncreaseReplicaCountCommand,
  ModifyReplicationGroupCommand,
  ReplicationGroup,
  TestFailoverCommand,
} from '@aws-sdk/client-elasticache';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  DeleteHostedZoneCommand,
  ListResourceRecordSetsCommand,
  ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import type {
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceUpdateEvent,
} from 'aws-lambda';
import { BundledHandler, startBundledHandler } from './bundled-handler';
import { createMotoReplicationGroup, MotoServer, setCacheClusterStatusForTest, startMoto } from './moto';
import { normalizeRecordName, ReconcileResourceProps, replicaRecordsPhysicalId, UpdaterEnv } from '../../src/private/contract';
import { scheduledEvent, snsEvent } from '../support/updater-events';

// Two processes to start and a dozen invocations: a few seconds, but CI machines can be slow.
jest.setTimeout(60_000);

const BUNDLE = path.join(__dirname, '../../assets/updater/index.js');
const REPORTS = path.join(__dirname, '../../test-reports');
const REGION = 'us-east-1';
const GROUP_ID = 'e2e-readers';
const ZONE_NAME = 'cache.e2e.internal';
const TTL_SECONDS = 15;
/** The lease the custom resource holds while it owns the names (spelled out here, not taken from the code). */
const LEASE_NAME = `replica-names-lease.${ZONE_NAME}`;
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const SERVICE_TOKEN = `arn:aws:lambda:${REGION}:123456789012:function:e2e-provider-on-event`;
const STACK_ID = `arn:aws:cloudformation:${REGION}:123456789012:stack/e2e/00000000-0000-0000-0000-000000000000`;

/** What the handler answers a reconciling event (SNS, schedule, direct invoke). */
interface ReconcileResponse {
  readonly replicationGroupId: string;
  readonly records: Record<string, string>;
  readonly changes: number;
}

/** What the handler answers a custom resource event. */
interface CustomResourceResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/** A member of the group as ElastiCache reports it. */
interface Member {
  readonly id: string;
  readonly role?: string;
  readonly address: string;
  readonly status?: string;
}

/** name -> cache cluster id of the replica it points at. */
type Assignment = Record<string, string>;

function nameOf(index: number): string {
  return `replica${index}.${ZONE_NAME}`;
}

function namesUpTo(count: number): string[] {
  return Array.from({ length: count }, (_, offset) => nameOf(offset + 1));
}

let moto: MotoServer;
let updater: BundledHandler;
let elastiCache: ElastiCacheClient;
let route53: Route53Client;
let zoneId: string;
let nodeGroupId: string;
/** The names the deployed function is configured with (REPLICA_RECORD_NAMES); a deployment may change them. */
let configuredNames = namesUpTo(2);

/** Invokes the bundled handler with the current configuration. */
async function handler<T>(event: unknown): Promise<T> {
  return updater.invoke<T>(event, { [UpdaterEnv.REPLICA_RECORD_NAMES]: configuredNames.join(',') });
}

beforeAll(async () => {
  moto = await startMoto({ failoverDelaySeconds: 0, logFile: path.join(REPORTS, 'e2e-moto.log') });
  const clientConfig = { endpoint: moto.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 };
  elastiCache = new ElastiCacheClient(clientConfig);
  route53 = new Route53Client(clientConfig);

  // -001 primary, -002/-003 replicas.
  await createMotoReplicationGroup(elastiCache, GROUP_ID);
  // moto does not check that the VPC exists.
  const zone = await route53.send(new CreateHostedZoneCommand({
    Name: ZONE_NAME,
    CallerReference: `e2e-${Date.now()}`,
    HostedZoneConfig: { PrivateZone: true, Comment: 'updater e2e' },
    VPC: { VPCId: 'vpc-0e2e0000000000000', VPCRegion: REGION },
  }));
  // CloudFormation's Ref of a hosted zone is the bare id, which is what the construct passes on.
  zoneId = zone.HostedZone!.Id!.replace(/^\/hostedzone\//, '');
  nodeGroupId = (await describeGroup()).NodeGroups![0].NodeGroupId!;

  updater = await startBundledHandler({
    bundle: BUNDLE,
    logFile: path.join(REPORTS, 'e2e-updater.log'),
    env: {
      [UpdaterEnv.REPLICATION_GROUP_ID]: GROUP_ID,
      [UpdaterEnv.HOSTED_ZONE_ID]: zoneId,
      [UpdaterEnv.REPLICA_RECORD_NAMES]: configuredNames.join(','),
      [UpdaterEnv.RECORD_TTL_SECONDS]: String(TTL_SECONDS),
      [UpdaterEnv.NO_REPLICA_FALLBACK]: 'primary',
      [UpdaterEnv.STACK_ID]: STACK_ID,
      AWS_ENDPOINT_URL: moto.url,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      // No shared config or credentials file of the machine may steer the SDK.
      AWS_CONFIG_FILE: path.join(REPORTS, 'e2e-no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(REPORTS, 'e2e-no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // The function's JSON logs go to the log file; EMF metrics would only add noise there.
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
  });
});

afterAll(async () => {
  await updater?.stop();
  elastiCache?.destroy();
  route53?.destroy();
  await moto?.stop();
});

describe('bundled updater against moto', () => {
  test('1. a custom resource Create seeds every name on the replicas', async () => {
    // GIVEN an empty zone and a group with replicas -002 and -003
    expect(await readZoneCnames()).toEqual(new Map());

    // WHEN CloudFormation creates the custom resource
    const response = await handler<CustomResourceResponse>(customResourceEvent('Create', namesUpTo(2)));

    // THEN each name is on its own replica and the response carries the id and the records
    const assignment = await expectNamesFollowReplicas(namesUpTo(2));
    expect(new Set(Object.values(assignment))).toEqual(new Set([`${GROUP_ID}-002`, `${GROUP_ID}-003`]));
    expect(response.PhysicalResourceId).toBe(replicaRecordsPhysicalId(zoneId));
    expect(response.Data).toEqual(await zoneTargets(namesUpTo(2)));
  });

  test('2. a direct invoke on a zone in sync changes nothing', async () => {
    // GIVEN the seeded zone
    const before = await zoneTargets(namesUpTo(2));

    // WHEN the function is invoked by hand
    const response = await handler<ReconcileResponse>({});

    // THEN no record is written
    expect(response).toEqual({ replicationGroupId: GROUP_ID, records: before, changes: 0 });
    expect(await zoneTargets(namesUpTo(2))).toEqual(before);
  });

  test('3. after a failover, the name on the promoted replica moves and the other stays', async () => {
    // The launcher promotes the available replica with the lowest id.
    const newPrimary = await failOverAndNotify(namesUpTo(2), () => ({ 'ElastiCache:FailoverComplete': GROUP_ID }));
    expect(newPrimary).toBe(`${GROUP_ID}-002`);
  });

  test('4. after failing back, the names are still right', async () => {
    // This time the notification names a member and carries extra keys, as some real ones do (aws-facts §1.2).
    const newPrimary = await failOverAndNotify(namesUpTo(2), (promoted) => ({
      'ElastiCache:FailoverComplete': promoted,
      'Cache Cluster ID': promoted,
      'Replication Group ID': GROUP_ID,
    }));
    expect(newPrimary).toBe(`${GROUP_ID}-001`);
  });

  test('5. a replica added and one removed: the names follow on the schedule', async () => {
    // GIVEN a third name (a deployment changes the names and the replica count together)
    const names = namesUpTo(3);
    configuredNames = names;
    const before = await expectNamesFollowReplicas(namesUpTo(2));

    // WHEN a replica is added and the schedule fires
    const added = await replicaIdsAfter(() => elastiCache.send(new IncreaseReplicaCountCommand({
      ReplicationGroupId: GROUP_ID,
      NewReplicaCount: 3,
      ApplyImmediately: true,
    })));
    const afterAdd = await handler<ReconcileResponse>(scheduledEvent());

    // THEN only the new name is written, on the new replica, and the old names stay
    expect(added.new).toHaveLength(1);
    expect(afterAdd.changes).toBe(1);
    const withThree = await expectNamesFollowReplicas(names);
    expect(withThree).toEqual({ ...before, [nameOf(3)]: added.new[0] });

    // WHEN the replica holding replica1 is removed and the schedule fires
    const removed = withThree[nameOf(1)];
    const left = await replicaIdsAfter(() => elastiCache.send(new DecreaseReplicaCountCommand({
      ReplicationGroupId: GROUP_ID,
      ReplicasToRemove: [removed],
      ApplyImmediately: true,
    })));
    const afterRemove = await handler<ReconcileResponse>(scheduledEvent());

    // THEN only replica1 moves, and nothing points at the removed node
    expect(left.gone).toEqual([removed]);
    expect(afterRemove.changes).toBe(1);
    const withTwo = await expectNamesFollowReplicas(names);
    expect(Object.values(withTwo)).not.toContain(removed);
    expect(withTwo[nameOf(2)]).toBe(withThree[nameOf(2)]);
    expect(withTwo[nameOf(3)]).toBe(withThree[nameOf(3)]);
  });

  test('6. a replica that is down loses its names, and gets some back when it is available', async () => {
    // GIVEN three names over two replicas, one of them holding two
    const names = namesUpTo(3);
    const before = await expectNamesFollowReplicas(names);
    const busiest = mostLoaded(before);

    // WHEN that replica reboots (down, aws-facts §0a.1) and the schedule fires
    await setCacheClusterStatusForTest(moto.url, busiest, 'rebooting cache cluster nodes');
    const whileRebooting = await handler<ReconcileResponse>(scheduledEvent());

    // THEN its two names move to the other replica, and only they
    expect(whileRebooting.changes).toBe(2);
    const moved = await expectNamesFollowReplicas(names);
    expect(Object.values(moved)).not.toContain(busiest);

    // WHEN it is available again and the schedule fires
    await setCacheClusterStatusForTest(moto.url, busiest, 'available');
    const whenBack = await handler<ReconcileResponse>(scheduledEvent());

    // THEN one name moves back, so the load is spread again
    expect(whenBack.changes).toBe(1);
    const spread = await expectNamesFollowReplicas(names);
    expect(Object.values(spread)).toContain(busiest);
  });

  test('6b. a replica taking its backup keeps its names; a failover meanwhile moves names to the available replica', async () => {
    // GIVEN three names over two replicas; the one holding two starts the daily backup. DescribeCacheClusters reports
    // `snapshotting` then, and AWS says a backup has no impact on the cache (aws-facts §0a.1).
    const names = namesUpTo(3);
    const before = await expectNamesFollowReplicas(names);
    const backingUp = mostLoaded(before);
    await setCacheClusterStatusForTest(moto.url, backingUp, 'snapshotting');

    // WHEN the schedule fires during the backup
    const duringBackup = await handler<ReconcileResponse>(scheduledEvent());

    // THEN no name moves
    expect(duringBackup.changes).toBe(0);
    expect(await expectNamesFollowReplicas(names)).toEqual(before);

    // WHEN the other replica is promoted during the backup (the launcher skips a snapshotting replica, so it is named)
    const other = Object.values(before).find((id) => id !== backingUp)!;
    await elastiCache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: GROUP_ID, PrimaryClusterId: other, ApplyImmediately: true }));
    await handler<ReconcileResponse>(snsEvent({ 'ElastiCache:FailoverComplete': GROUP_ID }));

    // THEN the name on the new primary goes to the old primary, now an available replica, not to the one backing up
    const after = await expectNamesFollowReplicas(names);
    const movedName = names.find((name) => before[name] === other)!;
    expect(after[movedName]).not.toBe(backingUp);
    expect(Object.values(after).filter((id) => id === backingUp)).toHaveLength(2);
    await setCacheClusterStatusForTest(moto.url, backingUp, 'available');
  });

  test('7. a custom resource Update that drops a name keeps it on a live replica; the next Update deletes it', async () => {
    // GIVEN three names; the deployment goes back to two
    configuredNames = namesUpTo(2);

    // WHEN CloudFormation updates the custom resource
    const response = await handler<CustomResourceResponse>(customResourceEvent('Update', namesUpTo(2), namesUpTo(3)));

    // THEN the two names obey the rules, and replica3 still resolves, to replica1's replica: the deployment that gives
    // applications their new names may not have reached them yet, and a resolver caches NXDOMAIN
    expect(response.PhysicalResourceId).toBe(replicaRecordsPhysicalId(zoneId));
    const targets = await zoneTargets(namesUpTo(3));
    expect(targets[nameOf(3)]).toBe(targets[nameOf(1)]);
    await expectNamesFollowReplicas(namesUpTo(2), [nameOf(3)]);

    // WHEN the next deployment updates the custom resource again (the names stay two)
    await handler<CustomResourceResponse>(customResourceEvent('Update', namesUpTo(2), namesUpTo(2)));

    // THEN replica3 is gone
    await expectNamesFollowReplicas(namesUpTo(2));
    expect((await readZoneCnames()).has(nameOf(3))).toBe(false);
  });

  test('8. a custom resource Delete removes every name and every slot left beyond them, and a second Delete succeeds', async () => {
    // GIVEN two names, and replica4 and replica5 left behind (a late reconcile, a scale-in race)
    await route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        Changes: [4, 5].map((index) => ({
          Action: 'CREATE',
          ResourceRecordSet: { Name: nameOf(index), Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: `stale-${index}.example.com` }] },
        })),
      },
    }));
    expect([...(await readZoneCnames()).keys()].sort()).toEqual([LEASE_NAME, ...namesUpTo(2), nameOf(4), nameOf(5)]);

    // WHEN CloudFormation deletes the custom resource
    const response = await handler<CustomResourceResponse>(customResourceEvent('Delete', namesUpTo(2)));

    // THEN no replica name is left, so a construct-created zone can be deleted next
    expect(response).toEqual({ PhysicalResourceId: replicaRecordsPhysicalId(zoneId) });
    expect(await readZoneCnames()).toEqual(new Map());

    // WHEN CloudFormation retries the Delete (names already gone are not an error)
    const again = await handler<CustomResourceResponse>(customResourceEvent('Delete', namesUpTo(2)));

    // THEN it succeeds the same way
    expect(again).toEqual({ PhysicalResourceId: replicaRecordsPhysicalId(zoneId) });
    expect(await readZoneCnames()).toEqual(new Map());
  });

  test('9. a custom resource Delete whose zone is already gone succeeds', async () => {
    // GIVEN a zone id Route 53 does not know (the zone was deleted first)
    const goneZoneId = 'Z0GONE0000000000000E2';

    // WHEN
    const response = await handler<CustomResourceResponse>(customResourceEvent('Delete', namesUpTo(2), undefined, goneZoneId));

    // THEN
    expect(response).toEqual({ PhysicalResourceId: replicaRecordsPhysicalId(goneZoneId) });
  });

  test('10. after the Delete, a queued notification and a scheduled run write nothing, so the zone can be deleted', async () => {
    // GIVEN test 8's Delete emptied the zone. Removing the subscription and the schedule does not cancel events
    // already in Lambda's asynchronous queue, nor its retries about 1 and 2 minutes later (Lambda developer guide,
    // "Asynchronous invocation"), so these still reach the function.
    expect(await readZoneCnames()).toEqual(new Map());

    // WHEN
    const late = await handler<ReconcileResponse>(snsEvent({ 'ElastiCache:FailoverComplete': GROUP_ID }));
    const scheduled = await handler<ReconcileResponse>(scheduledEvent());

    // THEN nothing came back, and Route 53 deletes the zone (moto, like Route 53, refuses a zone with records: HostedZoneNotEmpty)
    expect([late.changes, scheduled.changes]).toEqual([0, 0]);
    expect(await readZoneCnames()).toEqual(new Map());
    await expect(route53.send(new DeleteHostedZoneCommand({ Id: zoneId }))).resolves.toBeDefined();
  });
});

/**
 * TestFailover, then the FailoverComplete notification built by `message`; checks that only the names
 * on the promoted replica moved. Returns the new primary's id.
 */
async function failOverAndNotify(names: readonly string[], message: (promoted: string) => Record<string, string>): Promise<string> {
  // GIVEN the names on the replicas
  const before = await expectNamesFollowReplicas(names);
  const oldPrimary = primaryOf(await describeGroup());

  // WHEN the group fails over (the launcher swaps roles before answering) and ElastiCache notifies
  await elastiCache.send(new TestFailoverCommand({ ReplicationGroupId: GROUP_ID, NodeGroupId: nodeGroupId }));
  const newPrimary = primaryOf(await describeGroup());
  expect(newPrimary).not.toBe(oldPrimary);
  const promotedNames = names.filter((name) => before[name] === newPrimary);
  // Otherwise the scenario proves nothing.
  expect(promotedNames).not.toHaveLength(0);
  const response = await handler<ReconcileResponse>(snsEvent(message(newPrimary)));

  // THEN the names on the promoted replica moved, the others stayed
  expect(response.changes).toBe(promotedNames.length);
  const after = await expectNamesFollowReplicas(names);
  for (const name of names) {
    if (promotedNames.includes(name)) {
      expect(after[name]).not.toBe(newPrimary);
    } else {
      expect(after[name]).toBe(before[name]);
    }
  }
  return newPrimary;
}

/**
 * Statuses in which a node still serves reads: AWS says a backup has "no impact on the cache" (ElastiCache backups page,
 * aws-facts §0a.1), and `modifying` covers online changes. Every other status is down.
 */
const SERVING_STATUSES = ['available', 'snapshotting', 'modifying'];

/**
 * Checks every rule on the live zone and group, and returns which replica each name points at.
 * Collects every broken rule first, so a failure lists them all.
 */
async function expectNamesFollowReplicas(names: readonly string[], retiring: readonly string[] = []): Promise<Assignment> {
  const [members, zone] = await Promise.all([readMembers(), readZoneCnames()]);
  const primary = members.find((member) => member.role === 'primary');
  const replicas = members.filter((member) => member.role === 'replica' && SERVING_STATUSES.includes(member.status ?? ''));
  const replicaByAddress = new Map(replicas.map((member) => [member.address, member.id]));
  const violations: string[] = [];
  const assignment: Assignment = {};

  for (const name of names) {
    const recordSets = zone.get(name) ?? [];
    const values = recordSets.flatMap((recordSet) => recordSet.ResourceRecords ?? []).map((record) => normalizeRecordName(record.Value ?? ''));
    if (recordSets.length !== 1 || values.length !== 1) {
      violations.push(`${name}: expected one CNAME with one value, found ${JSON.stringify(recordSets)}`);
      continue;
    }
    const target = values[0];
    if (recordSets[0].TTL !== TTL_SECONDS) {
      violations.push(`${name}: TTL ${recordSets[0].TTL}, expected ${TTL_SECONDS}`);
    }
    if (primary !== undefined && target === primary.address) {
      violations.push(`${name}: points at the primary ${primary.id}`);
    }
    const replicaId = replicaByAddress.get(target);
    if (replicaId === undefined) {
      violations.push(`${name}: ${target} is not the read endpoint of an available replica (${[...replicaByAddress.keys()].join(', ')})`);
    } else {
      assignment[name] = replicaId;
    }
  }

  const loads = replicas.map((replica) => Object.values(assignment).filter((id) => id === replica.id).length);
  if (loads.length > 0 && Math.max(...loads) - Math.min(...loads) > 1) {
    violations.push(`unbalanced: ${replicas.map((replica, i) => `${replica.id}=${loads[i]}`).join(', ')}`);
  }
  const strays = [...zone.keys()].filter((name) => !names.includes(name) && !retiring.includes(name) && name !== LEASE_NAME);
  if (strays.length > 0) {
    violations.push(`replica names that should not exist: ${strays.join(', ')}`);
  }
  if (!zone.has(LEASE_NAME)) {
    violations.push(`${LEASE_NAME} is missing, so no notification would keep the names right`);
  }

  expect(violations).toEqual([]);
  return assignment;
}

async function describeGroup(): Promise<ReplicationGroup> {
  const response = await elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: GROUP_ID }));
  return response.ReplicationGroups![0];
}

function primaryOf(group: ReplicationGroup): string {
  const primaries = (group.NodeGroups ?? [])
    .flatMap((nodeGroup) => nodeGroup.NodeGroupMembers ?? [])
    .filter((member) => member.CurrentRole === 'primary');
  expect(primaries).toHaveLength(1);
  return primaries[0].CacheClusterId!;
}

/** Members with their roles, read endpoints and (per cache cluster) statuses. */
async function readMembers(): Promise<Member[]> {
  const group = await describeGroup();
  const members = (group.NodeGroups ?? []).flatMap((nodeGroup) => nodeGroup.NodeGroupMembers ?? []);
  return Promise.all(members.map(async (member): Promise<Member> => {
    const clusters = await elastiCache.send(new DescribeCacheClustersCommand({ CacheClusterId: member.CacheClusterId }));
    return {
      id: member.CacheClusterId!,
      role: member.CurrentRole,
      address: normalizeRecordName(member.ReadEndpoint?.Address ?? ''),
      status: clusters.CacheClusters?.[0]?.CacheClusterStatus,
    };
  }));
}

/** Replica ids added and removed by `change`. */
async function replicaIdsAfter(change: () => Promise<unknown>): Promise<{ new: string[]; gone: string[] }> {
  const replicaIds = async () => (await readMembers()).filter((member) => member.role === 'replica').map((member) => member.id);
  const before = await replicaIds();
  await change();
  const after = await replicaIds();
  return { new: after.filter((id) => !before.includes(id)), gone: before.filter((id) => !after.includes(id)) };
}

/** The replica holding the most names (lowest id on a tie). */
function mostLoaded(assignment: Assignment): string {
  const loads = new Map<string, number>();
  for (const id of Object.values(assignment)) {
    loads.set(id, (loads.get(id) ?? 0) + 1);
  }
  return [...loads.entries()].sort(([leftId, left], [rightId, right]) => right - left || (leftId < rightId ? -1 : 1))[0][0];
}

/** Every CNAME record set in the zone whose first label starts with `replica`, by normalized name. */
async function readZoneCnames(): Promise<Map<string, ResourceRecordSet[]>> {
  const byName = new Map<string, ResourceRecordSet[]>();
  let start: { StartRecordName?: string; StartRecordType?: ResourceRecordSet['Type']; StartRecordIdentifier?: string } = {};
  for (;;) {
    const page = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...start }));
    for (const recordSet of page.ResourceRecordSets ?? []) {
      const name = normalizeRecordName(recordSet.Name ?? '');
      if (recordSet.Type === 'CNAME' && name.startsWith('replica')) {
        byName.set(name, [...byName.get(name) ?? [], recordSet]);
      }
    }
    if (!page.IsTruncated) {
      return byName;
    }
    start = { StartRecordName: page.NextRecordName, StartRecordType: page.NextRecordType, StartRecordIdentifier: page.NextRecordIdentifier };
  }
}

/** name -> normalized target of the given names that exist. */
async function zoneTargets(names: readonly string[]): Promise<Record<string, string>> {
  const zone = await readZoneCnames();
  const targets: Record<string, string> = {};
  for (const name of names) {
    const value = zone.get(name)?.[0]?.ResourceRecords?.[0]?.Value;
    if (value !== undefined) {
      targets[name] = normalizeRecordName(value);
    }
  }
  return targets;
}

/** The event custom_resources.Provider passes to its onEvent function. */
function customResourceEvent(
  requestType: 'Create' | 'Update' | 'Delete',
  names: readonly string[],
  oldNames?: readonly string[],
  hostedZoneId = zoneId,
): CloudFormationCustomResourceEvent {
  // The template's properties (src/private/updater.ts), every value a string as CloudFormation passes them.
  const properties = (recordNames: readonly string[]) => ({
    ServiceToken: SERVICE_TOKEN,
    [ReconcileResourceProps.HOSTED_ZONE_ID]: hostedZoneId,
    [ReconcileResourceProps.REPLICA_RECORD_NAMES]: recordNames.join(','),
    ReplicationGroupId: GROUP_ID,
    PrimaryEndpointAddress: `master.${GROUP_ID}.moto.use1.cache.amazonaws.com`,
    RecordTtlSeconds: String(TTL_SECONDS),
    NoReplicaFallback: 'primary',
    ReplicaNamesLease: LEASE_NAME,
  });
  const common = {
    ServiceToken: SERVICE_TOKEN,
    // The Provider framework keeps the pre-signed URL to itself.
    ResponseURL: '...',
    StackId: STACK_ID,
    RequestId: `e2e-${requestType}`,
    LogicalResourceId: 'ReplicaRecords',
    ResourceType: 'Custom::ReplicaRecords',
    ResourceProperties: properties(names),
  };
  if (requestType === 'Create') {
    return { ...common, RequestType: 'Create' };
  }
  const physicalResourceId = replicaRecordsPhysicalId(hostedZoneId);
  if (requestType === 'Update') {
    const update: CloudFormationCustomResourceUpdateEvent = {
      ...common,
      RequestType: 'Update',
      PhysicalResourceId: physicalResourceId,
      OldResourceProperties: properties(oldNames ?? names),
    };
    return update;
  }
  const deletion: CloudFormationCustomResourceDeleteEvent = { ...common, RequestType: 'Delete', PhysicalResourceId: physicalResourceId };
  return deletion;
}

