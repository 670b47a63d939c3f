/**
 * reconcile() against an in-memory AWS layer: the details of its rounds that the handler tests see only from afar
 * (what counts as the group having changed, what the lease's version covers, what the memory of the zone holds).
 * Found by mutation testing (`npx projen mutation`).
 */
import { createHash } from 'crypto';
import { GroupState, UpdaterAws } from '../../lambda/updater/aws';
import { applyBatch, CurrentRecord, GroupMember, RecordChange } from '../../lambda/updater/plan';
import { deleteRecords, reconcile } from '../../lambda/updater/reconcile';
import { RecordCache } from '../../lambda/updater/record-cache';
import { UpdaterSettings } from '../../lambda/updater/settings';
import { namesOwner, normalizeRecordName, parseLeaseTarget, replicaNamesLeaseTarget } from '../../src/private/contract';

const ZONE_ID = 'Z0123456789ABCDEFGHIJ';
const LEASE = 'replica-names-lease.cache.internal';
const NAMES = ['replica1.cache.internal', 'replica2.cache.internal'];
const SETTINGS: UpdaterSettings = { replicationGroupId: 'rg', hostedZoneId: ZONE_ID, recordNames: NAMES, ttlSeconds: 30, noReplicaFallback: 'primary' };
const OWNER = namesOwner('arn:aws:cloudformation:us-east-1:111122223333:stack/S/1', 'ReplicaRecords');

const address = (id: string) => `rg-${id}.abc.0001.use1.cache.amazonaws.com`;
const member = (id: string, role: 'primary' | 'replica', status = 'available'): GroupMember => ({ cacheClusterId: `rg-${id}`, role, address: address(id), status });
const AS_CREATED: GroupMember[] = [member('001', 'primary'), member('002', 'replica'), member('003', 'replica')];

/** A zone and a group in memory, applying batches with Route 53's rules (exact DELETE, no CREATE over a record). */
class MemoryAws implements UpdaterAws {
  public records: CurrentRecord[];
  public readonly calls: string[] = [];
  /** What each readGroup answers, in turn; the last one repeats. */
  public groupReads: GroupMember[][];
  /** What the next calls of each kind do, in turn: throw the error, or answer (undefined). */
  public readonly failures: Record<'readGroup' | 'applyChanges', Array<Error | undefined>> = { readGroup: [], applyChanges: [] };
  /** The comment of every batch sent. */
  public readonly comments: string[] = [];

  constructor(groupReads: GroupMember[][], records: CurrentRecord[] = []) {
    this.groupReads = groupReads;
    this.records = records;
  }

  public async readGroup(): Promise<GroupState> {
    this.calls.push('readGroup');
    const failure = this.failures.readGroup.shift();
    if (failure) {
      throw failure;
    }
    const members = this.groupReads.length > 1 ? this.groupReads.shift()! : this.groupReads[0];
    return { status: 'available', members };
  }

  public async readRecords(_zone: string, names: readonly string[]): Promise<CurrentRecord[]> {
    this.calls.push('readRecords');
    return this.records.filter((record) => names.includes(normalizeRecordName(record.name)));
  }

  public async applyChanges(_zone: string, changes: readonly RecordChange[], comment: string): Promise<void> {
    this.calls.push(`applyChanges(${changes.length})`);
    this.comments.push(comment);
    const failure = this.failures.applyChanges.shift();
    if (failure) {
      throw failure;
    }
    let records = this.records;
    for (const change of changes) {
      const live = records.find((record) => normalizeRecordName(record.name) === change.name);
      if (change.action === 'DELETE' ? live?.target !== change.target || live?.ttl !== change.ttl : live !== undefined) {
        throw Object.assign(new Error(`${change.action} ${change.name} refused`), { name: 'InvalidChangeBatch' });
      }
      records = applyBatch(records, [change]);
    }
    this.records = records;
  }
}

