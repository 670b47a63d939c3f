/**
 * Whose names these are: the lease names the custom resource instance that owns them (lambda/updater/lease.ts).
 * Sequences of realistic custom_resources.Provider events and runs against the fake zone and group.
 */
import './fixtures/silence-powertools';
import 'aws-sdk-client-mock-jest';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeNode, FakeReplicationGroup, nodeAddress } from './fixtures/elasticache';
import { createEvent, deleteEvent, elastiCacheMessage, replicaRecordsProps, scheduledEvent, snsEvent, updateEvent } from './fixtures/events';
import { cname, FakeHostedZone, FakeRecord } from './fixtures/route53';
import { LEASE_NAME, LEASE_TARGET, LOGICAL_ID, OWNER, RG, recordName, recordNames, setUpdaterEnv, STACK_ID, TTL, ZONE_ID } from './fixtures/updater-env';
import { handler, setUpdaterAws } from '../../lambda/updater/updater.lambda';
import { namesOwner, parseLeaseTarget, replicaNamesLeaseTarget, UpdaterMetrics } from '../../src/private/contract';

const elastiCache = mockClient(ElastiCacheClient);
const route53 = mockClient(Route53Client);

const PHYSICAL_ID = `replica-records:${ZONE_ID}`;
const PROPS = replicaRecordsProps(ZONE_ID, recordNames(2));

/** The logical id a release that renames the custom resource's construct id would give it. */
const RENAMED_LOGICAL_ID = 'RedisUpdaterReplicaRecordsV2E5F6A7B8';
/** Another stack, with its own group, deployed into the same zone. */
const OTHER_STACK_ID = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Orders/9d8c7b6a-0000-11ef-0000-0b0000000000';
const OTHER_LOGICAL_ID = 'OrdersCacheUpdaterReplicaRecords9F8E7D6C';

const AS_CREATED: FakeNode[] = [
  { id: 'sessions-001', role: 'primary' },
  { id: 'sessions-002', role: 'replica' },
  { id: 'sessions-003', role: 'replica' },
];
const AFTER_FAILOVER: FakeNode[] = [
  { id: 'sessions-001', role: 'replica' },
  { id: 'sessions-002', role: 'primary' },
  { id: 'sessions-003', role: 'replica' },
];

function namesOnReplicas(): FakeRecord[] {
  return [cname(recordName(1), nodeAddress('sessions-002'), TTL), cname(recordName(2), nodeAddress('sessions-003'), TTL)];
}

function given(groupId: string, nodes: FakeNode[], records: FakeRecord[]): { group: FakeReplicationGroup; zone: FakeHostedZone } {
  const group = new FakeReplicationGroup(groupId, nodes);
  group.install(elastiCache);
  const zone = new FakeHostedZone(ZONE_ID, records);
  zone.install(route53);
  return { group, zone };
}

/** What the lease in the zone says. */
function leaseIn(zone: FakeHostedZone) {
  const record = zone.get(LEASE_NAME);
  return record === undefined ? undefined : parseLeaseTarget(record.values[0]);
}

function writes(): number {
  return route53.commandCalls(ChangeResourceRecordSetsCommand).length;
}

beforeEach(() => {
  elastiCache.reset();
  route53.reset();
  setUpdaterAws(undefined);
  setUpdaterEnv();
});

afterEach(() => {
  jest.restoreAllMocks();
});

afterAll(() => {
  elastiCache.restore();
  route53.restore();
});

