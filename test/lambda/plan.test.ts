import {
  applyBatch,
  compareIds,
  conditionalBatch,
  CurrentRecord,
  GroupMember,
  memberHealth,
  NoReplicaFallback,
  planDeletion,
  planReconcile,
  planRestore,
  planRetiring,
  RecordChange,
} from '../../lambda/updater/plan';

const ZONE = 'cache.internal';
const TTL = 60;

/** The normalized fully qualified name `replica<index>.cache.internal`. */
function nameOf(index: number): string {
  return `replica${index}.${ZONE}`;
}

/** recordNames for `count` names, replica1..replica<count>. */
function recordNames(count: number): string[] {
  return Array.from({ length: count }, (_, offset) => nameOf(offset + 1));
}

/** The (normalized) read endpoint of node `rg-<id>`. */
function addressOf(id: string): string {
  return `rg-${id}.abc123.0001.use1.cache.amazonaws.com`;
}

/** A node's CacheClusterStatus: `false` stands for a node that is down (rebooting). */
function statusOf(status: boolean | string): string {
  return status === true ? 'available' : status === false ? 'rebooting cache cluster nodes' : status;
}

function primary(id: string, status: boolean | string = true): GroupMember {
  return { cacheClusterId: `rg-${id}`, role: 'primary', address: addressOf(id), status: statusOf(status) };
}

function replica(id: string, status: boolean | string = true): GroupMember {
  return { cacheClusterId: `rg-${id}`, role: 'replica', address: addressOf(id), status: statusOf(status) };
}

/** A node ElastiCache is still creating: no role, no endpoint yet. */
function creating(id: string): GroupMember {
  return { cacheClusterId: `rg-${id}`, status: 'creating' };
}

/** A record as Route 53 lists it: trailing dot on name and value. */
function listed(index: number, id: string, ttl = TTL): CurrentRecord {
  return { name: `${nameOf(index)}.`, target: `${addressOf(id)}.`, ttl };
}

function upsert(index: number, id: string, ttl = TTL): RecordChange {
  return { action: 'UPSERT', name: nameOf(index), target: addressOf(id), ttl };
}

function create(index: number, id: string, ttl = TTL): RecordChange {
  return { action: 'CREATE', name: nameOf(index), target: addressOf(id), ttl };
}

/** A DELETE of a record exactly as `listed` gives it: value with its trailing dot, and its TTL. */
function deleteListed(index: number, id: string, ttl = TTL): RecordChange {
  return { action: 'DELETE', name: nameOf(index), target: `${addressOf(id)}.`, ttl };
}

/** Expected `records`: the target node id of replica1, replica2, ... (undefined = name does not exist). */
function targets(...ids: (string | undefined)[]): Record<string, string> {
  const records: Record<string, string> = {};
  ids.forEach((id, offset) => {
    if (id !== undefined) records[nameOf(offset + 1)] = addressOf(id);
  });
  return records;
}

interface ReconcileCase {
  readonly title: string;
  readonly members: GroupMember[];
  readonly current: CurrentRecord[];
  readonly nameCount: number;
  readonly fallback?: NoReplicaFallback;
  readonly expectedRecords: Record<string, string>;
  readonly expectedChanges: RecordChange[];
  readonly expectedServingReplicas: number;
}