/** The names and the lease as a Create of the owner leaves them on AS_CREATED. */
function seeded(): CurrentRecord[] {
  return [
    { name: NAMES[0], target: address('002'), ttl: 30 },
    { name: NAMES[1], target: address('003'), ttl: 30 },
    { name: LEASE, target: replicaNamesLeaseTarget('rg', '000000000000', OWNER), ttl: 30 },
  ];
}

describe('the read after a write: any change the plan depends on starts another round', () => {
  const promoted = (changed: Partial<GroupMember>) => [member('001', 'primary'), { ...member('002', 'replica'), ...changed }, member('003', 'replica')];

  test.each([
    ['a role', { role: 'primary' as const }],
    ['an address (new node hostnames: TLS turned on)', { address: 'rg-002.new.0001.use1.cache.amazonaws.com' }],
    ['a status', { status: 'modifying' }],
  ])('%s that changed between the plan\'s read and the read after the write', async (_, changed) => {
    // GIVEN an empty zone; the group read after the batch differs from the one the batch was planned from
    const aws = new MemoryAws([AS_CREATED, promoted(changed)]);

    // WHEN
    const result = await reconcile(aws, SETTINGS, { claimant: OWNER });

    // THEN a second round read the group and the zone again
    expect(result.attempts).toBe(2);
    expect(aws.calls.filter((call) => call === 'readRecords')).toHaveLength(2);
  });

  test('the same group, listed in another order: no second round', async () => {
    const aws = new MemoryAws([AS_CREATED, [...AS_CREATED].reverse()]);
    const result = await reconcile(aws, SETTINGS, { claimant: OWNER });
    expect(result.attempts).toBe(1);
    expect(aws.calls).toEqual(['readGroup', 'readRecords', 'applyChanges(3)', 'readGroup']);
  });
});

describe('the lease\'s version', () => {
  test('is the first 12 hex digits of a SHA-256 of the sorted "name target" lines of every name but the lease', async () => {
    // GIVEN an empty zone
    const aws = new MemoryAws([AS_CREATED]);

    // WHEN
    await reconcile(aws, SETTINGS, { claimant: OWNER });

    // THEN
    const lease = aws.records.find((record) => record.name === LEASE)!;
    const lines = [`${NAMES[0]} ${address('002')}`, `${NAMES[1]} ${address('003')}`].join('\n');
    expect(parseLeaseTarget(lease.target)).toEqual({
      version: createHash('sha256').update(lines).digest('hex').slice(0, 12),
      replicationGroupId: 'rg',
      owner: OWNER,
    });
  });

  test('a zone in sync is not written, not even the lease', async () => {
    const aws = new MemoryAws([AS_CREATED], seeded());
    const result = await reconcile(aws, SETTINGS, { claimant: OWNER });
    expect(result.changes).toBe(0);
    expect(aws.calls.some((call) => call.startsWith('applyChanges(') && call !== 'applyChanges(0)')).toBe(false);
  });

  test('a claim that changes no name still rewrites the lease when it names another owner', async () => {
    // GIVEN the names in sync under the lease of another resource of the stack (a replaced custom resource)
    const aws = new MemoryAws([AS_CREATED], seeded());
    const replacement = namesOwner('arn:aws:cloudformation:us-east-1:111122223333:stack/S/1', 'Renamed');

    // WHEN
    await reconcile(aws, SETTINGS, { claimant: replacement });

    // THEN only the lease was replaced, keeping the version of the same names
    expect(aws.calls).toContain('applyChanges(2)');
    const lease = parseLeaseTarget(aws.records.find((record) => record.name === LEASE)!.target);
    expect(lease?.owner).toEqual(replacement);
  });
});

