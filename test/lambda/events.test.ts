import {
  createEvent,
  deleteEvent,
  elastiCacheMessage,
  replicaRecordsProps,
  scheduledEvent,
  snsEvent,
  updateEvent,
} from './fixtures/events';
import { LOGICAL_ID, STACK_ID } from './fixtures/updater-env';
import { classifyEvent, UpdaterRequest } from '../../lambda/updater/events';

const RG = 'sessions';
const ZONE_ID = 'Z0123456789ABCDEFGHIJ';
const NAMES = ['replica1.cache.internal', 'replica2.cache.internal'];

const sns = (reasons: string[]): UpdaterRequest => ({ kind: 'reconcile', trigger: 'sns', reasons });
const ignore = (reasons: string[]): UpdaterRequest => ({ kind: 'ignore', reasons });

describe('classifyEvent: ElastiCache notifications through SNS', () => {
  test.each<[string, string[], UpdaterRequest]>([
    ['the group id', [elastiCacheMessage('FailoverComplete', RG)], sns(['ElastiCache:FailoverComplete=sessions'])],
    ['a member id', [elastiCacheMessage('CacheNodeReplaceComplete', 'sessions-002')], sns(['ElastiCache:CacheNodeReplaceComplete=sessions-002'])],
    // ElastiCache stores ids lowercase, but the comparison must not depend on it.
    ['a mixed-case id', [elastiCacheMessage('FailoverComplete', 'SESSIONS-003')], sns(['ElastiCache:FailoverComplete=SESSIONS-003'])],
    // A cluster-mode-enabled style member id still starts with the group id and a dash.
    ['a node id with a shard part', [elastiCacheMessage('CacheClusterProvisioningComplete', 'sessions-0001-005')],
      sns(['ElastiCache:CacheClusterProvisioningComplete=sessions-0001-005'])],
    // Unknown events still reconcile: a new or renamed event must never be dropped.
    ['an unknown event', [elastiCacheMessage('SomethingNewComplete', RG)], sns(['ElastiCache:SomethingNewComplete=sessions'])],
    ['extra keys beside the event', [elastiCacheMessage('FailoverComplete', RG, { 'Cache Cluster ID': 'sessions-001' })],
      sns(['ElastiCache:FailoverComplete=sessions'])],
    ['the SourceIdentifier form',
      [JSON.stringify({ Message: 'Cache cluster created', SourceIdentifier: 'sessions-002', SourceType: 'cache-cluster' })],
      sns(['Cache cluster created=sessions-002'])],
    ['the SourceIdentifier form without a message', [JSON.stringify({ SourceIdentifier: RG })], sns(['SourceIdentifier=sessions'])],
    ['two events in one body, one of them ours', [JSON.stringify({ 'ElastiCache:SnapshotComplete': 'orders', 'ElastiCache:FailoverComplete': RG })],
      sns(['ElastiCache:FailoverComplete=sessions'])],
    ['records about this and another group', [elastiCacheMessage('FailoverComplete', 'orders'), elastiCacheMessage('FailoverComplete', RG)],
      sns(['ElastiCache:FailoverComplete=sessions'])],
    // Over-reconciling is cheap, missing a failover is not: `<group>-<anything>` counts as a member.
    ['a group whose id extends ours with a dash', [elastiCacheMessage('FailoverComplete', 'sessions-blue')],
      sns(['ElastiCache:FailoverComplete=sessions-blue'])],
  ])('naming %s reconciles', (_, messages, expected) => {
    expect(classifyEvent(snsEvent(...messages), RG)).toEqual(expected);
  });

  test.each<[string, unknown, UpdaterRequest]>([
    ['another group', snsEvent(elastiCacheMessage('FailoverComplete', 'orders')),
      ignore(['about another group: ElastiCache:FailoverComplete=orders'])],
    ['a group whose id merely starts like ours', snsEvent(elastiCacheMessage('FailoverComplete', 'sessions2')),
      ignore(['about another group: ElastiCache:FailoverComplete=sessions2'])],
    ['a group whose id contains ours', snsEvent(elastiCacheMessage('FailoverComplete', 'old-sessions')),
      ignore(['about another group: ElastiCache:FailoverComplete=old-sessions'])],
    ['a non-string id', snsEvent(JSON.stringify({ 'ElastiCache:FailoverComplete': 42 })),
      ignore(['about another group: ElastiCache:FailoverComplete=42'])],
    ['a message that is not JSON', snsEvent('{"ElastiCache:FailoverComplete": '),
      ignore(['SNS message is not JSON: {"ElastiCache:FailoverComplete": '])],
    ['a JSON message that is not an object', snsEvent('["sessions"]'), ignore(['SNS message is not a JSON object'])],
    ['JSON null', snsEvent('null'), ignore(['SNS message is not a JSON object'])],
    ['a message from another service', snsEvent(JSON.stringify({ AlarmName: 'cpu', NewStateValue: 'ALARM' })),
      ignore(['not an ElastiCache notification: keys AlarmName, NewStateValue'])],
    ['a record without Sns', { Records: [{ EventSource: 'aws:sqs', body: 'x' }] }, ignore(['SNS record without a message'])],
    ['no records', { Records: [] }, ignore(['SNS event without records'])],
  ])('naming %s is ignored', (_, event, expected) => {
    expect(classifyEvent(event, RG)).toEqual(expected);
  });

  test('a long non-JSON message is cut in the reason', () => {
    const result = classifyEvent(snsEvent('x'.repeat(1000)), RG);
    expect(result).toEqual(ignore([`SNS message is not JSON: ${'x'.repeat(200)}`]));
  });
});

