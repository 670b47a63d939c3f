import 'aws-sdk-client-mock-jest';
import {
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  InvalidParameterValueException,
} from '@aws-sdk/client-elasticache';
import {
  ChangeResourceRecordSetsCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { FakeReplicationGroup, nodeAddress } from './fixtures/elasticache';
import { cname, FakeHostedZone } from './fixtures/route53';
import { RG, recordName, recordNames, setUpdaterEnv, TTL, ZONE_ID } from './fixtures/updater-env';
import { compareRoute53Order, createUpdaterAws, errorName } from '../../lambda/updater/aws';
import { DeadlineRetryStrategy, MAX_ATTEMPTS_GUARD } from '../../lambda/updater/retry';

const elastiCache = mockClient(ElastiCacheClient);
const route53: AwsClientStub<Route53Client> = mockClient(Route53Client);

beforeEach(() => {
  elastiCache.reset();
  route53.reset();
  setUpdaterEnv();
});

afterAll(() => {
  elastiCache.restore();
  route53.restore();
});

describe('compareRoute53Order', () => {
  test.each([
    // Labels compare right to left: the zone first, then the record's own label.
    ['replica1.cache.internal', 'replica2.cache.internal', -1],
    ['replica2.cache.internal', 'replica10.cache.internal', 1],
    ['b.alpha.internal', 'a.beta.internal', -1],
    // A parent lists before its children.
    ['cache.internal', 'replica1.cache.internal', -1],
    ['replica1.cache.internal', 'x.replica1.cache.internal', -1],
    // Route 53 compares `internal.cache.replica1-old.` with `internal.cache.replica1.`: `-` (45) sorts before `.` (46).
    ['replica1-old.cache.internal', 'replica1.cache.internal', -1],
    ['replica1.cache.internal', 'replica1-old.cache.internal', 1],
    ['replica1.cache.internal', 'replica10.cache.internal', -1],
    ['replica1.cache-blue.internal', 'replica1.cache.internal', -1],
    // Case and a trailing dot do not matter.
    ['REPLICA1.cache.internal.', 'replica1.cache.internal', 0],
  ])('%s vs %s: %d', (left, right, expected) => {
    expect(Math.sign(compareRoute53Order(left, right))).toBe(expected);
    expect(Math.sign(compareRoute53Order(right, left))).toBe(-expected || 0);
  });

  test('sorts the way Route 53 lists a zone', () => {
    const names = [
      'replica2.cache.internal',
      'replica1-old.cache.internal',
      'cache.internal',
      'x.replica1.cache.internal',
      'replica1.cache.internal',
    ];
    expect([...names].sort(compareRoute53Order)).toEqual([
      'cache.internal',
      'replica1-old.cache.internal',
      'replica1.cache.internal',
      'x.replica1.cache.internal',
      'replica2.cache.internal',
    ]);
  });
});

describe('errorName', () => {
  test.each<[string, unknown, string | undefined]>([
    ['an SDK exception', new InvalidChangeBatch({ message: 'x', $metadata: {} }), 'InvalidChangeBatch'],
    ['a plain Error', new Error('x'), 'Error'],
    ['an older `Code` shape', { Code: 'Throttling' }, 'Throttling'],
    ['`name` wins over `Code`', { name: 'PriorRequestNotComplete', Code: 'Other' }, 'PriorRequestNotComplete'],
    ['a non-string name', { name: 42 }, undefined],
    ['a string', 'Throttling', undefined],
    ['null', null, undefined],
    ['undefined', undefined, undefined],
  ])('%s', (_, error, expected) => {
    expect(errorName(error)).toBe(expected);
  });
});

describe('createUpdaterAws', () => {
  test('configures Route 53 to retry until a deadline rather than a number of attempts', async () => {
    // GIVEN
    let client: Route53Client | undefined;
    route53.on(ListResourceRecordSetsCommand).callsFake((_input, getClient) => {
      client = getClient() as Route53Client;
      return { ResourceRecordSets: [], IsTruncated: false };
    });

    // WHEN
    await createUpdaterAws({ deadline: () => Date.now() }).readRecords(ZONE_ID, recordNames(1));

    // THEN the SDK announces the guard as its maximum, and the strategy is the deadline one
    expect(await client!.config.maxAttempts()).toBe(MAX_ATTEMPTS_GUARD);
    expect(await client!.config.retryStrategy()).toBeInstanceOf(DeadlineRetryStrategy);
  });
});

describe('readRecords', () => {
  test('reads nothing for no names', async () => {
    await expect(createUpdaterAws().readRecords(ZONE_ID, [])).resolves.toEqual([]);
    expect(route53).not.toHaveReceivedAnyCommand();
  });

  test('stops paging once it has passed the last wanted name', async () => {
    // GIVEN a zone of 40 records, 2 per page; the wanted names are on the first two pages
    const zone = new FakeHostedZone(ZONE_ID, [
      cname(recordName(1), nodeAddress('sessions-002'), TTL),
      cname(recordName(2), nodeAddress('sessions-003'), TTL),
      ...Array.from({ length: 38 }, (_, index) => cname(`svc${String(index).padStart(2, '0')}.cache.internal`, 'x.example.com', 60)),
    ]);
    zone.pageSize = 2;
    zone.install(route53);

    // WHEN asking for replica1 and replica3 (missing): replica3 would sort right after replica2
    const records = await createUpdaterAws().readRecords(ZONE_ID, [recordName(3), recordName(1)]);

    // THEN page 1 (replica1, replica2) and page 2 (svc00, svc01), where svc00 is past replica3; not the other 18 pages
    expect(records).toEqual([{ name: recordName(1), target: nodeAddress('sessions-002'), ttl: TTL }]);
    expect(route53).toHaveReceivedCommandTimes(ListResourceRecordSetsCommand, 2);
    expect(route53).toHaveReceivedNthCommandWith(2, ListResourceRecordSetsCommand, {
      HostedZoneId: ZONE_ID, StartRecordName: 'svc00.cache.internal.', StartRecordType: 'CNAME',
    });
  });

  test('stops paging once every wanted name is found', async () => {
    // GIVEN one record per page
    const zone = new FakeHostedZone(ZONE_ID, [
      cname(recordName(1), nodeAddress('sessions-002'), TTL),
      cname(recordName(2), nodeAddress('sessions-003'), TTL),
      cname(recordName(3), nodeAddress('sessions-003'), TTL),
    ]);
    zone.pageSize = 1;
    zone.install(route53);

    // WHEN
    const records = await createUpdaterAws().readRecords(ZONE_ID, recordNames(2));

    // THEN
    expect(records.map((record) => record.name)).toEqual(recordNames(2));
    expect(route53).toHaveReceivedCommandTimes(ListResourceRecordSetsCommand, 2);
  });

  test('keeps only CNAMEs, normalizing names but keeping targets as listed (a DELETE must repeat them exactly)', async () => {
    // GIVEN a TXT and an A record beside the CNAMEs, names listed with a trailing dot and in uppercase
    new FakeHostedZone(ZONE_ID, [
      { name: 'replica1.cache.internal.', type: 'TXT', ttl: 300, values: ['"owner"'] },
      cname('REPLICA1.CACHE.INTERNAL.', 'Sessions-002.X7K2PQ.0001.USE1.CACHE.AMAZONAWS.COM.', 45),
      { name: recordName(2), type: 'A', ttl: 300, values: ['10.0.0.1'] },
    ]).install(route53);

    // WHEN
    const records = await createUpdaterAws().readRecords(ZONE_ID, ['Replica1.Cache.Internal.', recordName(2)]);

    // THEN
    expect(records).toEqual([{ name: recordName(1), target: 'Sessions-002.X7K2PQ.0001.USE1.CACHE.AMAZONAWS.COM.', ttl: 45 }]);
    expect(route53).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, { HostedZoneId: ZONE_ID, StartRecordName: recordName(1) });
  });
});