describe('the memory of the zone', () => {
  test('holds the zone as the batch left it, lease and all, and a notified run starts from it without a listing', async () => {
    // GIVEN a Create on an empty zone, with a memory
    const aws = new MemoryAws([AS_CREATED]);
    const cache = new RecordCache();
    await reconcile(aws, SETTINGS, { claimant: OWNER, cache });
    expect(cache.get(ZONE_ID)).toEqual(aws.records);

    // WHEN 002 is promoted and a notified run starts from memory
    aws.calls.length = 0;
    aws.groupReads = [[member('001', 'replica'), member('002', 'primary'), member('003', 'replica')]];
    const result = await reconcile(aws, SETTINGS, { cache, startFromCache: true });

    // THEN it wrote straight away, and remembers the zone as it is now
    expect(result.changes).toBe(1);
    expect(aws.calls).toEqual(['readGroup', 'applyChanges(4)', 'readGroup']);
    expect(cache.get(ZONE_ID)).toEqual(aws.records);
  });

  test('a refused batch forgets the memory: the next round lists', async () => {
    // GIVEN a memory from before another writer's batch: replica2 elsewhere, and the lease's version of then
    const aws = new MemoryAws([[member('001', 'replica'), member('002', 'primary'), member('003', 'replica')]], seeded());
    const cache = new RecordCache();
    const staleLease = { name: LEASE, target: replicaNamesLeaseTarget('rg', 'aaaaaaaaaaaa', OWNER), ttl: 30 };
    cache.set(ZONE_ID, [seeded()[0], { name: NAMES[1], target: address('001'), ttl: 30 }, staleLease]);

    // WHEN
    const result = await reconcile(aws, SETTINGS, { cache, startFromCache: true });

    // THEN the first batch was refused, the zone listed, and the second landed
    expect(aws.calls.slice(0, 4)).toEqual(['readGroup', 'applyChanges(4)', 'readGroup', 'readRecords']);
    expect(result.attempts).toBe(2);
    expect(cache.get(ZONE_ID)).toEqual(aws.records);
  });

  test('the memory of one zone is not used for the names of another', async () => {
    const aws = new MemoryAws([AS_CREATED], seeded());
    const cache = new RecordCache();
    cache.set('ZOTHERZONE', []);
    await reconcile(aws, SETTINGS, { cache, startFromCache: true });
    expect(aws.calls[1]).toBe('readRecords');
  });
});

const error = (name: string, message = name) => Object.assign(new Error(message), { name });
const PROMOTED_002 = [member('001', 'replica'), member('002', 'primary'), member('003', 'replica')];
const TWO_PRIMARIES = [member('001', 'primary'), member('002', 'primary'), member('003', 'replica')];

describe('arguments and failures', () => {
  test('names that are not replica<N>.<zone> names are refused before any call', async () => {
    const aws = new MemoryAws([AS_CREATED]);
    await expect(reconcile(aws, { ...SETTINGS, recordNames: ['reader.cache.internal', 'writer.cache.internal'] }))
      .rejects.toThrow('The record names are not replica<N>.<zone> names: reader.cache.internal, writer.cache.internal');
    expect(aws.calls).toEqual([]);
  });

  test('a Create that fails after its write puts the zone back, and reports its own error as it was', async () => {
    // GIVEN the read after the batch fails (no memory: the undo must not need one)
    const aws = new MemoryAws([AS_CREATED]);
    aws.failures.readGroup.push(undefined, error('Throttling', 'Rate exceeded'));

    // WHEN / THEN
    await expect(reconcile(aws, SETTINGS, { claimant: OWNER, restoreOnFailure: true })).rejects.toThrow(/^Rate exceeded$/);
    expect(aws.records).toEqual([]);
    expect(aws.comments).toEqual(['Replica names of rg', 'Undo a failed Create of replica names']);
  });

  test('a Create that fails before anything landed does not read the zone again', async () => {
    const aws = new MemoryAws([AS_CREATED]);
    aws.failures.applyChanges.push(error('AccessDenied'));
    await expect(reconcile(aws, SETTINGS, { claimant: OWNER, restoreOnFailure: true })).rejects.toThrow('AccessDenied');
    expect(aws.calls).toEqual(['readGroup', 'readRecords', 'applyChanges(3)']);
  });

  test('a run that is not a Create keeps what it wrote when it fails afterwards: the next run continues from there', async () => {
    const aws = new MemoryAws([AS_CREATED], seeded());
    aws.groupReads = [PROMOTED_002];
    const reconciled = reconcile(aws, SETTINGS, {});
    await expect(reconciled).resolves.toMatchObject({ changes: 1 });
    aws.failures.readGroup.push(undefined, error('Throttling', 'Rate exceeded'));
    aws.groupReads = [AS_CREATED];
    await expect(reconcile(aws, SETTINGS, {})).rejects.toThrow(/^Rate exceeded$/);
    expect(aws.records.find((record) => record.name === NAMES[0])?.target).toBe(address('002'));
    expect(aws.comments).not.toContain('Undo a failed Create of replica names');
  });
});