describe('classifyEvent: schedule, direct invoke and anything else', () => {
  test.each<[string, unknown, UpdaterRequest]>([
    ['the EventBridge schedule', scheduledEvent(), { kind: 'reconcile', trigger: 'schedule', reasons: ['scheduled reconcile'] }],
    ['an aws.events event of another detail type', { 'source': 'aws.events', 'detail-type': 'Something' },
      { kind: 'reconcile', trigger: 'schedule', reasons: ['scheduled reconcile'] }],
    ['an empty payload', {}, { kind: 'reconcile', trigger: 'direct', reasons: ['direct invoke'] }],
    ['no payload', null, { kind: 'reconcile', trigger: 'direct', reasons: ['direct invoke'] }],
    ['{"action":"reconcile"}', { action: 'reconcile' }, { kind: 'reconcile', trigger: 'direct', reasons: ['direct invoke'] }],
    ['another action', { action: 'delete-everything' }, ignore(['unrecognized event with keys action'])],
    ['an unrecognized object', { source: 'aws.cloudwatch', detail: {} }, ignore(['unrecognized event with keys detail, source'])],
  ])('%s', (_, event, expected) => {
    expect(classifyEvent(event, RG)).toEqual(expected);
  });
});

describe('classifyEvent: custom resource events from custom_resources.Provider', () => {
  test('Create carries the zone and the names, normalized', () => {
    const event = createEvent(replicaRecordsProps(ZONE_ID, ['Replica1.Cache.Internal.', ' replica2.cache.internal ']));
    expect(classifyEvent(event, RG)).toEqual({
      kind: 'custom-resource',
      requestType: 'Create',
      physicalResourceId: undefined,
      hostedZoneId: ZONE_ID,
      recordNames: NAMES,
      oldRecordNames: undefined,
      stackId: STACK_ID,
      logicalResourceId: LOGICAL_ID,
    });
  });

  test('Update carries the old names too', () => {
    const event = updateEvent(
      'replica-records:Z1',
      replicaRecordsProps(ZONE_ID, NAMES),
      replicaRecordsProps('Z1', [...NAMES, 'replica3.cache.internal']),
    );
    expect(classifyEvent(event, RG)).toEqual({
      kind: 'custom-resource',
      requestType: 'Update',
      physicalResourceId: 'replica-records:Z1',
      hostedZoneId: ZONE_ID,
      recordNames: NAMES,
      oldRecordNames: [...NAMES, 'replica3.cache.internal'],
      stackId: STACK_ID,
      logicalResourceId: LOGICAL_ID,
    });
  });

  test('Delete carries the physical id', () => {
    const event = deleteEvent(`replica-records:${ZONE_ID}`, replicaRecordsProps(ZONE_ID, NAMES));
    expect(classifyEvent(event, RG)).toMatchObject({
      kind: 'custom-resource',
      requestType: 'Delete',
      physicalResourceId: `replica-records:${ZONE_ID}`,
    });
  });

  test('properties of the wrong type are left undefined, so the handler falls back to its settings', () => {
    const event = { RequestType: 'Delete', PhysicalResourceId: 'x', ResourceProperties: { HostedZoneId: 7, ReplicaRecordNames: ['a'] } };
    expect(classifyEvent(event, RG)).toEqual({
      kind: 'custom-resource',
      requestType: 'Delete',
      physicalResourceId: 'x',
      hostedZoneId: undefined,
      recordNames: undefined,
      oldRecordNames: undefined,
    });
  });
});

describe('classifyEvent: operator actions', () => {
  test('{"action":"reclaim"} asks to claim the names as the custom resource', () => {
    expect(classifyEvent({ action: 'reclaim' }, RG)).toEqual({ kind: 'reclaim' });
  });
});