const reconcileCases: ReconcileCase[] = [
  {
    title: 'first seeding: no records yet, names are spread evenly, ties go to the lowest id',
    members: [primary('001'), replica('002'), replica('003')],
    current: [],
    nameCount: 3,
    expectedRecords: targets('002', '003', '002'),
    expectedChanges: [upsert(1, '002'), upsert(2, '003'), upsert(3, '002')],
    expectedServingReplicas: 2,
  },
  {
    title: 'first seeding with fewer names than replicas: one name per replica, lowest ids first',
    members: [primary('001'), replica('004'), replica('003'), replica('002')],
    current: [],
    nameCount: 2,
    expectedRecords: targets('002', '003'),
    expectedChanges: [upsert(1, '002'), upsert(2, '003')],
    expectedServingReplicas: 3,
  },
  {
    title: 'first seeding with more names than replicas: names double up evenly',
    members: [primary('001'), replica('002'), replica('003')],
    current: [],
    nameCount: 5,
    expectedRecords: targets('002', '003', '002', '003', '002'),
    expectedChanges: [upsert(1, '002'), upsert(2, '003'), upsert(3, '002'), upsert(4, '003'), upsert(5, '002')],
    expectedServingReplicas: 2,
  },
  {
    title: 'failover: 001 dies and 002 is promoted; the name on 002 moves to the remaining replica, the other stays',
    members: [replica('001', false), primary('002'), replica('003')],
    current: [listed(1, '002'), listed(2, '003')],
    nameCount: 2,
    expectedRecords: targets('003', '003'),
    expectedChanges: [upsert(1, '003')],
    expectedServingReplicas: 1,
  },
  {
    title: 'failover with two replicas left: the name on the new primary is balanced, the others stay',
    members: [replica('001', false), primary('002'), replica('003'), replica('004')],
    current: [listed(1, '002'), listed(2, '003'), listed(3, '004')],
    nameCount: 3,
    expectedRecords: targets('003', '003', '004'),
    expectedChanges: [upsert(1, '003')],
    expectedServingReplicas: 2,
  },
  {
    title: 'old primary returns as a replica: load spreads out again, the earliest name stays, one name moves',
    members: [replica('001'), primary('002'), replica('003')],
    current: [listed(1, '003'), listed(2, '003')],
    nameCount: 2,
    expectedRecords: targets('003', '001'),
    expectedChanges: [upsert(2, '001')],
    expectedServingReplicas: 2,
  },
  {
    title: 'old primary returns as a replica among three: only the one name an over-quota replica frees moves',
    members: [replica('001'), primary('002'), replica('003'), replica('004')],
    current: [listed(1, '003'), listed(2, '004'), listed(3, '003'), listed(4, '004')],
    nameCount: 4,
    expectedRecords: targets('003', '004', '003', '001'),
    expectedChanges: [upsert(4, '001')],
    expectedServingReplicas: 3,
  },
  {
    title: 'replica added: the replica holding every name keeps the earliest ones, the last moves',
    members: [primary('001'), replica('002'), replica('003')],
    current: [listed(1, '002'), listed(2, '002'), listed(3, '002')],
    nameCount: 3,
    expectedRecords: targets('002', '002', '003'),
    expectedChanges: [upsert(3, '003')],
    expectedServingReplicas: 2,
  },
  {
    title: 'replica added but still creating (no role, no address, not available): nothing changes',
    members: [primary('001'), replica('002'), creating('003')],
    current: [listed(1, '002'), listed(2, '002')],
    nameCount: 2,
    expectedRecords: targets('002', '002'),
    expectedChanges: [],
    expectedServingReplicas: 1,
  },
  {
    title: 'two names on one replica while another holds none: the later name moves to the idle replica',
    members: [primary('001'), replica('002'), replica('003')],
    current: [listed(1, '002'), listed(2, '002'), listed(3, '002'), listed(4, '002')],
    nameCount: 4,
    expectedRecords: targets('002', '002', '003', '003'),
    expectedChanges: [upsert(3, '003'), upsert(4, '003')],
    expectedServingReplicas: 2,
  },
  {
    title: 'replica removed: its name goes to the least loaded remaining replica',
    members: [primary('001'), replica('002'), replica('004')],
    current: [listed(1, '002'), listed(2, '003'), listed(3, '004')],
    nameCount: 3,
    expectedRecords: targets('002', '002', '004'),
    expectedChanges: [upsert(2, '002')],
    expectedServingReplicas: 2,
  },
  {
    title: 'node replaced (same id and address, not available while creating): not a target while another replica is available',
    members: [primary('001'), replica('002', false), replica('003')],
    current: [listed(1, '002'), listed(2, '003')],
    nameCount: 2,
    expectedRecords: targets('003', '003'),
    expectedChanges: [upsert(1, '003')],
    expectedServingReplicas: 1,
  },
  {
    title: 'replaced node available again: it takes one name back, the earliest name stays put',
    members: [primary('001'), replica('002'), replica('003')],
    current: [listed(1, '003'), listed(2, '003')],
    nameCount: 2,
    expectedRecords: targets('003', '002'),
    expectedChanges: [upsert(2, '002')],
    expectedServingReplicas: 2,
  },
  {
    title: 'a name pointing at the primary while a replica serves is moved off the primary',
    members: [primary('001'), replica('002'), replica('003')],
    current: [listed(1, '001'), listed(2, '003')],
    nameCount: 2,
    expectedRecords: targets('002', '003'),
    expectedChanges: [upsert(1, '002')],
    expectedServingReplicas: 2,
  },
  {
    title: 'zero replicas, fallback primary: every name points at the primary',
    members: [primary('001'), replica('002', false)],
    current: [listed(1, '002'), listed(2, '002')],
    nameCount: 2,
    fallback: 'primary',
    expectedRecords: targets('001', '001'),
    expectedChanges: [upsert(1, '001'), upsert(2, '001')],
    expectedServingReplicas: 0,
  },
  {
    title: 'zero replicas, fallback primary, no records: names are created on the primary even while it is not available',
    members: [primary('001', false)],
    current: [],
    nameCount: 2,
    fallback: 'primary',
    expectedRecords: targets('001', '001'),
    expectedChanges: [upsert(1, '001'), upsert(2, '001')],
    expectedServingReplicas: 0,
  },
  {
    title: 'zero replicas, fallback keep: existing names stay, a missing name is created on the primary',
    members: [primary('001'), replica('002', false)],
    current: [listed(1, '002')],
    nameCount: 2,
    fallback: 'keep',
    expectedRecords: targets('002', '001'),
    expectedChanges: [upsert(2, '001')],
    expectedServingReplicas: 0,
  },
  {
    title: 'zero replicas, fallback keep, no primary address: existing names stay, missing ones stay missing',
    members: [creating('001'), creating('002')],
    current: [listed(1, '009')],
    nameCount: 2,
    fallback: 'keep',
    expectedRecords: targets('009', undefined),
    expectedChanges: [],
    expectedServingReplicas: 0,
  },
  {
    title: 'zero replicas, fallback primary but no primary address: behaves like keep',
    members: [creating('001'), replica('002', false)],
    current: [listed(2, '002')],
    nameCount: 2,
    fallback: 'primary',
    expectedRecords: targets(undefined, '002'),
    expectedChanges: [],
    expectedServingReplicas: 0,
  },
  {
    title: 'no members at all and no records: nothing to point at, nothing created',
    members: [],
    current: [],
    nameCount: 2,
    expectedRecords: {},
    expectedChanges: [],
    expectedServingReplicas: 0,
  },
  {
    title: 'TTL drift: the drifted name is upserted with the same target and the configured TTL',
    members: [primary('001'), replica('002'), replica('003')],
    current: [listed(1, '002', 300), listed(2, '003')],
    nameCount: 2,
    expectedRecords: targets('002', '003'),
    expectedChanges: [upsert(1, '002')],
    expectedServingReplicas: 2,
  },
  {
    title: 'TTL drift with zero replicas and fallback keep: target kept, TTL corrected',
    members: [primary('001'), replica('002', false)],
    current: [listed(1, '002', 300)],
    nameCount: 1,
    fallback: 'keep',
    expectedRecords: targets('002'),
    expectedChanges: [upsert(1, '002')],
    expectedServingReplicas: 0,
  },
  {
    title: 'already correct state: empty batch',
    members: [primary('001'), replica('002'), replica('003')],
    current: [listed(1, '002'), listed(2, '003'), listed(3, '002')],
    nameCount: 3,
    expectedRecords: targets('002', '003', '002'),
    expectedChanges: [],
    expectedServingReplicas: 2,
  },
  {
    title: 'already balanced differently than a fresh seeding would be: names stay put, empty batch',
    members: [primary('001'), replica('002'), replica('003')],
    current: [listed(1, '003'), listed(2, '002'), listed(3, '003')],
    nameCount: 3,
    expectedRecords: targets('003', '002', '003'),
    expectedChanges: [],
    expectedServingReplicas: 2,
  },
  {
    title: 'trailing dots and uppercase in listed records compare equal to the normalized values',
    members: [primary('001'), replica('002'), replica('003')],
    current: [
      { name: 'REPLICA1.Cache.Internal.', target: `${addressOf('002').toUpperCase()}.`, ttl: TTL },
      { name: 'replica2.cache.internal', target: addressOf('003').toUpperCase(), ttl: TTL },
    ],
    nameCount: 2,
    expectedRecords: targets('002', '003'),
    expectedChanges: [],
    expectedServingReplicas: 2,
  },
  {
    title: 'unrelated records (other names in the zone, names beyond N) are ignored',
    members: [primary('001'), replica('002'), replica('003')],
    current: [
      { name: `primary.${ZONE}.`, target: `${addressOf('001')}.`, ttl: 300 },
      listed(3, '009', 300),
      listed(1, '002'),
      { name: 'replica1.other.example.com.', target: 'elsewhere.example.com.', ttl: 5 },
      listed(2, '003'),
    ],
    nameCount: 2,
    expectedRecords: targets('002', '003'),
    expectedChanges: [],
    expectedServingReplicas: 2,
  },
  // Statuses (aws-facts §0a.1): a backup has "no impact on the cache" (ElastiCache backups page), and daily backups
  // are on by default; `modifying` covers online changes. Both keep serving reads.
  {
    title: 'the only replica takes its daily backup: its names stay (none falls back to the primary)',
    members: [primary('001'), replica('002', 'snapshotting')],
    current: [listed(1, '002')],
    nameCount: 1,
    expectedRecords: targets('002'),
    expectedChanges: [],
    expectedServingReplicas: 1,
  },
  {
    title: 'one of two replicas takes a backup or is modified: no name moves',
    members: [primary('001'), replica('002', 'snapshotting'), replica('003', 'modifying')],
    current: [listed(1, '002'), listed(2, '003')],
    nameCount: 2,
    expectedRecords: targets('002', '003'),
    expectedChanges: [],
    expectedServingReplicas: 2,
  },
  {
    title: 'failover during a backup: the name on the new primary goes to the available replica, not the one backing up',
    members: [replica('001'), primary('002'), replica('003', 'snapshotting')],
    current: [listed(1, '002'), listed(2, '003'), listed(3, '003')],
    nameCount: 3,
    expectedRecords: targets('001', '003', '003'),
    expectedChanges: [upsert(1, '001')],
    expectedServingReplicas: 2,
  },
  {
    title: 'names that must move, with an even spread possible either way: the available replica gets them first',
    members: [primary('001'), replica('002', 'snapshotting'), replica('003')],
    current: [listed(1, '001')],
    nameCount: 1,
    expectedRecords: targets('003'),
    expectedChanges: [upsert(1, '003')],
    expectedServingReplicas: 2,
  },
  {
    title: 'a replica added while another takes a backup: the name that moves to the new replica comes from the available one',
    members: [primary('001'), replica('002', 'snapshotting'), replica('003'), replica('004')],
    current: [listed(1, '002'), listed(2, '002'), listed(3, '003'), listed(4, '003')],
    nameCount: 4,
    expectedRecords: targets('002', '002', '003', '004'),
    expectedChanges: [upsert(4, '004')],
    expectedServingReplicas: 3,
  },
  {
    title: 'no replica is available but one takes a backup: names go to it, not to the primary',
    members: [replica('001', 'rebooting cache cluster nodes'), primary('002'), replica('003', 'snapshotting')],
    current: [listed(1, '002'), listed(2, '001')],
    nameCount: 2,
    expectedRecords: targets('003', '003'),
    expectedChanges: [upsert(1, '003'), upsert(2, '003')],
    expectedServingReplicas: 1,
  },
  {
    title: 'a status this release does not know counts as down: its names move',
    members: [primary('001'), replica('002', 'some-future-status'), replica('003')],
    current: [listed(1, '002'), listed(2, '003')],
    nameCount: 2,
    expectedRecords: targets('003', '003'),
    expectedChanges: [upsert(1, '003')],
    expectedServingReplicas: 1,
  },
  {
    title: 'the only replica is being deleted: the names fall back to the primary',
    members: [primary('001'), replica('002', 'deleting')],
    current: [listed(1, '002')],
    nameCount: 1,
    expectedRecords: targets('001'),
    expectedChanges: [upsert(1, '001')],
    expectedServingReplicas: 0,
  },
];

