/**
 * reconcile() against an in-memory AWS layer: the details of its rounds that the handler tests see only from afar
 * (what counts as the group having changed, what the lease's version covers, what the memory of the zone holds).
 * Found by mutation testing (`npx projen mutation`).
 */
import { createHash } from 'crypto';
import { GroupState, UpdaterAws } from '../../lambda/updater/aws';
import { applyBatch, CurrentRecord, GroupMember, RecordChange } from '../../lambda/updater/plan';
import { reconcile } from '../../lambda/updater/reconcile';
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

  constructor(groupReads: GroupMember[][], records: CurrentRecord[] = []) {
    this.groupReads = groupReads;
    this.records = records;
  }

  public async readGroup(): Promise<GroupState> {
    this.calls.push('readGroup');
    const members = this.groupReads.length > 1 ? this.groupReads.shift()! : this.groupReads[0];
    return { status: 'available', members };
  }

  public async readRecords(_zone: string, names: readonly string[]): Promise<CurrentRecord[]> {
    this.calls.push('readRecords');
    return this.records.filter((record) => names.includes(normalizeRecordName(record.name)));
  }

  public async applyChanges(_zone: string, changes: readonly RecordChange[]): Promise<void> {
    this.calls.push(`applyChanges(${changes.length})`);
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
