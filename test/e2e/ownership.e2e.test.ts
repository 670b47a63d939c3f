/**
 * End-to-end test of the BUNDLED updater (assets/updater/index.js) against moto_server on 127.0.0.1: whose names
 * these are. The lease names the custom resource instance (stack and logical id) that owns them; these scenarios
 * play the CloudFormation sequences that used to lose or freeze the names, with the events custom_resources.Provider
 * passes on (the template's properties, StackId, LogicalResourceId, RequestId, ResourceType).
 *
 * The scenarios run in order against one zone, like the life of a stack: each starts from the state the previous one
 * left. moto's Route 53 accepts a stale DELETE (aws-facts §7), so races are the aws-sdk-client-mock tests' job
 * (test/lambda/ownership.test.ts); this test checks what the bundle leaves in the zone.
 */
import * as path from 'path';
import { DescribeReplicationGroupsCommand, ElastiCacheClient, TestFailoverCommand } from '@aws-sdk/client-elasticache';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import type {
  CloudFormationCustomResourceCreateEvent,
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceUpdateEvent,
} from 'aws-lambda';
import { BundledHandler, startBundledHandler } from './bundled-handler';
import { createMotoReplicationGroup, MotoServer, startMoto, throttleGroupReadsAfterNextChangeForTest } from './moto';
import { normalizeRecordName, UpdaterEnv } from '../../src/private/contract';
import { scheduledEvent, snsEvent } from '../support/updater-events';

// Two processes, a dozen invocations, and one Create that waits out the SDK's throttling retries (up to ~15 s).
jest.setTimeout(120_000);

const BUNDLE = path.join(__dirname, '../../assets/updater/index.js');
const REPORTS = path.join(__dirname, '../../test-reports');
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const GROUP_ID = 'e2e-owners';
const OTHER_GROUP_ID = 'e2e-orders';
const ZONE_NAME = 'owners.e2e.internal';
const TTL_SECONDS = 15;
const LEASE_NAME = `replica-names-lease.${ZONE_NAME}`;
const NAMES = [`replica1.${ZONE_NAME}`, `replica2.${ZONE_NAME}`];
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const SERVICE_TOKEN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:e2e-provider-on-event`;
const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Owners/11111111-1111-1111-1111-111111111111`;
const OTHER_STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Orders/22222222-2222-2222-2222-222222222222`;
/** The custom resource's logical id, and the one a release renaming its construct id would give it. */
const LOGICAL_ID = 'CacheUpdaterReplicaRecords3A5E9C1B';
const RENAMED_LOGICAL_ID = 'CacheUpdaterNamesReplicaRecords7D2F4B6A';

/** A custom resource instance: which stack, which logical id, which group. */
interface Resource {
  readonly stackId: string;
  readonly logicalResourceId: string;
  readonly replicationGroupId: string;
}

const OURS: Resource = { stackId: STACK_ID, logicalResourceId: LOGICAL_ID, replicationGroupId: GROUP_ID };
const RENAMED: Resource = { ...OURS, logicalResourceId: RENAMED_LOGICAL_ID };
const OTHER: Resource = { stackId: OTHER_STACK_ID, logicalResourceId: 'OrdersUpdaterReplicaRecords5C6D7E8F', replicationGroupId: OTHER_GROUP_ID };

let moto: MotoServer;
let updater: BundledHandler;
let elastiCache: ElastiCacheClient;
let route53: Route53Client;
let zoneId: string;
let requests = 0;

/**
 * The template's properties of the custom resource (src/private/updater.ts), as CloudFormation passes them: every
 * value a string, and ServiceToken among them ("Custom resource request objects", CloudFormation User Guide:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html).
 */
function properties(resource: Resource, ttl = TTL_SECONDS) {
  return {
    ServiceToken: SERVICE_TOKEN,
    HostedZoneId: zoneId,
    ReplicaRecordNames: NAMES.join(','),
    ReplicationGroupId: resource.replicationGroupId,
    PrimaryEndpointAddress: `master.${resource.replicationGroupId}.moto.use1.cache.amazonaws.com`,
    RecordTtlSeconds: String(ttl),
    NoReplicaFallback: 'primary',
    ReplicaNamesLease: LEASE_NAME,
  };
}

/** What aws-cdk-lib's provider framework passes to onEvent (custom-resources/lib/provider-framework/runtime/framework.ts). */
function common(resource: Resource, requestType: string) {
  requests += 1;
  return {
    ServiceToken: SERVICE_TOKEN,
    ResponseURL: `https://cloudformation-custom-resource-response-${REGION}.s3.amazonaws.com/e2e`,
    StackId: resource.stackId,
    RequestId: `00000000-0000-0000-0000-${String(requests).padStart(12, '0')}-${requestType}`,
    LogicalResourceId: resource.logicalResourceId,
    ResourceType: 'Custom::ReplicaRecords',
  };
}

function createEvent(resource: Resource): CloudFormationCustomResourceCreateEvent {
  return { ...common(resource, 'create'), RequestType: 'Create', ResourceProperties: properties(resource) };
}