describe('planReconcile', () => {
  test.each(reconcileCases)('$title', ({ members, current, nameCount, fallback, expectedRecords, expectedChanges, expectedServingReplicas }) => {
    // GIVEN the replication group and the zone's records
    const settings = { recordNames: recordNames(nameCount), ttlSeconds: TTL, noReplicaFallback: fallback ?? 'primary' };

    // WHEN planning
    const plan = planReconcile(members, current, settings);

    // THEN the exact records and the minimal batch
    expect(plan.records).toEqual(expectedRecords);
    expect(plan.changes).toEqual(expectedChanges);
    expect(plan.servingReplicas).toBe(expectedServingReplicas);
  });

  test('settings names with uppercase or a trailing dot are normalized', () => {
    // GIVEN names configured un-normalized
    const settings = { recordNames: ['Replica1.Cache.Internal.', 'replica2.cache.internal.'], ttlSeconds: TTL, noReplicaFallback: 'keep' as const };

    // WHEN planning from scratch
    const plan = planReconcile([primary('001'), replica('002')], [], settings);

    // THEN changes and records use the normalized names
    expect(plan.records).toEqual(targets('002', '002'));
    expect(plan.changes).toEqual([upsert(1, '002'), upsert(2, '002')]);
  });

  test('the plan does not depend on the order of members or records', () => {
    // GIVEN the same state listed in two orders
    const members = [primary('001'), replica('002'), replica('003'), replica('004')];
    const current = [listed(1, '002'), listed(2, '002'), listed(3, '003'), listed(4, '003'), listed(5, '001')];
    const settings = { recordNames: recordNames(5), ttlSeconds: TTL, noReplicaFallback: 'primary' as const };

    // WHEN planning both
    const plan = planReconcile(members, current, settings);
    const reversedPlan = planReconcile([...members].reverse(), [...current].reverse(), settings);

    // THEN the plans are identical: 5 names over 3 replicas, only replica5 moves (off the primary, to the idle replica)
    expect(reversedPlan).toEqual(plan);
    expect(plan.records).toEqual(targets('002', '002', '003', '003', '004'));
    expect(plan.changes).toEqual([upsert(5, '004')]);
  });
});

