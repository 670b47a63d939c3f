import './fixtures/silence-powertools';
import 'aws-sdk-client-mock-jest';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DescribeCacheClustersCommand, DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  Change,
  ChangeResourceRecordSetsCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  NoSuchHostedZone,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { FakeNode, FakeReplicationGroup, nodeAddress } from './fixtures/elasticache';
import {
  createEvent,
  deleteEvent,
  elastiCacheMessage,
  replicaRecordsProps,
  scheduledEvent,
  snsEvent,
  updateEvent,
} from './fixtures/events';
import { change, cname, FakeHostedZone, FakeRecord, replace } from './fixtures/route53';
import { changeAccepted, listReply, route53Error, stubRoute53Wire } from './fixtures/route53-wire';
import { LEASE_NAME, LEASE_TARGET, OWNER, RG, recordName, recordNames, setUpdaterEnv, TTL, ZONE_ID } from './fixtures/updater-env';
import { createUpdaterAws } from '../../lambda/updater/aws';
import { MAX_PLAN_ATTEMPTS, reconcile } from '../../lambda/updater/reconcile';
import { RecordCache } from '../../lambda/updater/record-cache';
import { readSettings } from '../../lambda/updater/settings';
import { handler, setUpdaterAws } from '../../lambda/updater/updater.lambda';
import { MAX_REPLICA_RECORDS } from '../../src/private/contract';

const elastiCache = mockClient(ElastiCacheClient);
let route53: AwsClientStub<Route53Client> = mockClient(Route53Client);

const PHYSICAL_ID = `replica-records:${ZONE_ID}`;
const RECONCILE_COMMENT = `Replica names of ${RG}`;
const DELETE_COMMENT = 'Remove replica names';

/** The three-node group as created: 001 primary, 002 and 003 replicas. */
const AS_CREATED: FakeNode[] = [
  { id: 'sessions-001', role: 'primary' },
  { id: 'sessions-002', role: 'replica' },
  { id: 'sessions-003', role: 'replica' },
];

/** After a failover: 002 promoted, 001 recovered as a replica under its own id and hostname. */
const AFTER_FAILOVER: FakeNode[] = [
  { id: 'sessions-001', role: 'replica' },
  { id: 'sessions-002', role: 'primary' },
  { id: 'sessions-003', role: 'replica' },
];

/** replica1 on 002 and replica2 on 003, as the first reconcile of AS_CREATED leaves them. */
function namesOnReplicas(ttl = TTL): FakeRecord[] {
  return [cname(recordName(1), nodeAddress('sessions-002'), ttl), cname(recordName(2), nodeAddress('sessions-003'), ttl)];
}

/** A live record's value and TTL as the zone lists them, which a DELETE must repeat. */
function liveOn(id: string, ttl = TTL): { target: string; ttl: number } {
  return { target: nodeAddress(id), ttl };
}

/** The batch that re-points replica1 from the promoted 002 to the recovered 001 after AFTER_FAILOVER. */
function replica1OffThePromotedNode(): Change[] {
  return replace(recordName(1), liveOn('sessions-002'), nodeAddress('sessions-001'), TTL);
}

/** The lease as the custom resource's Create left it. */
function leaseRecord(): FakeRecord {
  return cname(LEASE_NAME, LEASE_TARGET, TTL);
}

/** The group and zone the mocked clients answer from; the zone holds the lease unless `lease` is false. */
function given(nodes: FakeNode[], records: FakeRecord[] = [], lease = true): { group: FakeReplicationGroup; zone: FakeHostedZone } {
  const group = new FakeReplicationGroup(RG, nodes);
  group.install(elastiCache);
  const zone = new FakeHostedZone(ZONE_ID, lease ? [leaseRecord(), ...records] : records);
  zone.install(route53);
  return { group, zone };
}

/** A lease value: a 12-digit version of the names the batch leaves, the fixture stack's custom resource, and the group. */
const NEW_LEASE_TARGET = expect.stringMatching(
  new RegExp(`^[0-9a-f]{12}\\.${OWNER.resource}\\.${OWNER.stack}\\.redisupdaterreplicarecords1a2b3c4d\\.stack\\.sessions\\.owner\\.invalid$`),
) as unknown as string;

/** How every batch renews the lease: the value read is replaced by a new version, so the batch fails if anyone wrote since. */
function leaseRenewal(liveTarget = LEASE_TARGET): Change[] {
  return replace(LEASE_NAME, { target: liveTarget, ttl: TTL }, NEW_LEASE_TARGET, TTL);
}

/** How the custom resource's Create claims the lease in an empty zone. */
function leaseClaim(): Change[] {
  return [change('CREATE', LEASE_NAME, NEW_LEASE_TARGET, TTL)];
}

/** Every ChangeResourceRecordSets request the handler sent, whole. */
function changeRequests() {
  return route53.commandCalls(ChangeResourceRecordSetsCommand).map((call) => call.args[0].input);
}

/** A reconcile's batch: the lease renewal (or `lease` given), then `changes`. A Delete's batch is `changes` alone. */
function changeRequest(changes: Change[], comment = RECONCILE_COMMENT, lease: Change[] = comment === RECONCILE_COMMENT ? leaseRenewal() : []) {
  return { HostedZoneId: ZONE_ID, ChangeBatch: { Comment: comment, Changes: [...lease, ...changes] } };
}

function expectNoAwsCall(): void {
  expect(elastiCache).not.toHaveReceivedAnyCommand();
  expect(route53).not.toHaveReceivedAnyCommand();
}