function updateEvent(resource: Resource, ttl: number, oldTtl: number): CloudFormationCustomResourceUpdateEvent {
  return {
    ...common(resource, 'update'),
    RequestType: 'Update',
    PhysicalResourceId: `replica-records:${zoneId}`,
    ResourceProperties: properties(resource, ttl),
    OldResourceProperties: properties(resource, oldTtl),
  };
}

function deleteEvent(resource: Resource): CloudFormationCustomResourceDeleteEvent {
  return { ...common(resource, 'delete'), RequestType: 'Delete', PhysicalResourceId: `replica-records:${zoneId}`, ResourceProperties: properties(resource) };
}

/** Invokes the bundle as the function of `resource`'s stack: its environment names its group and stack. */
async function invoke<T>(event: unknown, resource: Resource = OURS): Promise<T> {
  return updater.invoke<T>(event, { [UpdaterEnv.REPLICATION_GROUP_ID]: resource.replicationGroupId, [UpdaterEnv.STACK_ID]: resource.stackId });
}

beforeAll(async () => {
  moto = await startMoto({ failoverDelaySeconds: 0, logFile: path.join(REPORTS, 'e2e-ownership-moto.log') });
  const clientConfig = { endpoint: moto.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 };
  elastiCache = new ElastiCacheClient(clientConfig);
  route53 = new Route53Client(clientConfig);
  await createMotoReplicationGroup(elastiCache, GROUP_ID);
  await createMotoReplicationGroup(elastiCache, OTHER_GROUP_ID);
  const zone = await route53.send(new CreateHostedZoneCommand({
    Name: ZONE_NAME,
    CallerReference: `e2e-ownership-${Date.now()}`,
    HostedZoneConfig: { PrivateZone: true, Comment: 'updater ownership e2e' },
    VPC: { VPCId: 'vpc-0e2e0000000000000', VPCRegion: REGION },
  }));
  zoneId = zone.HostedZone!.Id!.replace(/^\/hostedzone\//, '');

  updater = await startBundledHandler({
    bundle: BUNDLE,
    logFile: path.join(REPORTS, 'e2e-ownership-updater.log'),
    invokeTimeoutMs: 60_000,
    env: {
      [UpdaterEnv.REPLICATION_GROUP_ID]: GROUP_ID,
      [UpdaterEnv.HOSTED_ZONE_ID]: zoneId,
      [UpdaterEnv.REPLICA_RECORD_NAMES]: NAMES.join(','),
      [UpdaterEnv.RECORD_TTL_SECONDS]: String(TTL_SECONDS),
      [UpdaterEnv.NO_REPLICA_FALLBACK]: 'primary',
      [UpdaterEnv.STACK_ID]: STACK_ID,
      AWS_ENDPOINT_URL: moto.url,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_CONFIG_FILE: path.join(REPORTS, 'e2e-no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(REPORTS, 'e2e-no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Metrics on: the alarm's NamesNotManaged is read from the function's output, as CloudWatch would.
      POWERTOOLS_LOG_LEVEL: 'WARN',
    },
  });
});

afterAll(async () => {
  await updater?.stop();
  elastiCache?.destroy();
  route53?.destroy();
  await moto?.stop();
});

describe('the lease names its owner: the bundle against moto', () => {
  test('1. a Create whose re-read of the group is throttled after its write fails and leaves the zone empty', async () => {
    // GIVEN the group reads after the Create's batch answer Throttling past the client's 5 attempts. aws-cdk-lib's
    // provider framework then answers the rollback's Delete without calling the handler
    // (packages/aws-cdk-lib/custom-resources/lib/provider-framework/runtime/cfn-response.ts), so nothing else cleans up.
    await throttleGroupReadsAfterNextChangeForTest(moto.url, 5);

    // WHEN / THEN
    await expect(invoke(createEvent(OURS))).rejects.toThrow(/Throttling|Rate exceeded/);
    expect(await zoneCnames()).toEqual({});
  });

  test('2. the Create of the deployment that follows seeds the names under a lease naming the resource', async () => {
    // WHEN
    await invoke(createEvent(OURS));

    // THEN
    const zone = await zoneCnames();
    expect(Object.keys(zone).sort()).toEqual([LEASE_NAME, ...NAMES].sort());
    expect(zone[LEASE_NAME]).toContain(LOGICAL_ID.toLowerCase());
    expect(await replicaIds(NAMES)).toEqual([`${GROUP_ID}-002`, `${GROUP_ID}-003`]);
  });

  test('3. a replaced resource: the new Create takes over, the old Delete in the cleanup phase leaves every name', async () => {
    // GIVEN a release renamed the custom resource's construct id: CloudFormation creates the resource under its new
    // logical id, then deletes the old one in the cleanup phase ("Update behaviors of stack resources",
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html)
    const before = await zoneCnames();

    // WHEN
    await invoke(createEvent(RENAMED));
    await invoke(deleteEvent(OURS));

    // THEN the names stayed; the lease names the new resource
    const after = await zoneCnames();
    expect(Object.keys(after).sort()).toEqual([LEASE_NAME, ...NAMES].sort());
    for (const name of NAMES) {
      expect(after[name]).toBe(before[name]);
    }
    expect(after[LEASE_NAME]).toContain(RENAMED_LOGICAL_ID.toLowerCase());
  });

  test('4. another stack\'s construct for another group in the same zone is refused before writing, and its Delete touches nothing', async () => {
    // GIVEN
    const before = await zoneCnames();

    // WHEN / THEN
    await expect(invoke(createEvent(OTHER), OTHER)).rejects.toThrow(
      `The replica names in this zone belong to group ${GROUP_ID}, managed by ${RENAMED_LOGICAL_ID.toLowerCase()} in stack owners`,
    );
    await invoke(deleteEvent(OTHER), OTHER);
    expect(await zoneCnames()).toEqual(before);
  });

  test('5. the lease removed by hand, then a failover: the runs write nothing and publish NamesNotManaged for the alarm', async () => {
    // GIVEN
    const lease = (await zoneCnames())[LEASE_NAME];
    await route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: { Name: LEASE_NAME, Type: 'CNAME', TTL: TTL_SECONDS, ResourceRecords: [{ Value: lease }] } }] },
    }));
    const group = await elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: GROUP_ID }));
    const nodeGroupId = group.ReplicationGroups![0].NodeGroups![0].NodeGroupId;
    await elastiCache.send(new TestFailoverCommand({ ReplicationGroupId: GROUP_ID, NodeGroupId: nodeGroupId }));
    const before = await zoneCnames();

    // WHEN
    const notified = await invoke<{ changes: number }>(snsEvent({ 'ElastiCache:FailoverComplete': GROUP_ID }));
    const scheduled = await invoke<{ changes: number }>(scheduledEvent());

    // THEN nothing moved (a name is left on the new primary), and the function said so in the metric the alarm reads
    expect([notified.changes, scheduled.changes]).toEqual([0, 0]);
    expect(await zoneCnames()).toEqual(before);
    expect(await replicaIds(NAMES)).toContain(`${GROUP_ID}-002`);
    const metric = await emittedMetric('NamesNotManaged');
    expect(metric).toMatchObject({ ReplicationGroupId: GROUP_ID, service: 'cdk-redis-stable-readers-updater', NamesNotManaged: 1 });
    expect(metric._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'CdkRedisStableReaders',
      Dimensions: [expect.arrayContaining(['ReplicationGroupId', 'service'])],
    });
  });

  test('6. an operator\'s {"action":"reclaim"} claims the names as the custom resource, and they follow the failover again', async () => {
    // WHEN (the construct sets the custom resource's logical id in the function's environment)
    const response = await updater.invoke<{ changes: number }>({ action: 'reclaim' }, { [UpdaterEnv.NAMES_LOGICAL_ID]: RENAMED_LOGICAL_ID });

    // THEN
    expect(response.changes).toBe(1);
    expect((await zoneCnames())[LEASE_NAME]).toContain(RENAMED_LOGICAL_ID.toLowerCase());
    expect(await replicaIds(NAMES)).not.toContain(`${GROUP_ID}-002`);
  });

  test('7. the next deployment\'s Update and the stack\'s Delete: the custom resource owns the names again, so the zone ends empty', async () => {
    // WHEN
    await invoke(updateEvent(RENAMED, TTL_SECONDS + 1, TTL_SECONDS));
    await invoke(deleteEvent(RENAMED));

    // THEN
    expect(await zoneCnames()).toEqual({});
  });
});