describe('planDeletion', () => {
  const current: CurrentRecord[] = [
    { name: 'Replica2.Cache.Internal.', target: `${addressOf('003').toUpperCase()}.`, ttl: 300 },
    listed(3, '004', 42),
    { name: `primary.${ZONE}.`, target: `${addressOf('001')}.`, ttl: 60 },
  ];

  test.each([
    {
      // Route 53 DELETE must repeat the live value exactly, so the target is sent as listed.
      title: 'uses the live target (exactly as listed) and TTL of each existing name, in the order the names are given',
      names: [nameOf(3), nameOf(2)],
      expectedChanges: [
        { action: 'DELETE', name: nameOf(3), target: `${addressOf('004')}.`, ttl: 42 },
        { action: 'DELETE', name: nameOf(2), target: `${addressOf('003').toUpperCase()}.`, ttl: 300 },
      ],
    },
    {
      title: 'skips names that do not exist',
      names: [nameOf(1), nameOf(3), nameOf(7)],
      expectedChanges: [{ action: 'DELETE', name: nameOf(3), target: `${addressOf('004')}.`, ttl: 42 }],
    },
    {
      title: 'returns an empty batch when no given name exists',
      names: [nameOf(1), nameOf(4)],
      expectedChanges: [],
    },
    {
      title: 'matches names given with uppercase or a trailing dot, and deletes a name given twice once',
      names: ['REPLICA3.cache.internal.', nameOf(3)],
      expectedChanges: [{ action: 'DELETE', name: nameOf(3), target: `${addressOf('004')}.`, ttl: 42 }],
    },
    {
      title: 'returns an empty batch for no names; unrelated records are never deleted',
      names: [],
      expectedChanges: [],
    },
  ])('$title', ({ names, expectedChanges }) => {
    // WHEN planning the deletion of the given names
    const changes = planDeletion(names, current);

    // THEN exactly the live records of the existing names are deleted
    expect(changes).toEqual(expectedChanges);
  });
});