describe('names to delete, retiring names and a transitional group', () => {
  test('only names beyond the current ones, in their zone, are deleted; the result lists them and the memory forgets them', async () => {
    // GIVEN replica3 dropped by the deployment before
    const aws = new MemoryAws([AS_CREATED], [...seeded(), { name: 'replica3.cache.internal', target: address('003'), ttl: 30 }]);
    const cache = new RecordCache();

    // WHEN the Update passes a current name, a name of another zone and replica3
    const result = await reconcile(aws, SETTINGS, {
      claimant: OWNER,
      cache,
      namesToDelete: ['Replica1.Cache.Internal.', 'replica3.other.internal', 'replica3.cache.internal'],
    });

    // THEN
    expect(result.deleted).toEqual(['replica3.cache.internal']);
    expect(aws.records.map((record) => record.name).sort()).toEqual([...NAMES, LEASE].sort());
    expect(cache.get(ZONE_ID)).toEqual(aws.records);
    const lines = [`${NAMES[0]} ${address('002')}`, `${NAMES[1]} ${address('003')}`].join('\n');
    expect(parseLeaseTarget(aws.records.find((record) => record.name === LEASE)!.target)?.version)
      .toBe(createHash('sha256').update(lines).digest('hex').slice(0, 12));
  });

  test('while the group reports two primaries, a retiring name is not moved either', async () => {
    const aws = new MemoryAws([TWO_PRIMARIES], [...seeded(), { name: 'replica3.cache.internal', target: address('001'), ttl: 30 }]);
    const result = await reconcile(aws, SETTINGS, {});
    expect(result.deferred).toBeDefined();
    expect(result.retiring).toEqual(['replica3.cache.internal']);
    expect(aws.calls.filter((call) => call.startsWith('applyChanges'))).toEqual(['applyChanges(0)']);
  });
});