/** The CNAMEs of the zone whose name starts with `replica`, name -> normalized value. */
async function zoneCnames(): Promise<Record<string, string>> {
  const page = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  const records: Record<string, string> = {};
  for (const recordSet of page.ResourceRecordSets ?? []) {
    const name = normalizeRecordName(recordSet.Name ?? '');
    if (recordSet.Type === 'CNAME' && name.startsWith('replica')) {
      records[name] = normalizeRecordName(recordSet.ResourceRecords?.[0]?.Value ?? '');
    }
  }
  return records;
}

/** The cache cluster ids the names point at (moto's read endpoints start with the member id). */
async function replicaIds(names: readonly string[]): Promise<string[]> {
  const zone = await zoneCnames();
  return names.map((name) => (zone[name] ?? '').split('.')[0]).sort();
}

/** The last embedded-metric-format line of the function's output that carries `metricName`, parsed. */
async function emittedMetric(metricName: string): Promise<any> {
  for (let waited = 0; waited < 3_000; waited += 100) {
    const lines = updater.outputTail().split('\n').filter((line) => line.includes(`"${metricName}"`) && line.includes('"_aws"'));
    if (lines.length > 0) {
      return JSON.parse(lines[lines.length - 1]);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${metricName} metric in the function's output:\n${updater.outputTail()}`);
}
