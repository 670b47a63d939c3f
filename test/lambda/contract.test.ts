import { MAX_REPLICA_RECORDS, replicaSlotNames } from '../../src/private/contract';

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