describe('planRetiring: a name a scale-in dropped shares the replica of the name it follows', () => {
  const planned = { [nameOf(1)]: addressOf('002'), [nameOf(2)]: addressOf('003'), [nameOf(3)]: addressOf('004') };

  test.each([
    {
      title: 'replica<M> follows recordNames[(M - 1) mod N]: replica4 and replica5 follow replica1 and replica2 of three',
      retiring: [nameOf(4), nameOf(5)],
      current: [listed(4, '009', TTL), listed(5, '009', TTL)],
      expected: [
        { action: 'UPSERT', name: nameOf(4), target: addressOf('002'), ttl: TTL },
        { action: 'UPSERT', name: nameOf(5), target: addressOf('003'), ttl: TTL },
      ],
    },
    {
      title: 'a retiring name already on its leader\'s replica with the TTL is left alone; another TTL is rewritten',
      retiring: [nameOf(4), 'Replica5.Cache.Internal.'],
      current: [listed(4, '002', TTL), listed(5, '003', TTL + 1)],
      expected: [{ action: 'UPSERT', name: nameOf(5), target: addressOf('003'), ttl: TTL }],
    },
    {
      title: 'a missing retiring name is written (only names that exist are passed in, but a race may remove one)',
      retiring: [nameOf(4)],
      current: [],
      expected: [{ action: 'UPSERT', name: nameOf(4), target: addressOf('002'), ttl: TTL }],
    },
    {
      title: 'a name given twice is planned once; a name that is not replica<N> has no leader and stays',
      retiring: [nameOf(4), nameOf(4), `reader.${ZONE}`],
      current: [listed(4, '009', TTL)],
      expected: [{ action: 'UPSERT', name: nameOf(4), target: addressOf('002'), ttl: TTL }],
    },
  ])('$title', ({ retiring, current, expected }) => {
    expect(planRetiring(retiring, recordNames(3), planned, current, TTL)).toEqual(expected);
  });

  test('a retiring name whose leader has no planned target stays as it is', () => {
    expect(planRetiring([nameOf(4)], recordNames(3), { [nameOf(2)]: addressOf('003') }, [listed(4, '009', TTL)], TTL)).toEqual([]);
  });

  test('with no current names, nothing follows anything', () => {
    expect(planRetiring([nameOf(4)], [], planned, [listed(4, '009', TTL)], TTL)).toEqual([]);
  });

  test('leaders are matched loosely: recordNames in uppercase with a trailing dot', () => {
    expect(planRetiring([nameOf(2)], ['REPLICA1.CACHE.INTERNAL.'], planned, [], TTL))
      .toEqual([{ action: 'UPSERT', name: nameOf(2), target: addressOf('002'), ttl: TTL }]);
  });
});