describe('readGroup', () => {
  test('reads roles, read endpoints and each replica\'s own status', async () => {
    // GIVEN
    new FakeReplicationGroup(RG, [
      { id: 'sessions-001', role: 'primary' },
      { id: 'sessions-002', role: 'replica', status: 'modifying' },
      { id: 'sessions-003', role: 'replica' },
      { id: 'sessions-004' },
    ]).install(elastiCache);

    // WHEN
    const group = await createUpdaterAws().readGroup(RG);

    // THEN the primary's and the role-less member's status are not asked for
    expect(group).toEqual({
      status: 'available',
      members: [
        { cacheClusterId: 'sessions-001', role: 'primary', address: nodeAddress('sessions-001'), status: undefined },
        { cacheClusterId: 'sessions-002', role: 'replica', address: nodeAddress('sessions-002'), status: 'modifying' },
        { cacheClusterId: 'sessions-003', role: 'replica', address: nodeAddress('sessions-003'), status: 'available' },
        { cacheClusterId: 'sessions-004', role: undefined, address: undefined, status: undefined },
      ],
    });
    expect(elastiCache).toHaveReceivedCommandTimes(DescribeCacheClustersCommand, 2);
  });

  test('an empty answer is a clear error', async () => {
    elastiCache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [] });
    await expect(createUpdaterAws().readGroup(RG)).rejects.toThrow('Replication group sessions was not found');
  });

  test('a member status error other than not-found fails the read', async () => {
    // GIVEN
    new FakeReplicationGroup(RG, [{ id: 'sessions-001', role: 'primary' }, { id: 'sessions-002', role: 'replica' }]).install(elastiCache);
    elastiCache.on(DescribeCacheClustersCommand).rejects(new InvalidParameterValueException({ message: 'bad', $metadata: {} }));

    // WHEN / THEN a replica whose state is unknown is not silently dropped
    await expect(createUpdaterAws().readGroup(RG)).rejects.toThrow(expect.objectContaining({ name: 'InvalidParameterValueException' }));
  });
});

