import { readSettings } from '../../lambda/updater/settings';
import { namesOwner, stackKey } from '../../src/private/contract';

/** The environment the construct sets. */
const VALID = {
  REPLICATION_GROUP_ID: 'sessions',
  HOSTED_ZONE_ID: 'Z0123456789ABCDEFGHIJ',
  REPLICA_RECORD_NAMES: 'replica1.cache.internal,replica2.cache.internal',
  RECORD_TTL_SECONDS: '30',
  NO_REPLICA_FALLBACK: 'keep',
};

describe('readSettings', () => {
  test('reads the construct\'s environment', () => {
    expect(readSettings(VALID)).toEqual({
      replicationGroupId: 'sessions',
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      recordNames: ['replica1.cache.internal', 'replica2.cache.internal'],
      ttlSeconds: 30,
      noReplicaFallback: 'keep',
    });
  });

  test('STACK_ID (the construct sets AWS::StackId) becomes the stack the lease is compared with; without it, none', () => {
    const stackId = 'arn:aws:cloudformation:us-east-1:111122223333:stack/Stack/5b3a1e40-0000-11ef-0000-0a0000000000';
    expect(readSettings({ ...VALID, STACK_ID: ` ${stackId} ` }).stack).toBe(stackKey(stackId));
    expect(readSettings({ ...VALID, STACK_ID: ' ' }).stack).toBeUndefined();
    expect(readSettings(VALID).stack).toBeUndefined();
  });

  test('STACK_ID with NAMES_LOGICAL_ID name the custom resource that owns the names, as its events do; either alone, none', () => {
    const stackId = 'arn:aws:cloudformation:us-east-1:111122223333:stack/Stack/5b3a1e40-0000-11ef-0000-0a0000000000';
    expect(readSettings({ ...VALID, STACK_ID: stackId, NAMES_LOGICAL_ID: ' CacheUpdaterReplicaRecords1 ' }).owner)
      .toEqual(namesOwner(stackId, 'CacheUpdaterReplicaRecords1'));
    expect(readSettings({ ...VALID, STACK_ID: stackId }).owner).toBeUndefined();
    expect(readSettings({ ...VALID, NAMES_LOGICAL_ID: 'CacheUpdaterReplicaRecords1' }).owner).toBeUndefined();
  });

  test('normalizes what it can: group id case, zone id prefix, names', () => {
    const settings = readSettings({
      ...VALID,
      REPLICATION_GROUP_ID: ' Sessions ',
      HOSTED_ZONE_ID: '/hostedzone/Z0123456789ABCDEFGHIJ',
      REPLICA_RECORD_NAMES: 'Replica1.Cache.Internal., replica2.cache.internal,',
    });
    expect(settings).toMatchObject({
      replicationGroupId: 'sessions',
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      recordNames: ['replica1.cache.internal', 'replica2.cache.internal'],
    });
  });

  test.each([
    ['unset', undefined],
    ['empty', ''],
    ['blank', '  '],
  ])('the fallback defaults to primary when %s', (_, value) => {
    expect(readSettings({ ...VALID, NO_REPLICA_FALLBACK: value }).noReplicaFallback).toBe('primary');
  });

  test('an empty environment names every missing variable in one error', () => {
    expect(() => readSettings({})).toThrow(new Error(
      'Invalid updater configuration: REPLICATION_GROUP_ID is not set; HOSTED_ZONE_ID is not set; '
      + 'REPLICA_RECORD_NAMES is not set; RECORD_TTL_SECONDS is not set',
    ));
  });

  test.each([
    ['a zero TTL', { RECORD_TTL_SECONDS: '0' }, "RECORD_TTL_SECONDS must be a positive integer, got '0'"],
    ['a negative TTL', { RECORD_TTL_SECONDS: '-5' }, "RECORD_TTL_SECONDS must be a positive integer, got '-5'"],
    ['a fractional TTL', { RECORD_TTL_SECONDS: '1.5' }, "RECORD_TTL_SECONDS must be a positive integer, got '1.5'"],
    ['a TTL with a unit', { RECORD_TTL_SECONDS: '30s' }, "RECORD_TTL_SECONDS must be a positive integer, got '30s'"],
    ['an unknown fallback', { NO_REPLICA_FALLBACK: 'reader' }, "NO_REPLICA_FALLBACK must be one of primary, keep, got 'reader'"],
    ['a fallback in the wrong case', { NO_REPLICA_FALLBACK: 'Primary' }, "NO_REPLICA_FALLBACK must be one of primary, keep, got 'Primary'"],
    ['names that are only commas', { REPLICA_RECORD_NAMES: ' , ,' }, "REPLICA_RECORD_NAMES has no record names, got ', ,'"],
    ['a blank group id', { REPLICATION_GROUP_ID: '   ' }, 'REPLICATION_GROUP_ID is not set'],
  ])('%s is rejected with a clear message', (_, overrides, problem) => {
    expect(() => readSettings({ ...VALID, ...overrides })).toThrow(new Error(`Invalid updater configuration: ${problem}`));
  });

  test('several problems are listed together', () => {
    expect(() => readSettings({ ...VALID, HOSTED_ZONE_ID: undefined, RECORD_TTL_SECONDS: 'x', NO_REPLICA_FALLBACK: 'none' })).toThrow(new Error(
      "Invalid updater configuration: HOSTED_ZONE_ID is not set; RECORD_TTL_SECONDS must be a positive integer, got 'x'; "
      + "NO_REPLICA_FALLBACK must be one of primary, keep, got 'none'",
    ));
  });
});