describe('planRestore: the batch that puts names back as a failed Create found them', () => {
  test('a name written over is deleted with its live value and re-created as it was; one created is deleted; one removed is re-created', () => {
    // GIVEN what the first read found, and the zone after the Create's write
    const before: Record<string, CurrentRecord | undefined> = {
      [nameOf(1)]: listed(1, '002', 45),
      [nameOf(2)]: undefined,
      [nameOf(3)]: listed(3, '004', TTL),
      [nameOf(4)]: listed(4, '003', TTL),
    };
    const current = [listed(1, '003', TTL), listed(2, '002', TTL), listed(4, '003', TTL)];

    // WHEN / THEN replica4 is as it was and stays out of the batch
    expect(planRestore(before, current)).toEqual([
      { action: 'DELETE', name: nameOf(1), target: `${addressOf('003')}.`, ttl: TTL },
      { action: 'CREATE', name: nameOf(1), target: `${addressOf('002')}.`, ttl: 45 },
      { action: 'DELETE', name: nameOf(2), target: `${addressOf('002')}.`, ttl: TTL },
      { action: 'CREATE', name: nameOf(3), target: `${addressOf('004')}.`, ttl: TTL },
    ]);
  });

  test('a name with the same value but another TTL is put back too', () => {
    expect(planRestore({ [nameOf(1)]: listed(1, '002', 45) }, [listed(1, '002', TTL)])).toEqual([
      { action: 'DELETE', name: nameOf(1), target: `${addressOf('002')}.`, ttl: TTL },
      { action: 'CREATE', name: nameOf(1), target: `${addressOf('002')}.`, ttl: 45 },
    ]);
  });

  test('names are matched loosely; a name that did not exist and still does not exist needs nothing', () => {
    expect(planRestore({ 'Replica1.Cache.Internal.': listed(1, '002', TTL), [nameOf(2)]: undefined }, [listed(1, '002', TTL)])).toEqual([]);
  });
});