describe('applyChanges', () => {
  test('sends nothing for an empty batch', async () => {
    await createUpdaterAws().applyChanges(ZONE_ID, [], 'nothing');
    expect(route53).not.toHaveReceivedAnyCommand();
  });

  test('sends the changes as one CNAME batch, in order and as given, the comment cut to Route 53\'s 256 characters', async () => {
    // GIVEN a replace (DELETE of the live value as listed, then CREATE) and a scale-in DELETE, as reconcile plans them
    route53.on(ChangeResourceRecordSetsCommand).resolves({});

    // WHEN
    await createUpdaterAws().applyChanges(ZONE_ID, [
      { action: 'DELETE', name: recordName(1), target: `${nodeAddress('sessions-002').toUpperCase()}.`, ttl: 300 },
      { action: 'CREATE', name: recordName(1), target: nodeAddress('sessions-003'), ttl: TTL },
      { action: 'DELETE', name: recordName(3), target: nodeAddress('sessions-004'), ttl: 60 },
    ], 'c'.repeat(300));

    // THEN the order is kept (DELETE before CREATE of one name is what makes the replace valid), and the DELETE's
    // value keeps its case and trailing dot (Route 53 matches it exactly)
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input).toEqual({
      HostedZoneId: ZONE_ID,
      ChangeBatch: {
        Comment: 'c'.repeat(256),
        Changes: [
          {
            Action: 'DELETE',
            ResourceRecordSet: {
              Name: recordName(1), Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: `${nodeAddress('sessions-002').toUpperCase()}.` }],
            },
          },
          {
            Action: 'CREATE',
            ResourceRecordSet: { Name: recordName(1), Type: 'CNAME', TTL: TTL, ResourceRecords: [{ Value: nodeAddress('sessions-003') }] },
          },
          {
            Action: 'DELETE',
            ResourceRecordSet: { Name: recordName(3), Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: nodeAddress('sessions-004') }] },
          },
        ],
      },
    });
  });
});
