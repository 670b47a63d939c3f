import {
  hostedZoneIdOfPhysicalId,
  MAX_REPLICA_RECORDS,
  namesOwner,
  parseLeaseTarget,
  replicaNameIndex,
  stackKey,
  replicaNamesLeaseName,
  replicaNamesLeaseTarget,
  replicaNamesZone,
  replicaRecordsPhysicalId,
  replicaSlotNames,
} from '../../src/private/contract';

describe('replicaSlotNames', () => {
  test('the given names, then every slot up to MAX_REPLICA_RECORDS in their zone, without duplicates', () => {
    // GIVEN the names of a construct with two replicas, as CloudFormation passes them back
    const names = ['replica1.cache.internal', 'replica2.cache.internal'];

    // WHEN
    const slots = replicaSlotNames(names);

    // THEN
    expect(MAX_REPLICA_RECORDS).toBe(5);
    expect(slots).toEqual([
      'replica1.cache.internal',
      'replica2.cache.internal',
      'replica3.cache.internal',
      'replica4.cache.internal',
      'replica5.cache.internal',
    ]);
  });

  test('names are normalized, and a zone with dots in it is kept whole', () => {
    // GIVEN
    const names = ['Replica2.Sessions.Cache.Internal.', ' ', ''];

    // WHEN
    const slots = replicaSlotNames(names);

    // THEN the given name first (normalized), then replica1..5 of its zone, replica2 once
    expect(slots).toEqual([
      'replica2.sessions.cache.internal',
      'replica1.sessions.cache.internal',
      'replica3.sessions.cache.internal',
      'replica4.sessions.cache.internal',
      'replica5.sessions.cache.internal',
    ]);
  });

  test('a name without a leading replicaN label is kept but adds no slots', () => {
    // GIVEN one name the construct would never write, one it would in another zone
    const names = ['reader.cache.internal', 'replica-old.cache.internal', 'replica1.other.internal'];

    // WHEN
    const slots = replicaSlotNames(names);

    // THEN only other.internal gets slots: guessing a zone from a foreign name could delete someone else's records
    expect(slots).toEqual([
      'reader.cache.internal',
      'replica-old.cache.internal',
      'replica1.other.internal',
      'replica2.other.internal',
      'replica3.other.internal',
      'replica4.other.internal',
      'replica5.other.internal',
    ]);
  });

  test('no names give no slots', () => {
    expect(replicaSlotNames([])).toEqual([]);
  });
});

describe('the lease', () => {
  test('lives beside the names in their zone, under a name the IAM condition replica*.<zone> covers, and no slot takes', () => {
    const lease = replicaNamesLeaseName(['Replica1.Cache.Internal.', 'replica2.cache.internal']);

    expect(lease).toBe('replica-names-lease.cache.internal');
    expect(lease!.startsWith('replica')).toBe(true);
    expect(replicaSlotNames(['replica1.cache.internal'])).not.toContain(lease);
  });

  test('names no zone when no name is a replicaN name', () => {
    expect(replicaNamesLeaseName(['reader.cache.internal'])).toBeUndefined();
    expect(replicaNamesZone(['reader.cache.internal'])).toBeUndefined();
  });

  test('the zone is the whole rest of the name, so a zone inside another is another zone', () => {
    expect(replicaNamesZone(['Replica1.Orders.Cache.Internal.'])).toBe('orders.cache.internal');
    expect(replicaNamesZone(['replica1.cache.internal'])).not.toBe(replicaNamesZone(['replica1.orders.cache.internal']));
  });

  test('its value names a version of the names and the group, under .invalid, which never resolves (RFC 2606)', () => {
    expect(replicaNamesLeaseTarget('sessions', '0a1b2c3d4e5f')).toBe('0a1b2c3d4e5f.sessions.owner.invalid');
  });

  test('with an owner: the resource, the stack, the logical id and the stack name, as DNS labels of at most 63 characters', () => {
    // GIVEN a StackId as CloudFormation sends it: arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>
    const stackId = 'arn:aws:cloudformation:us-east-1:111122223333:stack/My-Stack/5b3a1e40-0000-11ef-0000-0a0000000000';
    const owner = namesOwner(stackId, `Cache${'X'.repeat(80)}`);

    // WHEN
    const target = replicaNamesLeaseTarget('sessions', '0a1b2c3d4e5f', owner);

    // THEN it reads back as written, and fits a CNAME value
    expect(owner).toEqual({ resource: expect.stringMatching(/^[0-9a-f]{12}$/), stack: stackKey(stackId), logicalId: `cache${'x'.repeat(58)}`, stackName: 'my-stack' });
    expect(target).toBe(`0a1b2c3d4e5f.${owner.resource}.${owner.stack}.${owner.logicalId}.my-stack.sessions.owner.invalid`);
    expect(parseLeaseTarget(`${target.toUpperCase()}.`)).toEqual({ version: '0a1b2c3d4e5f', replicationGroupId: 'sessions', owner });
    expect(target.split('.').every((label) => label.length <= 63)).toBe(true);
  });

  test('another logical id in the same stack is another resource of the same stack', () => {
    const stackId = 'arn:aws:cloudformation:us-east-1:111122223333:stack/S/1';
    expect(namesOwner(stackId, 'A').stack).toBe(namesOwner(stackId, 'B').stack);
    expect(namesOwner(stackId, 'A').resource).not.toBe(namesOwner(stackId, 'B').resource);
    expect(namesOwner('arn:aws:cloudformation:eu-west-1:111122223333:stack/S/1', 'A').stack).not.toBe(namesOwner(stackId, 'A').stack);
  });

  test.each([
    ['sessions.owner.invalid'],
    ['a.b.c.owner.invalid'],
    ['0a1b2c3d4e5f.sessions.owner.example'],
  ])('%s is not a lease value', (target) => {
    expect(parseLeaseTarget(target)).toBeUndefined();
  });

  test('an empty stack name or logical id still gives a label', () => {
    expect(namesOwner('', '')).toMatchObject({ logicalId: 'unknown', stackName: 'unknown' });
  });
});

describe('replicaNameIndex', () => {
  test.each([
    ['replica3.cache.internal', 3],
    ['Replica12.Cache.Internal.', 12],
    ['replica-names-lease.cache.internal', undefined],
    ['reader.cache.internal', undefined],
  ])('%s -> %s', (name, index) => {
    expect(replicaNameIndex(name)).toBe(index);
  });
});

describe('hostedZoneIdOfPhysicalId', () => {
  test.each([
    [replicaRecordsPhysicalId('Z0123'), 'Z0123'],
    ['replica-records:/hostedzone/Z0123', 'Z0123'],
    ['something-else', undefined],
    [undefined, undefined],
  ])('%s -> %s', (physicalId, zoneId) => {
    expect(hostedZoneIdOfPhysicalId(physicalId)).toBe(zoneId);
  });
});