describe('conditionalBatch', () => {
  test.each<{ title: string; changes: RecordChange[]; current: CurrentRecord[]; expected: RecordChange[] }>([
    {
      title: 'an existing name: DELETE of the live record exactly as listed, then CREATE of the new target',
      changes: [upsert(1, '003')],
      current: [listed(1, '002')],
      expected: [deleteListed(1, '002'), create(1, '003')],
    },
    {
      title: 'a missing name: CREATE only',
      changes: [upsert(1, '002')],
      current: [],
      expected: [create(1, '002')],
    },
    {
      title: 'TTL drift: DELETE with the old TTL, CREATE with the new one and the same target',
      changes: [upsert(1, '002')],
      current: [listed(1, '002', 300)],
      expected: [deleteListed(1, '002', 300), create(1, '002')],
    },
    {
      title: 'DELETEs (scale-in) pass through untouched',
      changes: [deleteListed(3, '004', 42)],
      current: [listed(3, '004', 42)],
      expected: [deleteListed(3, '004', 42)],
    },
    {
      title: 'a name listed in uppercase with a trailing dot: the DELETE repeats its value as listed, the names normalized',
      changes: [upsert(2, '003')],
      current: [{ name: 'REPLICA2.Cache.Internal.', target: `${addressOf('002').toUpperCase()}.`, ttl: 45 }],
      expected: [{ action: 'DELETE', name: nameOf(2), target: `${addressOf('002').toUpperCase()}.`, ttl: 45 }, create(2, '003')],
    },
    {
      title: 'a mixed batch keeps its order, each replace as an adjacent DELETE then CREATE',
      changes: [upsert(1, '003'), upsert(2, '002'), upsert(4, '003', 30), deleteListed(5, '001', 60)],
      current: [listed(5, '001', 60), listed(4, '002'), listed(1, '002'), listed(3, '003')],
      expected: [
        deleteListed(1, '002'), create(1, '003'),
        create(2, '002'),
        deleteListed(4, '002'), create(4, '003', 30),
        deleteListed(5, '001', 60),
      ],
    },
    {
      title: 'an empty plan gives an empty batch',
      changes: [],
      current: [listed(1, '002')],
      expected: [],
    },
  ])('$title', ({ changes, current, expected }) => {
    // WHEN turning the planned changes into a batch conditional on the records they were planned from
    const batch = conditionalBatch(changes, current);

    // THEN exactly the expected changes: no UPSERT ever leaves the updater
    expect(batch).toEqual(expected);
  });

  test('a reconcile plan with a scale-in becomes a batch Route 53 accepts only on the state it was planned from', () => {
    // GIVEN a failover (002 promoted) while scaling in from 3 names to 2
    const current = [listed(1, '002'), listed(2, '003'), listed(3, '003', 300)];
    const settings = { recordNames: recordNames(2), ttlSeconds: TTL, noReplicaFallback: 'primary' as const };
    const plan = planReconcile([replica('001'), primary('002'), replica('003')], current, settings);

    // WHEN
    const batch = conditionalBatch([...plan.changes, ...planDeletion([nameOf(3)], current)], current);

    // THEN replica1 is replaced off the new primary and replica3 deleted, each DELETE naming the live record
    expect(batch).toEqual([deleteListed(1, '002'), create(1, '001'), deleteListed(3, '003', 300)]);
  });
});