describe('a replaced custom resource: CloudFormation creates the new one, then deletes the old one in the cleanup phase', () => {
  // "Update behaviors of stack resources" (CloudFormation User Guide): on replacement the new resource is created first
  // and the old one deleted during cleanup; a resource whose logical id changed is deleted in cleanup too. Both share
  // the physical id replica-records:<zone>, so the old Delete must tell whose names it is about to remove.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html
  test('the new Create takes the names over, the old Delete leaves them, and the names keep following the group', async () => {
    // GIVEN the names and the lease of the resource before the rename
    const { group, zone } = given(RG, AS_CREATED, [cname(LEASE_NAME, LEASE_TARGET, TTL), ...namesOnReplicas()]);

    // WHEN the renamed resource is created, then the old one deleted
    const created = await handler(createEvent(PROPS, { logicalResourceId: RENAMED_LOGICAL_ID, requestId: 'create-renamed' }));
    await handler(deleteEvent(PHYSICAL_ID, PROPS, { logicalResourceId: LOGICAL_ID, requestId: 'delete-old' }));

    // THEN the Create rewrote only the lease, naming the new resource, and the Delete wrote nothing
    expect(created).toEqual({ PhysicalResourceId: PHYSICAL_ID, Data: { [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-003') } });
    expect(writes()).toBe(1);
    expect(leaseIn(zone)?.owner).toEqual(namesOwner(STACK_ID, RENAMED_LOGICAL_ID));
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-003') });

    // WHEN the group fails over afterwards
    group.nodes = AFTER_FAILOVER;
    await handler(snsEvent(elastiCacheMessage('FailoverComplete', RG)));

    // THEN the names still follow it
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-001'), [recordName(2)]: nodeAddress('sessions-003') });
  });

  test('the Delete of the resource that holds the lease still removes every name and the lease', async () => {
    // GIVEN
    const { zone } = given(RG, AS_CREATED, [cname(LEASE_NAME, LEASE_TARGET, TTL), ...namesOnReplicas()]);

    // WHEN
    await handler(deleteEvent(PHYSICAL_ID, PROPS));

    // THEN
    expect(zone.cnames()).toEqual({});
    expect(zone.get(LEASE_NAME)).toBeUndefined();
  });

  test('a Delete finding no lease (removed by hand) removes the names nobody holds, so the zone can be deleted', async () => {
    // GIVEN
    const { zone } = given(RG, AS_CREATED, namesOnReplicas());

    // WHEN
    await handler(deleteEvent(PHYSICAL_ID, PROPS));

    // THEN
    expect(zone.cnames()).toEqual({});
  });
});

describe('two owners in one zone', () => {
  test('another stack\'s Create for another group is refused before writing, naming the owner; its Delete touches nothing', async () => {
    // GIVEN the zone holds the names of group sessions; a construct of another stack, for group orders, is deployed
    // into the same zone (the synth-time check sees one app only)
    const { zone } = given('orders', [{ id: 'orders-001', role: 'primary' }, { id: 'orders-002', role: 'replica' }],
      [cname(LEASE_NAME, LEASE_TARGET, TTL), ...namesOnReplicas()]);
    setUpdaterEnv(recordNames(2), { REPLICATION_GROUP_ID: 'orders', STACK_ID: OTHER_STACK_ID });
    const other = { stackId: OTHER_STACK_ID, logicalResourceId: OTHER_LOGICAL_ID };

    // WHEN / THEN its Create fails, and says whose names they are and what to do
    await expect(handler(createEvent(replicaRecordsProps(ZONE_ID, recordNames(2), 'orders'), other))).rejects.toThrow(
      `The replica names in this zone belong to group sessions, managed by ${OWNER.logicalId} in stack stack (${LEASE_NAME} = ${LEASE_TARGET}); `
      + `${OTHER_LOGICAL_ID.toLowerCase()} in stack orders (group orders) cannot take them. A zone's replica names have one owner: give this `
      + 'construct a zone of its own (zoneName or hostedZone), or delete the other construct first. If that stack no longer exists, '
      + `delete ${LEASE_NAME} and its replicaN names by hand, then deploy again. Nothing was written.`,
    );
    expect(writes()).toBe(0);

    // WHEN its stack is deleted later (after a Create that failed, the provider framework answers the Delete itself;
    // a Delete reaches the handler when the construct had been created before the other one took the zone)
    await handler(deleteEvent(PHYSICAL_ID, replicaRecordsProps(ZONE_ID, recordNames(2), 'orders'), other));

    // THEN the names and the lease of group sessions are untouched
    expect(writes()).toBe(0);
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-003') });
    expect(zone.get(LEASE_NAME)?.values).toEqual([LEASE_TARGET]);
  });

  test('the same group id in another stack (another Region or account) is refused too', async () => {
    // GIVEN group ids are unique per Region and account only
    given(RG, AS_CREATED, [cname(LEASE_NAME, LEASE_TARGET, TTL), ...namesOnReplicas()]);

    // WHEN / THEN
    await expect(handler(createEvent(PROPS, { stackId: OTHER_STACK_ID, logicalResourceId: OTHER_LOGICAL_ID })))
      .rejects.toThrow(/^The replica names in this zone belong to group sessions, managed by/);
    expect(writes()).toBe(0);
  });

  test('the other stack\'s scheduled run writes nothing under the lease of this one, and counts NamesNotManaged', async () => {
    // GIVEN the lease of stack Stack; a function of another stack with the same group id and zone
    const { zone } = given(RG, AFTER_FAILOVER, [cname(LEASE_NAME, LEASE_TARGET, TTL), ...namesOnReplicas()]);
    setUpdaterEnv(recordNames(2), { STACK_ID: OTHER_STACK_ID });
    const addMetric = jest.spyOn(Metrics.prototype, 'addMetric');

    // WHEN
    const result = await handler(scheduledEvent());

    // THEN
    expect(result).toMatchObject({ changes: 0 });
    expect(writes()).toBe(0);
    expect(zone.get(recordName(1))?.values).toEqual([nodeAddress('sessions-002')]);
    expect(addMetric).toHaveBeenCalledWith(UpdaterMetrics.NAMES_NOT_MANAGED, MetricUnit.Count, 1);
  });
});

describe('no silent stop: a run that cannot manage the names counts NamesNotManaged, which the updater alarm watches', () => {
  test('a lease removed by hand, then a failover: nothing is written, every run counts it, and a deployment re-claims', async () => {
    // GIVEN the names on the replicas, the lease deleted by hand, then 002 promoted
    const { zone } = given(RG, AFTER_FAILOVER, namesOnReplicas());
    setUpdaterEnv(recordNames(2), { STACK_ID });
    const addMetric = jest.spyOn(Metrics.prototype, 'addMetric');

    // WHEN the failover notification and the schedule run
    await handler(snsEvent(elastiCacheMessage('FailoverComplete', RG)));
    await handler(scheduledEvent());

    // THEN replica1 is still on the new primary, and both runs counted it for the alarm
    expect(writes()).toBe(0);
    expect(zone.get(recordName(1))?.values).toEqual([nodeAddress('sessions-002')]);
    expect(addMetric.mock.calls.filter(([name]) => name === UpdaterMetrics.NAMES_NOT_MANAGED)).toEqual([
      [UpdaterMetrics.NAMES_NOT_MANAGED, MetricUnit.Count, 1],
      [UpdaterMetrics.NAMES_NOT_MANAGED, MetricUnit.Count, 1],
    ]);

    // WHEN a deployment updates the custom resource (the README's recovery)
    await handler(updateEvent(PHYSICAL_ID, { ...PROPS, RecordTtlSeconds: '31' }, PROPS));

    // THEN the lease is this resource's again and the names follow the group
    expect(leaseIn(zone)?.owner).toEqual(OWNER);
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-001'), [recordName(2)]: nodeAddress('sessions-003') });
  });

  test('{"action":"reclaim"} claims the names as the stack\'s custom resource, so they follow the group and its Delete removes them', async () => {
    // GIVEN the lease removed by hand, then 002 promoted; the construct sets the stack id and the custom resource's logical id
    const { zone } = given(RG, AFTER_FAILOVER, namesOnReplicas());
    setUpdaterEnv(recordNames(2), { STACK_ID, NAMES_LOGICAL_ID: LOGICAL_ID });

    // WHEN an operator invokes the function
    const result = await handler({ action: 'reclaim' });

    // THEN the names follow the group under the custom resource's lease
    expect(result).toMatchObject({ changes: 1 });
    expect(leaseIn(zone)?.owner).toEqual(OWNER);
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-001'), [recordName(2)]: nodeAddress('sessions-003') });

    // WHEN the stack is deleted
    await handler(deleteEvent(PHYSICAL_ID, PROPS));

    // THEN the lease was the custom resource's own, so the Delete removed everything
    expect(zone.cnames()).toEqual({});
    expect(zone.get(LEASE_NAME)).toBeUndefined();
  });

  test('{"action":"reclaim"} is refused when another stack holds the names, and without the construct\'s environment', async () => {
    // GIVEN
    given(RG, AS_CREATED, [cname(LEASE_NAME, replicaNamesLeaseTarget(RG, '0123456789ab', namesOwner(OTHER_STACK_ID, OTHER_LOGICAL_ID)), TTL)]);
    setUpdaterEnv(recordNames(2), { STACK_ID, NAMES_LOGICAL_ID: LOGICAL_ID });

    // WHEN / THEN
    await expect(handler({ action: 'reclaim' })).rejects.toThrow(/^The replica names in this zone belong to group sessions, managed by/);
    setUpdaterEnv(recordNames(2), { STACK_ID, NAMES_LOGICAL_ID: undefined });
    await expect(handler({ action: 'reclaim' })).rejects.toThrow('Cannot reclaim the names: STACK_ID and NAMES_LOGICAL_ID are not set (the construct sets both)');
    expect(writes()).toBe(0);
  });

  test('a run of the owning stack counts nothing', async () => {
    // GIVEN
    given(RG, AFTER_FAILOVER, [cname(LEASE_NAME, LEASE_TARGET, TTL), ...namesOnReplicas()]);
    setUpdaterEnv(recordNames(2), { STACK_ID });
    const addMetric = jest.spyOn(Metrics.prototype, 'addMetric');

    // WHEN
    await handler(scheduledEvent());

    // THEN
    expect(writes()).toBe(1);
    expect(addMetric.mock.calls.map(([name]) => name)).not.toContain(UpdaterMetrics.NAMES_NOT_MANAGED);
  });
});

describe('replicationGroupId changes (zoneName kept): the function is updated before the custom resource', () => {
  test('a run in between waits quietly under the lease of its own stack; the Update moves names and lease to the new group', async () => {
    // GIVEN the function already has the new group id (CloudFormation updated it once the new group existed); the lease
    // still names the old group, held by this stack
    const newNodes: FakeNode[] = [
      { id: 'sessions-v2-001', role: 'primary' },
      { id: 'sessions-v2-002', role: 'replica' },
      { id: 'sessions-v2-003', role: 'replica' },
    ];
    const { zone } = given('sessions-v2', newNodes, [cname(LEASE_NAME, LEASE_TARGET, TTL), ...namesOnReplicas()]);
    setUpdaterEnv(recordNames(2), { REPLICATION_GROUP_ID: 'sessions-v2', STACK_ID });
    const addMetric = jest.spyOn(Metrics.prototype, 'addMetric');

    // WHEN the schedule runs, then the custom resource's Update
    const scheduled = await handler(scheduledEvent());
    expect(scheduled).toMatchObject({ changes: 0 });
    expect(writes()).toBe(0);
    await handler(updateEvent(PHYSICAL_ID, replicaRecordsProps(ZONE_ID, recordNames(2), 'sessions-v2'), PROPS));

    // THEN no alarm was counted, and the names are on the new group's replicas under a lease for it
    expect(addMetric.mock.calls.map(([name]) => name)).not.toContain(UpdaterMetrics.NAMES_NOT_MANAGED);
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-v2-002'), [recordName(2)]: nodeAddress('sessions-v2-003') });
    expect(leaseIn(zone)).toMatchObject({ replicationGroupId: 'sessions-v2', owner: OWNER });
  });
});

describe('a failed Create leaves nothing behind', () => {
  // aws-cdk-lib's provider framework answers a failed Create with a marker physical id and acknowledges the rollback's
  // Delete of it without calling the handler ("ignoring DELETE event caused by a failed CREATE event":
  // packages/aws-cdk-lib/custom-resources/lib/provider-framework/runtime/cfn-response.ts). So the Create undoes itself.
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });

  test('a Create whose re-read of the group fails after its write removes the names and the lease, so the zone can be deleted', async () => {
    // GIVEN an empty zone; the re-read after the batch is throttled past the SDK's retries
    const { group, zone } = given(RG, AS_CREATED, []);
    zone.beforeNextChange(() => group.failures.push(throttled()));

    // WHEN / THEN
    await expect(handler(createEvent(PROPS))).rejects.toThrow('Rate exceeded');
    expect(writes()).toBe(2);
    expect(zone.cnames()).toEqual({});
    expect(zone.get(LEASE_NAME)).toBeUndefined();
  });

  test('a Create taking over a replaced resource\'s names that fails after its write puts that resource\'s lease and names back', async () => {
    // GIVEN the old resource's names (replica2 on the primary, so the Create rewrites it) and lease
    const before = [cname(LEASE_NAME, LEASE_TARGET, TTL), cname(recordName(1), nodeAddress('sessions-002'), TTL), cname(recordName(2), nodeAddress('sessions-001'), TTL)];
    const { group, zone } = given(RG, AS_CREATED, before);
    zone.beforeNextChange(() => group.failures.push(throttled()));

    // WHEN / THEN
    await expect(handler(createEvent(PROPS, { logicalResourceId: RENAMED_LOGICAL_ID }))).rejects.toThrow('Rate exceeded');
    expect(zone.get(LEASE_NAME)?.values).toEqual([LEASE_TARGET]);
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-001') });
  });

  test('when putting the names back fails too, the Create\'s error says so', async () => {
    // GIVEN the re-read is throttled, and the zone refuses the undo batch
    const { group, zone } = given(RG, AS_CREATED, []);
    zone.beforeNextChange(() => {
      group.failures.push(throttled());
      zone.beforeNextChange(() => zone.put(cname(LEASE_NAME, replicaNamesLeaseTarget(RG, 'ffffffffffff', OWNER), TTL)));
    });

    // WHEN / THEN
    await expect(handler(createEvent(PROPS))).rejects.toThrow(
      'Rate exceeded (putting the names back as they were also failed: InvalidChangeBatch; the zone keeps what this Create wrote)',
    );
  });
});