beforeEach(() => {
  elastiCache.reset();
  route53 = mockClient(Route53Client);
  // The handler keeps its AWS layer in a module variable; dropping it makes the next event build
  // real clients again (createUpdaterAws), whose `send` the mocks above replace.
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

describe('events the handler receives', () => {
  test.each([
    ['the group id', elastiCacheMessage('FailoverComplete', RG)],
    ['a member id', elastiCacheMessage('CacheNodeReplaceComplete', 'sessions-002')],
    ['a mixed-case member id', elastiCacheMessage('FailoverComplete', 'Sessions-003')],
    ['an ElastiCache event the updater does not know', elastiCacheMessage('SomethingNewComplete', RG)],
    ['extra keys beside the event', elastiCacheMessage('FailoverComplete', RG, { 'Cache Cluster ID': 'sessions-001', 'Replication Group ID': RG })],
    ['the SourceIdentifier form', JSON.stringify({
      Date: '2026-11-22T10:00:00.000Z',
      Message: 'Failover from primary node sessions-001 to replica node sessions-002 completed',
      SourceIdentifier: 'sessions-002',
      SourceType: 'cache-cluster',
    })],
  ])('an SNS notification naming %s reconciles the group', async (_, message) => {
    // GIVEN 002 was promoted while replica1 still points at it
    const { zone } = given(AFTER_FAILOVER, namesOnReplicas());

    // WHEN
    const result = await handler(snsEvent(message));

    // THEN replica1 moves to the recovered 001, replica2 stays on 003
    expect(result).toStrictEqual({
      replicationGroupId: RG,
      records: { [recordName(1)]: nodeAddress('sessions-001'), [recordName(2)]: nodeAddress('sessions-003') },
      changes: 1,
    });
    expect(changeRequests()).toEqual([changeRequest(replica1OffThePromotedNode())]);
    expect(zone.cnames()).toEqual(result && 'records' in result ? result.records : undefined);
  });

  test('a notification about another group is ignored without any AWS call', async () => {
    // GIVEN
    given(AFTER_FAILOVER, namesOnReplicas());

    // WHEN
    const result = await handler(snsEvent(elastiCacheMessage('FailoverComplete', 'orders-002')));

    // THEN
    expect(result).toEqual({ ignored: ['about another group: ElastiCache:FailoverComplete=orders-002'] });
    expectNoAwsCall();
  });

  test('a message that is not JSON is ignored, never thrown', async () => {
    // GIVEN
    given(AFTER_FAILOVER, namesOnReplicas());

    // WHEN
    const result = await handler(snsEvent('Cache cluster sessions-002 rebooted'));

    // THEN the schedule repairs whatever a lost notification would have
    expect(result).toEqual({ ignored: ['SNS message is not JSON: Cache cluster sessions-002 rebooted'] });
    expectNoAwsCall();
  });

  test('several records in one event give one reconcile', async () => {
    // GIVEN one record about another group, one unreadable, two about this group
    given(AFTER_FAILOVER, namesOnReplicas());
    const event = snsEvent(
      elastiCacheMessage('SnapshotComplete', 'orders'),
      'not json',
      elastiCacheMessage('FailoverComplete', RG),
      elastiCacheMessage('CacheNodeReplaceComplete', 'sessions-001'),
    );

    // WHEN
    const result = await handler(event);

    // THEN one round: one read of the group and the zone, one batch, and the group read once more after the batch
    expect(result).toMatchObject({ replicationGroupId: RG, changes: 1 });
    expect(elastiCache).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 2);
    expect(route53).toHaveReceivedCommandTimes(ListResourceRecordSetsCommand, 1);
    expect(route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
  });

  test('the EventBridge schedule reconciles', async () => {
    // GIVEN
    given(AFTER_FAILOVER, namesOnReplicas());

    // WHEN
    const result = await handler(scheduledEvent());

    // THEN
    expect(result).toMatchObject({ changes: 1 });
    expect(changeRequests()).toEqual([changeRequest(replica1OffThePromotedNode())]);
  });

  test.each([
    ['an empty payload', {}],
    ['{"action":"reconcile"}', { action: 'reconcile' }],
  ])('a direct invoke with %s reconciles and answers with the group, its names and the change count', async (_, event) => {
    // GIVEN an empty zone
    given(AS_CREATED);

    // WHEN
    const result = await handler(event);

    // THEN exactly these three keys, so callers (and the README) can rely on them
    expect(result).toStrictEqual({
      replicationGroupId: RG,
      records: { [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-003') },
      changes: 2,
    });
  });

  test('an unrecognized event is ignored without any AWS call', async () => {
    // GIVEN
    given(AS_CREATED);

    // WHEN
    const result = await handler({ Records: undefined, detail: { state: 'ALARM' }, source: 'aws.cloudwatch' });

    // THEN
    expect(result).toEqual({ ignored: ['unrecognized event with keys Records, detail, source'] });
    expectNoAwsCall();
  });

  test('a misconfigured function fails before any AWS call, naming every problem', async () => {
    // GIVEN
    given(AS_CREATED);
    setUpdaterEnv(recordNames(2), { HOSTED_ZONE_ID: undefined, RECORD_TTL_SECONDS: 'soon' });

    // WHEN / THEN
    await expect(handler({})).rejects.toThrow(
      "Invalid updater configuration: HOSTED_ZONE_ID is not set; RECORD_TTL_SECONDS must be a positive integer, got 'soon'",
    );
    expectNoAwsCall();
  });
});

describe('AWS calls per reconcile', () => {
  const counts: Array<{ scenario: string; calls: number; detail: string }> = [];

  afterAll(() => {
    // The lead quotes these in the closing note: one group of 3 nodes (2 replicas), 2 names.
    console.log(`AWS calls per reconcile (3 nodes, 2 names):\n${counts.map((row) => `  ${row.scenario}: ${row.calls} (${row.detail})`).join('\n')}`);
  });

  test.each([
    ['in sync', AS_CREATED, namesOnReplicas(), [] as Change[]],
    // A name that exists is replaced by DELETE (live value) + CREATE in the one batch, a missing one is created.
    ['failover', AFTER_FAILOVER, namesOnReplicas(), replica1OffThePromotedNode()],
    ['seeding', AS_CREATED, [] as FakeRecord[], [
      change('CREATE', recordName(1), nodeAddress('sessions-002'), TTL),
      change('CREATE', recordName(2), nodeAddress('sessions-003'), TTL),
    ]],
  ])('%s: one filtered group read (one more after a batch), one status read per replica, one listing, at most one batch', async (
    scenario, nodes, records, expected,
  ) => {
    // GIVEN
    given(nodes, records);

    // WHEN
    await handler(scheduledEvent());

    // THEN the group is read by id (IAM allows nothing else), never listed account-wide; after a batch it is read
    // again, since a batch planned from a group that changed meanwhile must be planned again
    const groupReads = expected.length === 0 ? 1 : 2;
    expect(elastiCache).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, groupReads);
    expect(elastiCache.commandCalls(DescribeReplicationGroupsCommand).map((call) => call.args[0].input))
      .toEqual(Array(groupReads).fill({ ReplicationGroupId: RG }));
    // Each replica's own status, not the primary's: the group says `available` while a member still creates.
    const replicaIds = nodes.filter((node) => node.role === 'replica').map((node) => node.id);
    expect(elastiCache.commandCalls(DescribeCacheClustersCommand).map((call) => call.args[0].input).sort(
      (left, right) => String(left.CacheClusterId).localeCompare(String(right.CacheClusterId)),
    )).toEqual(replicaIds.flatMap((id) => Array(groupReads).fill({ CacheClusterId: id })));
    expect(route53).toHaveReceivedCommandTimes(ListResourceRecordSetsCommand, 1);
    // The whole batch in one atomic call, or no call at all when nothing changes.
    expect(changeRequests()).toEqual(expected.length === 0 ? [] : [changeRequest(expected)]);

    const describeGroups = elastiCache.commandCalls(DescribeReplicationGroupsCommand).length;
    const describeClusters = elastiCache.commandCalls(DescribeCacheClustersCommand).length;
    const lists = route53.commandCalls(ListResourceRecordSetsCommand).length;
    const changes = route53.commandCalls(ChangeResourceRecordSetsCommand).length;
    const total = describeGroups + describeClusters + lists + changes;
    expect(total).toBe(expected.length === 0 ? 4 : 8);
    counts.push({
      scenario,
      calls: total,
      detail: `DescribeReplicationGroups ${describeGroups}, DescribeCacheClusters ${describeClusters}, `
        + `ListResourceRecordSets ${lists}, ChangeResourceRecordSets ${changes}`,
    });
  });
});

describe('Route 53 requests per event: a warm function writes from memory', () => {
  /** Route 53 requests since the last reset, by action. */
  const route53Requests = () => ({
    list: route53.commandCalls(ListResourceRecordSetsCommand).length,
    change: route53.commandCalls(ChangeResourceRecordSetsCommand).length,
  });

  test('a failover notification to a cold function: a listing and the batch', async () => {
    // GIVEN a new container
    given(AFTER_FAILOVER, namesOnReplicas());

    // WHEN
    await handler(snsEvent(elastiCacheMessage('FailoverComplete', RG)));

    // THEN
    expect(route53Requests()).toEqual({ list: 1, change: 1 });
  });

  test('a failover notification to a warm function: the batch alone, planned from what the last run saw', async () => {
    // GIVEN the container's last run (the schedule) listed the zone
    const { group, zone } = given(AS_CREATED, namesOnReplicas());
    await handler(scheduledEvent());
    route53.resetHistory();

    // WHEN the group fails over and ElastiCache notifies
    group.nodes = AFTER_FAILOVER;
    await handler(snsEvent(elastiCacheMessage('FailoverComplete', RG)));

    // THEN one request, and the right names
    expect(route53Requests()).toEqual({ list: 0, change: 1 });
    expect(changeRequests()).toEqual([changeRequest(replica1OffThePromotedNode())]);
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-001'), [recordName(2)]: nodeAddress('sessions-003') });
  });

  test('a warm function whose memory is stale: the batch is refused, it lists and writes again, and the names are right', async () => {
    // GIVEN the container saw the names, then another writer changed replica1 (to the same node, with another TTL)
    const { group, zone } = given(AS_CREATED, namesOnReplicas());
    await handler(scheduledEvent());
    zone.put(cname(recordName(1), nodeAddress('sessions-002'), 60));
    route53.resetHistory();

    // WHEN
    group.nodes = AFTER_FAILOVER;
    await handler(snsEvent(elastiCacheMessage('FailoverComplete', RG)));

    // THEN a refused batch, a listing and a batch planned from it
    expect(route53Requests()).toEqual({ list: 1, change: 2 });
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-001'), [recordName(2)]: nodeAddress('sessions-003') });
  });

  test('two containers: a write by one refuses the other\'s batch planned from older memory, even for a name the batch does not touch', async () => {
    // GIVEN container 1 seeds the zone (the custom resource's Create); then 003 is promoted and container 2, cold,
    // moves replica2 to 001
    const { group, zone } = given(AS_CREATED, [], false);
    const aws = createUpdaterAws();
    const settings = readSettings(process.env);
    const [memory1, memory2] = [new RecordCache(), new RecordCache()];
    await reconcile(aws, settings, { cache: memory1, claimLease: true });
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-003') });
    group.nodes = [{ id: 'sessions-001', role: 'replica' }, { id: 'sessions-002', role: 'replica' }, { id: 'sessions-003', role: 'primary' }];
    await reconcile(aws, settings, { cache: memory2, startFromCache: true });
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-001') });

    // WHEN 001 is promoted back while 002 reboots, and container 1 gets the notification: from its memory, replica1
    // (on 002) must move, and replica2 ("on 003") looks right, though it really is on 001, the new primary
    group.nodes = [
      { id: 'sessions-001', role: 'primary' },
      { id: 'sessions-002', role: 'replica', status: 'rebooting cache cluster nodes' },
      { id: 'sessions-003', role: 'replica' },
    ];
    const result = await reconcile(aws, settings, { cache: memory1, startFromCache: true });

    // THEN its batch replaced a lease version container 2 had already replaced, so it was refused; from a fresh
    // listing both names go to 003, the only replica that serves
    expect(result.attempts).toBe(2);
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-003'), [recordName(2)]: nodeAddress('sessions-003') });
  });

  test('a notification that changes nothing: one listing confirms it, no write (memory alone never ends a run)', async () => {
    // GIVEN a warm container and names that are right
    given(AS_CREATED, namesOnReplicas());
    await handler(scheduledEvent());
    route53.resetHistory();

    // WHEN
    const result = await handler(snsEvent(elastiCacheMessage('SnapshotComplete', RG)));

    // THEN
    expect(result).toMatchObject({ changes: 0 });
    expect(route53Requests()).toEqual({ list: 1, change: 0 });
  });

  test('the schedule always lists, so drift made behind a warm function\'s back is found', async () => {
    // GIVEN a warm container, then someone points replica1 at the primary by hand
    const { zone } = given(AS_CREATED, namesOnReplicas());
    await handler(scheduledEvent());
    zone.put(cname(recordName(1), nodeAddress('sessions-001'), TTL));
    route53.resetHistory();

    // WHEN
    const result = await handler(scheduledEvent());

    // THEN
    expect(result).toMatchObject({ changes: 1 });
    expect(route53Requests()).toEqual({ list: 1, change: 1 });
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-003') });
  });
});

describe('reading the group', () => {
  test('a replica ElastiCache still creates, or no longer knows, is not a target', async () => {
    // GIVEN the group reports `available`, but 003 is still creating and 004 is already gone
    given([
      { id: 'sessions-001', role: 'primary' },
      { id: 'sessions-002', role: 'replica' },
      { id: 'sessions-003', role: 'replica', status: 'creating' },
      { id: 'sessions-004', role: 'replica', gone: true },
    ]);

    // WHEN
    const result = await handler({});

    // THEN both names go to 002, the only replica that can serve
    expect(changeRequests()).toEqual([changeRequest([
      change('CREATE', recordName(1), nodeAddress('sessions-002'), TTL),
      change('CREATE', recordName(2), nodeAddress('sessions-002'), TTL),
    ])]);
    expect(result).toMatchObject({ changes: 2 });
  });

  test('a group that does not exist fails the invocation, writing nothing', async () => {
    // GIVEN
    given(AS_CREATED);
    setUpdaterEnv(recordNames(2), { REPLICATION_GROUP_ID: 'sessions-old' });

    // WHEN / THEN
    await expect(handler({})).rejects.toThrow(expect.objectContaining({ name: 'ReplicationGroupNotFoundFault' }));
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });
});

describe('reading the zone', () => {
  test('follows ListResourceRecordSets pages with NextRecordName and NextRecordType, and reads listed names loosely', async () => {
    // GIVEN one record per page; Route 53 lists names with a trailing dot, here also in uppercase,
    // and replica1 has a TXT beside its CNAME, so the second page starts inside the same name
    const { zone } = given(AS_CREATED, [
      cname('REPLICA1.Cache.Internal.', `${nodeAddress('sessions-002').toUpperCase()}.`, TTL),
      { name: 'replica1.cache.internal.', type: 'TXT', ttl: 300, values: ['"owner=platform"'] },
      cname('Replica2.cache.internal.', `${nodeAddress('sessions-003')}.`, TTL),
      { name: 'zz-after.cache.internal.', type: 'A', ttl: 300, values: ['10.0.0.9'] },
    ]);
    zone.pageSize = 1;

    // WHEN
    const result = await handler({});

    // THEN five pages from the lease (Route 53 lists `replica-names-lease` first: `-` sorts before `1`), each
    // starting where the previous one said, up to the first record past replica5 (the slots a scale-in may have
    // left are read too), and nothing to change
    expect(route53.commandCalls(ListResourceRecordSetsCommand).map((call) => call.args[0].input)).toEqual([
      { HostedZoneId: ZONE_ID, StartRecordName: LEASE_NAME },
      { HostedZoneId: ZONE_ID, StartRecordName: 'REPLICA1.Cache.Internal.', StartRecordType: 'CNAME' },
      { HostedZoneId: ZONE_ID, StartRecordName: 'replica1.cache.internal.', StartRecordType: 'TXT' },
      { HostedZoneId: ZONE_ID, StartRecordName: 'Replica2.cache.internal.', StartRecordType: 'CNAME' },
      { HostedZoneId: ZONE_ID, StartRecordName: 'zz-after.cache.internal.', StartRecordType: 'A' },
    ]);
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(result).toMatchObject({ changes: 0 });
  });

  test('a record that Route 53 sorts between two replica names does not end the listing early', async () => {
    // GIVEN `replica2-old` lists before `replica2`: Route 53 compares `internal.cache.replica2-old.`
    // with `internal.cache.replica2.`, and `-` sorts before `.`
    given(AS_CREATED, [
      cname(recordName(1), nodeAddress('sessions-002'), TTL),
      cname('replica2-old.cache.internal', 'legacy.example.com', TTL),
      cname(recordName(2), nodeAddress('sessions-003'), TTL),
    ]);

    // WHEN
    const result = await handler({});

    // THEN replica2 was found, so nothing is rewritten
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(result).toMatchObject({ changes: 0 });
  });

  test('a name whose TTL differs is rewritten with the configured TTL', async () => {
    // GIVEN names on the right replicas but with an old TTL
    given(AS_CREATED, namesOnReplicas(300));

    // WHEN
    await handler({});

    // THEN each name is replaced: DELETE with the live TTL (300), CREATE with the configured one
    expect(changeRequests()).toEqual([changeRequest([
      ...replace(recordName(1), liveOn('sessions-002', 300), nodeAddress('sessions-002'), TTL),
      ...replace(recordName(2), liveOn('sessions-003', 300), nodeAddress('sessions-003'), TTL),
    ])]);
  });
});

describe('Route 53 throttling, through the real SDK retry strategy', () => {
  // These tests answer at the HTTP layer (see stubRoute53Wire): aws-sdk-client-mock replaces `send`,
  // which would skip the retry middleware entirely.
  beforeEach(() => {
    route53.restore();
  });

  test.each(['Throttling', 'PriorRequestNotComplete'])('%s twice, then accepted: the handler succeeds after 3 attempts', async (code) => {
    // GIVEN a zone with only the lease, and a change endpoint that rejects twice with HTTP 400 `code`
    new FakeReplicationGroup(RG, AS_CREATED).install(elastiCache);
    const wire = stubRoute53Wire(listReply([{ name: LEASE_NAME, target: LEASE_TARGET, ttl: TTL }]), [route53Error(code, 'Rate exceeded'), route53Error(code, 'Rate exceeded'), changeAccepted()]);

    // WHEN
    const result = await handler({});

    // THEN the same batch went out three times, with the SDK's backoff in between
    expect(result).toMatchObject({ changes: 2 });
    const posts = wire.filter((call) => call.method === 'POST');
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((post) => post.body)).size).toBe(1);
    expect(posts[0].path).toBe(`/2013-04-01/hostedzone/${ZONE_ID}/rrset`);
    expect(posts[0].body).toContain(`<Action>CREATE</Action><ResourceRecordSet><Name>${recordName(2)}</Name><Type>CNAME</Type><TTL>${TTL}</TTL>`);
    expect(posts[0].body).not.toContain('UPSERT');
    expect(wire.filter((call) => call.method === 'GET')).toHaveLength(1);
  }, 15_000);

  test('keeps retrying while the invocation has time, then fails it before its timeout', async () => {
    // GIVEN Route 53 throttles every attempt, and Lambda says 6.5 s are left: 5 s are kept back, so retries may start for 1.5 s
    new FakeReplicationGroup(RG, AS_CREATED).install(elastiCache);
    const wire = stubRoute53Wire(listReply([{ name: LEASE_NAME, target: LEASE_TARGET, ttl: TTL }]), [route53Error('Throttling', 'Rate exceeded')]);
    const started = Date.now();

    // WHEN / THEN
    await expect(handler({}, { getRemainingTimeInMillis: () => 6_500 })).rejects.toThrow(expect.objectContaining({
      name: 'Throttling',
      $metadata: expect.objectContaining({ httpStatusCode: 400 }),
    }));
    const elapsed = Date.now() - started;
    // Many more attempts than the SDK's default 3 (waits are at most 250 ms this early), and none after the budget.
    expect(wire.filter((call) => call.method === 'POST').length).toBeGreaterThan(5);
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(4_000);
  });
});

describe('InvalidChangeBatch: re-read and re-plan', () => {
  test('a batch rejected because the zone changed meanwhile is re-planned from a fresh read', async () => {
    // GIVEN after a failover, another writer moves both names (with another TTL) between our read and our write.
    // No scripted rejection: our DELETE of replica1 no longer matches the live record, so the fake zone, like
    // Route 53, rejects the whole batch.
    const { zone } = given(AFTER_FAILOVER, namesOnReplicas());
    zone.beforeNextChange(() => {
      zone.put(cname(recordName(1), 'stale-writer.example.com', 300));
      zone.put(cname(recordName(2), 'stale-writer.example.com', 300));
    });

    // WHEN
    const result = await handler(snsEvent(elastiCacheMessage('FailoverComplete', RG)));

    // THEN the second read sees both new values and the second batch fixes both names, deleting what is live now
    // (the group is read a third time, after the batch that landed)
    expect(route53).toHaveReceivedCommandTimes(ListResourceRecordSetsCommand, 2);
    expect(elastiCache).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 3);
    const overwritten = { target: 'stale-writer.example.com', ttl: 300 };
    expect(changeRequests()).toEqual([
      changeRequest(replica1OffThePromotedNode()),
      changeRequest([
        ...replace(recordName(1), overwritten, nodeAddress('sessions-001'), TTL),
        ...replace(recordName(2), overwritten, nodeAddress('sessions-003'), TTL),
      ]),
    ]);
    await expect(route53.commandCalls(ChangeResourceRecordSetsCommand)[0].returnValue).rejects.toThrow(
      expect.objectContaining({ name: 'InvalidChangeBatch' }),
    );
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-001'), [recordName(2)]: nodeAddress('sessions-003') });
    // Two names changed, each counted once although each is sent as DELETE + CREATE.
    expect(result).toMatchObject({ changes: 2 });
  });

  test.each([
    ['a reconcile', () => ({})],
    ['a custom resource Delete', () => deleteEvent(PHYSICAL_ID, replicaRecordsProps(ZONE_ID, recordNames(2)))],
  ])('%s that keeps being rejected fails after MAX_PLAN_ATTEMPTS rounds', async (_, event) => {
    // GIVEN every batch is rejected
    given(AFTER_FAILOVER, namesOnReplicas());
    route53.on(ChangeResourceRecordSetsCommand).rejects(
      new InvalidChangeBatch({ message: 'protected', messages: ['protected'], $metadata: { httpStatusCode: 400 } }),
    );

    // WHEN / THEN bounded: MAX_PLAN_ATTEMPTS read-plan-write rounds, then the error surfaces
    await expect(handler(event())).rejects.toThrow(expect.objectContaining({ name: 'InvalidChangeBatch' }));
    expect(route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, MAX_PLAN_ATTEMPTS);
    expect(route53).toHaveReceivedCommandTimes(ListResourceRecordSetsCommand, MAX_PLAN_ATTEMPTS);
  });

  test('other errors are not re-planned', async () => {
    // GIVEN
    given(AFTER_FAILOVER, namesOnReplicas());
    route53.on(ChangeResourceRecordSetsCommand).rejects(
      new NoSuchHostedZone({ message: 'No hosted zone found', $metadata: { httpStatusCode: 404 } }),
    );

    // WHEN / THEN
    await expect(handler({})).rejects.toThrow(expect.objectContaining({ name: 'NoSuchHostedZone' }));
    expect(route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
  });
});

describe('CloudFormation custom resource (custom_resources.Provider onEvent)', () => {
  test('Create claims the lease, seeds every name and answers with the zone-based physical id and name -> target', async () => {
    // GIVEN an empty zone
    const { zone } = given(AS_CREATED, [], false);

    // WHEN
    const result = await handler(createEvent(replicaRecordsProps(ZONE_ID, recordNames(2))));

    // THEN
    const records = { [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-003') };
    expect(result).toStrictEqual({ PhysicalResourceId: PHYSICAL_ID, Data: records });
    expect(changeRequests()).toEqual([changeRequest([
      change('CREATE', recordName(1), nodeAddress('sessions-002'), TTL),
      change('CREATE', recordName(2), nodeAddress('sessions-003'), TTL),
    ], RECONCILE_COMMENT, leaseClaim())]);
    expect(zone.get(LEASE_NAME)).toMatchObject({ values: [NEW_LEASE_TARGET], ttl: TTL });
    expect(zone.cnames()).toEqual(records);
  });

  test('Update adding a name writes only that name', async () => {
    // GIVEN a third replica was added and the names grow from 2 to 3
    given([...AS_CREATED, { id: 'sessions-004', role: 'replica' }], namesOnReplicas());
    setUpdaterEnv(recordNames(3));

    // WHEN
    const result = await handler(updateEvent(
      PHYSICAL_ID,
      replicaRecordsProps(ZONE_ID, recordNames(3)),
      replicaRecordsProps(ZONE_ID, recordNames(2)),
    ));

    // THEN
    expect(changeRequests()).toEqual([changeRequest([change('CREATE', recordName(3), nodeAddress('sessions-004'), TTL)])]);
    expect(result).toStrictEqual({
      PhysicalResourceId: PHYSICAL_ID,
      Data: {
        [recordName(1)]: nodeAddress('sessions-002'),
        [recordName(2)]: nodeAddress('sessions-003'),
        [recordName(3)]: nodeAddress('sessions-004'),
      },
    });
  });

  test('Update to another zone (a new replicationGroupId, zoneName or hostedZone) is refused before any AWS call', async () => {
    // GIVEN the names live in the current zone. A new zone name (the default derives from replicationGroupId) gives a
    // new zone; the function's policy already covers only it, so CloudFormation's later Delete of the old names would
    // be denied and the old zone, never emptied, could not be deleted.
    given(AS_CREATED, namesOnReplicas());
    const oldNames = recordNames(2);
    const newNames = ['replica1.orders.cache.internal', 'replica2.orders.cache.internal'];

    // WHEN / THEN the deployment fails with what to do, and rolls back
    await expect(handler(updateEvent(PHYSICAL_ID, replicaRecordsProps('Z9NEWZONE000000000000', newNames), replicaRecordsProps(ZONE_ID, oldNames))))
      .rejects.toThrow('The replica names cannot move from hosted zone cache.internal (Z0123456789ABCDEFGHIJ) to orders.cache.internal '
        + '(Z9NEWZONE000000000000) on a deployed construct: the old zone could not be emptied and deleted. This happens when replicationGroupId '
        + '(the default zone name is <replicationGroupId>.cache.internal), zoneName or hostedZone changes. To keep the zone, set zoneName to '
        + "'cache.internal'; to move, create a new construct beside this one. Nothing was changed; the deployment rolls back.");
    expectNoAwsCall();
  });

  test('the rollback of a refused zone move succeeds in the old zone, and touches no name of the new one', async () => {
    // GIVEN the refused Update left the physical id on the old zone; the rollback Update has the old props again
    const { zone } = given(AS_CREATED, namesOnReplicas());
    const newNames = ['replica1.orders.cache.internal', 'replica2.orders.cache.internal'];

    // WHEN
    const result = await handler(updateEvent(PHYSICAL_ID, replicaRecordsProps(ZONE_ID, recordNames(2)), replicaRecordsProps('Z9NEWZONE000000000000', newNames)));

    // THEN the old zone is as it was: the new zone's names are not looked up or deleted here
    expect(result).toStrictEqual({
      PhysicalResourceId: PHYSICAL_ID,
      Data: { [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-003') },
    });
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-003') });
  });

  test('Update scaling in from 3 names to 2 re-points a kept name and keeps replica3 on a live replica, following replica1', async () => {
    // GIVEN replica 003 was removed; replica3 was written long ago with a 60 s TTL, and applications may still use it
    const { zone } = given(
      [{ id: 'sessions-001', role: 'primary' }, { id: 'sessions-002', role: 'replica' }, { id: 'sessions-004', role: 'replica' }],
      [
        cname(recordName(1), nodeAddress('sessions-002'), TTL),
        cname(recordName(2), nodeAddress('sessions-003'), TTL),
        cname(recordName(3), nodeAddress('sessions-004'), 60),
      ],
    );

    // WHEN
    const result = await handler(updateEvent(
      PHYSICAL_ID,
      replicaRecordsProps(ZONE_ID, recordNames(2)),
      replicaRecordsProps(ZONE_ID, recordNames(3)),
    ));

    // THEN the dropped name is not deleted in the deploy that gives applications their new names (nothing orders
    // the two, and a resolver caches NXDOMAIN): it shares replica1's replica until the next Update. Its DELETE
    // carries the exact live TTL (60, not 30) and value, as real Route 53 requires.
    expect(changeRequests()).toEqual([changeRequest([
      ...replace(recordName(2), liveOn('sessions-003'), nodeAddress('sessions-004'), TTL),
      ...replace(recordName(3), liveOn('sessions-004', 60), nodeAddress('sessions-002'), TTL),
    ])]);
    expect(zone.cnames()).toEqual({
      [recordName(1)]: nodeAddress('sessions-002'),
      [recordName(2)]: nodeAddress('sessions-004'),
      [recordName(3)]: nodeAddress('sessions-002'),
    });
    expect(result).toStrictEqual({
      PhysicalResourceId: PHYSICAL_ID,
      Data: { [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-004') },
    });
  });

  test('a retired name follows its replica through a failover on the schedule, and the next Update deletes it', async () => {
    // GIVEN the Update above left replica3 beside replica1 on 002; then 002 is promoted
    const { zone } = given(AFTER_FAILOVER, [...namesOnReplicas(), cname(recordName(3), nodeAddress('sessions-002'), TTL)]);

    // WHEN the schedule runs
    const scheduled = await handler(scheduledEvent());

    // THEN replica1 moves off the new primary, and replica3 with it: a dropped name never points at the primary
    expect(scheduled).toMatchObject({ changes: 2 });
    expect(zone.cnames()).toEqual({
      [recordName(1)]: nodeAddress('sessions-001'),
      [recordName(2)]: nodeAddress('sessions-003'),
      [recordName(3)]: nodeAddress('sessions-001'),
    });

    // WHEN the next deployment updates the custom resource (here a TTL change: the names stay 2)
    await handler(updateEvent(PHYSICAL_ID, replicaRecordsProps(ZONE_ID, recordNames(2)), replicaRecordsProps(ZONE_ID, recordNames(2))));

    // THEN replica3, dropped by the deployment before, is gone
    expect(zone.get(recordName(3))).toBeUndefined();
    expect(Object.keys(zone.cnames())).toEqual([recordName(1), recordName(2)]);
  });

  test('the next Update re-reads when another writer changed the retired name, and deletes its new value', async () => {
    // GIVEN replica3 was retired by the deployment before; a run still on the old settings re-points it between
    // our read and our write
    const { zone } = given(AS_CREATED, [...namesOnReplicas(), cname(recordName(3), nodeAddress('sessions-003'), TTL)]);
    zone.beforeNextChange(() => zone.put(cname(recordName(3), nodeAddress('sessions-002'), TTL)));

    // WHEN
    await handler(updateEvent(PHYSICAL_ID, replicaRecordsProps(ZONE_ID, recordNames(2)), replicaRecordsProps(ZONE_ID, recordNames(2))));

    // THEN the first DELETE (stale value) is rejected by Route 53's exact-match rule, the second carries the new value
    expect(changeRequests()).toEqual([
      changeRequest([change('DELETE', recordName(3), nodeAddress('sessions-003'), TTL)]),
      changeRequest([change('DELETE', recordName(3), nodeAddress('sessions-002'), TTL)]),
    ]);
    expect(zone.get(recordName(3))).toBeUndefined();
  });

  test('Delete removes every owned name with its live value and TTL, without reading the group', async () => {
    // GIVEN the names, one of them with another TTL, beside records the updater does not own
    const { zone } = given(AS_CREATED, [
      cname(recordName(1), nodeAddress('sessions-002'), TTL),
      cname('replica2-old.cache.internal', 'legacy.example.com', TTL),
      cname(recordName(2), nodeAddress('sessions-001'), 45),
      { name: 'api.cache.internal', type: 'A', ttl: 300, values: ['10.0.0.10'] },
    ]);

    // WHEN
    const result = await handler(deleteEvent(PHYSICAL_ID, replicaRecordsProps(ZONE_ID, recordNames(2))));

    // THEN the lease and the names in one batch, with exact live values (Route 53 rejects a DELETE that does not
    // match); the group may already be gone
    expect(result).toStrictEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(changeRequests()).toEqual([changeRequest([
      change('DELETE', LEASE_NAME, LEASE_TARGET, TTL),
      change('DELETE', recordName(1), nodeAddress('sessions-002'), TTL),
      change('DELETE', recordName(2), nodeAddress('sessions-001'), 45),
    ], DELETE_COMMENT)]);
    expect(elastiCache).not.toHaveReceivedAnyCommand();
    expect(zone.cnames()).toEqual({ 'replica2-old.cache.internal': 'legacy.example.com' });
  });

  test('Delete when the names are already gone succeeds without a change batch', async () => {
    // GIVEN
    given(AS_CREATED, [cname('replica2-old.cache.internal', 'legacy.example.com', TTL)], false);

    // WHEN
    const result = await handler(deleteEvent(PHYSICAL_ID, replicaRecordsProps(ZONE_ID, recordNames(2))));

    // THEN
    expect(result).toStrictEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(route53).toHaveReceivedCommandTimes(ListResourceRecordSetsCommand, 1);
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });
});

describe('custom resource Delete sweeps every replica slot', () => {
  test('names beyond the current count, up to MAX_REPLICA_RECORDS, are deleted too, each with its live value and TTL', async () => {
    // GIVEN two names now, but a late reconcile left replica3 and a scale-in race left replica5 (with another TTL);
    // a construct-created zone that still holds either cannot be deleted (HostedZoneNotEmpty)
    const { zone } = given(AS_CREATED, [
      ...namesOnReplicas(),
      cname(recordName(3), nodeAddress('sessions-003'), TTL),
      cname(recordName(MAX_REPLICA_RECORDS), nodeAddress('sessions-002'), 60),
      cname('replica2-old.cache.internal', 'legacy.example.com', TTL),
    ]);

    // WHEN
    const result = await handler(deleteEvent(PHYSICAL_ID, replicaRecordsProps(ZONE_ID, recordNames(2))));

    // THEN one batch; replica4 does not exist and is skipped; a record the construct does not own stays
    expect(result).toStrictEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(changeRequests()).toEqual([changeRequest([
      change('DELETE', LEASE_NAME, LEASE_TARGET, TTL),
      change('DELETE', recordName(1), nodeAddress('sessions-002'), TTL),
      change('DELETE', recordName(2), nodeAddress('sessions-003'), TTL),
      change('DELETE', recordName(3), nodeAddress('sessions-003'), TTL),
      change('DELETE', recordName(5), nodeAddress('sessions-002'), 60),
    ], DELETE_COMMENT)]);
    expect(zone.cnames()).toEqual({ 'replica2-old.cache.internal': 'legacy.example.com' });
  });

  test('a Delete whose zone is already gone succeeds without a change batch', async () => {
    // GIVEN the zone in the properties no longer exists (deleted first, or by hand): Route 53 answers NoSuchHostedZone
    given(AS_CREATED, namesOnReplicas());
    const goneZone = 'Z9GONEZONE00000000000';

    // WHEN
    const result = await handler(deleteEvent(`replica-records:${goneZone}`, replicaRecordsProps(goneZone, recordNames(2))));

    // THEN the names went with the zone, so the resource is deleted
    expect(result).toStrictEqual({ PhysicalResourceId: `replica-records:${goneZone}` });
    expect(route53.commandCalls(ListResourceRecordSetsCommand).map((call) => call.args[0].input.HostedZoneId)).toEqual([goneZone]);
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });
});

describe('a transitional group view: no write unless exactly one member is primary (aws-facts §2.4)', () => {
  /** Two members report primary: 002 already promoted, 001 not demoted yet. */
  const TWO_PRIMARIES: FakeNode[] = [
    { id: 'sessions-001', role: 'primary' },
    { id: 'sessions-002', role: 'primary' },
    { id: 'sessions-003', role: 'replica' },
  ];
  /** No member reports primary, and 003 is not available. */
  const NO_PRIMARY: FakeNode[] = [
    { id: 'sessions-001' },
    { id: 'sessions-002', role: 'replica' },
    { id: 'sessions-003', role: 'replica', status: 'modifying' },
  ];

  test.each([
    ['two members report primary', TWO_PRIMARIES, 'the group reports 2 primary members (sessions-001, sessions-002), not exactly one; names left as they are'],
    ['no member reports primary', NO_PRIMARY, 'the group reports 0 primary members, not exactly one; names left as they are'],
  ])('%s: the reconcile is deferred, writing nothing', async (_, nodes, reason) => {
    // GIVEN names on 002 and 003; a plan from this view would move a name (off 002, or off the unavailable 003)
    const { zone } = given(nodes, namesOnReplicas());
    const names = { [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-003') };

    // WHEN
    const result = await reconcile(createUpdaterAws(), readSettings(process.env));

    // THEN the names as they are, and why
    expect(result).toMatchObject({ records: names, before: names, changes: 0, deleted: [], attempts: 1, deferred: reason });
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(zone.cnames()).toEqual(names);
  });

  test('the handler answers the names as they are and records a ReconcileDeferred metric', async () => {
    // GIVEN
    given(TWO_PRIMARIES, namesOnReplicas());
    const addMetric = jest.spyOn(Metrics.prototype, 'addMetric');

    // WHEN
    const result = await handler(snsEvent(elastiCacheMessage('FailoverComplete', RG)));

    // THEN the usual three keys; the next notification or the schedule converges
    expect(result).toStrictEqual({
      replicationGroupId: RG,
      records: { [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-003') },
      changes: 0,
    });
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(addMetric).toHaveBeenCalledWith('ReconcileDeferred', MetricUnit.Count, 1);
  });

  test('a reconcile with exactly one primary records no ReconcileDeferred metric', async () => {
    // GIVEN
    given(AFTER_FAILOVER, namesOnReplicas());
    const addMetric = jest.spyOn(Metrics.prototype, 'addMetric');

    // WHEN
    await handler(scheduledEvent());

    // THEN
    expect(addMetric.mock.calls.map(([name]) => name)).toEqual(['RecordChanges', 'ServingReplicas']);
  });

  test('a group that turns transitional after a batch landed: the next round defers, counting only what landed', async () => {
    // GIVEN after a failover, the group shows two primaries by the time the re-read after our batch comes
    const { group, zone } = given(AFTER_FAILOVER, namesOnReplicas());
    zone.beforeNextChange(() => group.nodes = TWO_PRIMARIES);

    // WHEN
    const result = await reconcile(createUpdaterAws(), readSettings(process.env));

    // THEN replica1 moved in the first round; the second round wrote nothing
    const after = { [recordName(1)]: nodeAddress('sessions-001'), [recordName(2)]: nodeAddress('sessions-003') };
    expect(changeRequests()).toEqual([changeRequest(replica1OffThePromotedNode())]);
    expect(result).toMatchObject({ records: after, changes: 1, attempts: 2, deferred: expect.stringContaining('2 primary members') });
    expect(zone.cnames()).toEqual(after);
  });

  test('a custom resource Update still succeeds and deletes a name the deployment before dropped, leaving the kept names as they are', async () => {
    // GIVEN replica3 was retired by the deployment before, while two members report primary
    const { zone } = given(TWO_PRIMARIES, [...namesOnReplicas(), cname(recordName(3), nodeAddress('sessions-001'), TTL)]);

    // WHEN
    const result = await handler(updateEvent(
      PHYSICAL_ID,
      replicaRecordsProps(ZONE_ID, recordNames(2)),
      replicaRecordsProps(ZONE_ID, recordNames(2)),
    ));

    // THEN failing would roll the stack back over a transient state. Deleting a name nobody uses any more does not
    // depend on roles, so it goes now.
    expect(result).toStrictEqual({
      PhysicalResourceId: PHYSICAL_ID,
      Data: { [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-003') },
    });
    expect(changeRequests()).toEqual([changeRequest([change('DELETE', recordName(3), nodeAddress('sessions-001'), TTL)])]);
    expect(zone.get(recordName(3))).toBeUndefined();
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-003') });
  });

  test('a custom resource Create on an empty zone still succeeds, claiming the lease, with no names yet', async () => {
    // GIVEN
    const { zone } = given(NO_PRIMARY, [], false);

    // WHEN
    const result = await handler(createEvent(replicaRecordsProps(ZONE_ID, recordNames(2))));

    // THEN the schedule seeds them once the group settles: the lease lets it
    expect(result).toStrictEqual({ PhysicalResourceId: PHYSICAL_ID, Data: {} });
    expect(changeRequests()).toEqual([changeRequest([], RECONCILE_COMMENT, leaseClaim())]);
    expect(zone.cnames()).toEqual({});
    expect(zone.get(LEASE_NAME)).toBeDefined();
  });
});

describe('a failover, end to end', () => {
  test('the name on the promoted node moves to a replica, the other stays, and a repeated notification changes nothing', async () => {
    // GIVEN the stack created the names on 002 and 003
    const { group, zone } = given(AS_CREATED);
    await handler(createEvent(replicaRecordsProps(ZONE_ID, recordNames(2))));
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-002'), [recordName(2)]: nodeAddress('sessions-003') });
    route53.resetHistory();

    // WHEN ElastiCache promotes 002 and recovers 001 as a replica
    group.nodes = AFTER_FAILOVER;
    const first = await handler(snsEvent(elastiCacheMessage('FailoverComplete', RG)));
    // SNS delivers at least once
    const repeated = await handler(snsEvent(elastiCacheMessage('FailoverComplete', RG)));

    // THEN the batch replaces the lease the Create wrote
    expect(changeRequests()).toEqual([changeRequest(replica1OffThePromotedNode(), RECONCILE_COMMENT, leaseRenewal(NEW_LEASE_TARGET))]);
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-001'), [recordName(2)]: nodeAddress('sessions-003') });
    expect(first).toMatchObject({ changes: 1 });
    expect(repeated).toMatchObject({ changes: 0 });
  });

  test('while no replica can serve, the names fall back to the primary', async () => {
    // GIVEN both replicas are being replaced
    const { zone } = given([
      { id: 'sessions-001', role: 'primary' },
      { id: 'sessions-002', role: 'replica', status: 'rebooting cache cluster nodes' },
      { id: 'sessions-003', role: 'replica', status: 'rebooting cache cluster nodes' },
    ], namesOnReplicas());

    // WHEN
    await handler(scheduledEvent());

    // THEN
    expect(zone.cnames()).toEqual({ [recordName(1)]: nodeAddress('sessions-001'), [recordName(2)]: nodeAddress('sessions-001') });
  });
});

describe('log hygiene', () => {
  test('warm invocations, ignored events and Deletes log no Powertools warnings', async () => {
    // GIVEN Powertools writes its warnings to the process streams directly
    given(AS_CREATED, namesOnReplicas());
    const written: string[] = [];
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    jest.spyOn(process.stderr, 'write').mockImplementation(capture);

    // WHEN the same container handles several events
    await handler({});
    await handler(scheduledEvent());
    await handler(snsEvent(elastiCacheMessage('FailoverComplete', 'orders')));
    await handler(deleteEvent(PHYSICAL_ID, replicaRecordsProps(ZONE_ID, recordNames(2))));

    // THEN no "already been added" per warm invocation, no "No application metrics to publish"
    expect(written.filter((line) => /already been added|No application metrics/.test(line))).toEqual([]);
  });
});

describe('verify action', () => {
  test('reports every name right after a reconcile, without writing', async () => {
    // GIVEN names on the replicas
    given(AS_CREATED, namesOnReplicas());
    // WHEN
    const result = await handler({ action: 'verify' });
    // THEN
    expect(result).toEqual({
      ok: true,
      servingReplicas: 2,
      unmanaged: undefined,
      names: [
        { name: recordName(1), target: nodeAddress('sessions-002'), cacheClusterId: 'sessions-002' },
        { name: recordName(2), target: nodeAddress('sessions-003'), cacheClusterId: 'sessions-003' },
      ],
    });
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  test('names the stale name after a failover the updater has not seen', async () => {
    // GIVEN the names as before the failover, but 002 is now the primary
    given(AFTER_FAILOVER, namesOnReplicas());
    // WHEN
    const result = await handler({ action: 'verify' }) as { ok: boolean; names: Array<{ name: string; problem?: string }> };
    // THEN
    expect(result.ok).toBe(false);
    expect(result.names.find((name) => name.name === recordName(1))?.problem).toBe('points at sessions-002, which is the primary node');
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });
});

describe('after the custom resource\'s Delete, no run brings a name back (the lease)', () => {
  // Removing the SNS subscription and the schedule does not cancel events already in Lambda's asynchronous queue, nor
  // Lambda's own retries of a failed one (about 1 and 2 minutes later): "Asynchronous invocation", Lambda developer guide.
  test.each([
    ['a queued SNS notification', snsEvent(elastiCacheMessage('FailoverComplete', RG))],
    ['a scheduled run', scheduledEvent()],
    ['a direct invoke', {}],
  ])('%s finds no lease and writes nothing', async (_, event) => {
    // GIVEN the Delete removed the lease and every name
    const { zone } = given(AFTER_FAILOVER, [], false);
    const addMetric = jest.spyOn(Metrics.prototype, 'addMetric');

    // WHEN
    const result = await handler(event);

    // THEN the zone stays empty, so CloudFormation can delete it
    expect(result).toMatchObject({ changes: 0, records: {} });
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(zone.cnames()).toEqual({});
    expect(addMetric).toHaveBeenCalledWith('ReconcileSkipped', MetricUnit.Count, 1);
  });

  test('a run in flight when the Delete lands: its batch is refused, it re-reads, finds no lease and stops', async () => {
    // GIVEN a failover run that has read the zone, and the Delete's batch landing before the run's batch
    const { zone } = given(AFTER_FAILOVER, namesOnReplicas());
    zone.beforeNextChange(() => {
      zone.remove(LEASE_NAME);
      zone.remove(recordName(1));
      zone.remove(recordName(2));
    });

    // WHEN
    const result = await handler(snsEvent(elastiCacheMessage('FailoverComplete', RG)));

    // THEN the run's batch renewed the lease, so Route 53 refused all of it; nothing came back
    expect(route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
    expect(result).toMatchObject({ changes: 0 });
    expect(zone.cnames()).toEqual({});
    expect(zone.get(LEASE_NAME)).toBeUndefined();
  });

  test('a Delete right after a run landed removes what the run wrote, lease and all', async () => {
    // GIVEN a run that re-pointed replica1
    const { zone } = given(AFTER_FAILOVER, namesOnReplicas());
    await handler(snsEvent(elastiCacheMessage('FailoverComplete', RG)));

    // WHEN the Delete runs, then a late retry of the notification
    await handler(deleteEvent(PHYSICAL_ID, replicaRecordsProps(ZONE_ID, recordNames(2))));
    await handler(snsEvent(elastiCacheMessage('FailoverComplete', RG)));

    // THEN
    expect(zone.cnames()).toEqual({});
    expect(zone.get(LEASE_NAME)).toBeUndefined();
  });
});

describe('member statuses (aws-facts §0a.1)', () => {
  test('the only replica taking its daily backup keeps its name: a scheduled run writes nothing', async () => {
    // GIVEN `snapshotting`, which DescribeCacheClusters reports during a backup ("no impact on the cache", ElastiCache backups page)
    given([{ id: 'sessions-001', role: 'primary' }, { id: 'sessions-002', role: 'replica', status: 'snapshotting' }],
      [cname(recordName(1), nodeAddress('sessions-002'), TTL)]);
    setUpdaterEnv(recordNames(1));

    // WHEN
    const result = await handler(scheduledEvent());

    // THEN
    expect(result).toMatchObject({ changes: 0, records: { [recordName(1)]: nodeAddress('sessions-002') } });
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  test('a replica in a status this release does not know loses its name to an available one', async () => {
    // GIVEN
    given([
      { id: 'sessions-001', role: 'primary' },
      { id: 'sessions-002', role: 'replica', status: 'some-future-status' },
      { id: 'sessions-003', role: 'replica' },
    ], namesOnReplicas());

    // WHEN
    const result = await handler(scheduledEvent());

    // THEN
    expect(result).toMatchObject({ changes: 1, records: { [recordName(1)]: nodeAddress('sessions-003'), [recordName(2)]: nodeAddress('sessions-003') } });
  });
});