describe('details the planner depends on (found by mutation testing)', () => {
  const settings = (count: number) => ({ recordNames: recordNames(count), ttlSeconds: TTL, noReplicaFallback: 'primary' as const });

  test('memberHealth: available, serving (a backup or an online change), down (anything else, or no status)', () => {
    expect(['available', 'snapshotting', 'modifying', 'creating', 'rebooting cache cluster nodes', 'something-new', undefined].map(memberHealth))
      .toEqual(['available', 'serving', 'serving', 'down', 'down', 'down', 'down']);
  });

  test('compareIds orders ids as plain strings, and equal ids compare equal', () => {
    expect([compareIds('rg-002', 'rg-010'), compareIds('rg-010', 'rg-002'), compareIds('rg-002', 'rg-002')]).toEqual([-1, 1, 0]);
  });

  test('applyBatch: a DELETE removes the name, a CREATE or UPSERT sets it, in order', () => {
    const current = [listed(1, '002'), listed(2, '003')];
    expect(applyBatch(current, [
      { action: 'DELETE', name: nameOf(2), target: `${addressOf('003')}.`, ttl: TTL },
      { action: 'CREATE', name: nameOf(3), target: addressOf('004'), ttl: TTL },
      { action: 'UPSERT', name: nameOf(1), target: addressOf('005'), ttl: 5 },
    ])).toEqual([{ name: nameOf(1), target: addressOf('005'), ttl: 5 }, { name: nameOf(3), target: addressOf('004'), ttl: TTL }]);
  });

  test('a name listed twice counts as its first listing', () => {
    // GIVEN replica1 listed on 002 first, then on the primary (an emulator may list a duplicate)
    const current = [listed(1, '002'), listed(1, '001')];

    // WHEN / THEN replica1 stays on 002: nothing to change
    expect(planReconcile([primary('001'), replica('002')], current, settings(1)).changes).toEqual([]);
  });

  test('two members claiming one address count as one replica', () => {
    const twin = { ...replica('003'), address: addressOf('002') };
    expect(planReconcile([primary('001'), replica('002'), twin], [], settings(2)).servingReplicas).toBe(1);
  });

  test('a freed name goes to an available replica even when one that only serves (backup) sorts first', () => {
    // GIVEN 4 names on 2 replicas (2 each): 002 takes a backup and holds none, 003 available holds replica1
    const members = [primary('001'), replica('002', 'snapshotting'), replica('003')];
    const current = [listed(1, '003'), listed(2, '001'), listed(3, '001'), listed(4, '001')];

    // WHEN
    const plan = planReconcile(members, current, settings(4));

    // THEN the first freed name fills 003 before 002 gets any
    expect(plan.records).toEqual({ [nameOf(1)]: addressOf('003'), [nameOf(2)]: addressOf('003'), [nameOf(3)]: addressOf('002'), [nameOf(4)]: addressOf('002') });
  });

  test('a replica whose address is only a dot has no address', () => {
    const dot = { ...replica('002'), address: '.' };
    expect(planReconcile([primary('001'), dot], [], settings(1))).toEqual({ records: { [nameOf(1)]: addressOf('001') }, changes: [upsert(1, '001')], servingReplicas: 0 });
  });

  test('a freed name goes to an available replica before a less loaded one that only serves (backup)', () => {
    // GIVEN 4 names on 2 replicas (2 each): 002 available holds replica1, 003 takes a backup and holds none
    const members = [primary('001'), replica('002'), replica('003', 'snapshotting')];
    const current = [listed(1, '002'), listed(2, '001'), listed(3, '001'), listed(4, '001')];

    // WHEN
    const plan = planReconcile(members, current, settings(4));

    // THEN the first freed name fills 002, the rest go to 003
    expect(plan.records).toEqual({ [nameOf(1)]: addressOf('002'), [nameOf(2)]: addressOf('002'), [nameOf(3)]: addressOf('003'), [nameOf(4)]: addressOf('003') });
  });
});