describe('memory: when it is used, and how rounds are counted', () => {
  test('a run that does not start from memory lists, even with a memory', async () => {
    const aws = new MemoryAws([PROMOTED_002], seeded());
    const cache = new RecordCache();
    cache.set(ZONE_ID, seeded());
    await reconcile(aws, SETTINGS, { cache });
    expect(aws.calls[1]).toBe('readRecords');
  });

  test('a run asked to start from memory without one lists', async () => {
    const aws = new MemoryAws([PROMOTED_002], seeded());
    await expect(reconcile(aws, SETTINGS, { startFromCache: true })).resolves.toMatchObject({ changes: 1 });
  });

  test('a memory without the lease is confirmed by a listing before anything is skipped', async () => {
    // GIVEN the memory lost the lease (another container re-claimed it since); the zone has it
    const aws = new MemoryAws([PROMOTED_002], seeded());
    const cache = new RecordCache();
    cache.set(ZONE_ID, seeded().slice(0, 2));

    // WHEN / THEN
    const result = await reconcile(aws, SETTINGS, { cache, startFromCache: true });
    expect(result).toMatchObject({ changes: 1, attempts: 1 });
    expect(result.skipped).toBeUndefined();
  });

  test('a memory in sync is confirmed by one listing, in one round', async () => {
    const aws = new MemoryAws([AS_CREATED], seeded());
    const cache = new RecordCache();
    cache.set(ZONE_ID, seeded());
    const result = await reconcile(aws, SETTINGS, { cache, startFromCache: true });
    expect(result).toMatchObject({ changes: 0, attempts: 1 });
    expect(aws.calls).toEqual(['readGroup', 'readRecords', 'applyChanges(0)']);
  });

  test('only the wanted names of the memory are used: another record it holds is not in the lease\'s version', async () => {
    const aws = new MemoryAws([PROMOTED_002], seeded());
    const cache = new RecordCache();
    cache.set(ZONE_ID, [...seeded(), { name: 'reader.cache.internal', target: 'elsewhere.example.com', ttl: 30 }]);
    await reconcile(aws, SETTINGS, { cache, startFromCache: true });
    const lines = [`${NAMES[0]} ${address('001')}`, `${NAMES[1]} ${address('003')}`].join('\n');
    expect(parseLeaseTarget(aws.records.find((record) => record.name === LEASE)!.target)?.version)
      .toBe(createHash('sha256').update(lines).digest('hex').slice(0, 12));
  });

  test.each([
    ['from memory (a notification): the next round plans from what it wrote, without a listing', true,
      ['readGroup', 'applyChanges(4)', 'readGroup', 'readGroup', 'applyChanges(4)', 'readGroup']],
    ['from a listing (the schedule): the next round lists again', false,
      ['readGroup', 'readRecords', 'applyChanges(4)', 'readGroup', 'readGroup', 'readRecords', 'applyChanges(4)', 'readGroup']],
  ])('a group that changed under the batch, %s', async (_, startFromCache, calls) => {
    // GIVEN 002 promoted, then 003 promoted while the first batch is on its way
    const aws = new MemoryAws([PROMOTED_002, [member('001', 'replica'), member('002', 'replica'), member('003', 'primary')]], seeded());
    const cache = new RecordCache();
    cache.set(ZONE_ID, seeded());

    // WHEN
    await reconcile(aws, SETTINGS, { cache, startFromCache });

    // THEN
    expect(aws.calls).toEqual(calls);
  });
});

describe('deleteRecords', () => {
  const owner = { leaseName: LEASE, owner: OWNER };

  test('without an owner or a memory: deletes every given name that exists', async () => {
    const aws = new MemoryAws([AS_CREATED], seeded());
    await expect(deleteRecords(aws, ZONE_ID, [LEASE, ...NAMES])).resolves.toBe(3);
    expect(aws.records).toEqual([]);
    expect(aws.comments).toEqual(['Remove replica names']);
  });

  test('under another owner\'s lease: answers -1 and deletes nothing', async () => {
    const aws = new MemoryAws([AS_CREATED], seeded());
    const other = namesOwner('arn:aws:cloudformation:us-east-1:111122223333:stack/S/1', 'Renamed');
    await expect(deleteRecords(aws, ZONE_ID, [LEASE, ...NAMES], undefined, { leaseName: LEASE, owner: other })).resolves.toBe(-1);
    expect(aws.records).toHaveLength(3);
    expect(aws.calls).toEqual(['readRecords']);
  });

  test('an error other than InvalidChangeBatch is not retried', async () => {
    const aws = new MemoryAws([AS_CREATED], seeded());
    aws.failures.applyChanges.push(error('AccessDenied'));
    await expect(deleteRecords(aws, ZONE_ID, [LEASE, ...NAMES], new RecordCache(), owner)).rejects.toThrow('AccessDenied');
    expect(aws.calls).toEqual(['readRecords', 'applyChanges(3)']);
  });
});

