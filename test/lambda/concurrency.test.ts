import 'aws-sdk-client-mock-jest';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { Change, ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeNode, FakeReplicationGroup, nodeAddress } from './fixtures/elasticache';
import { change, cname, FakeHostedZone, FakeRecord, replace } from './fixtures/route53';
import { LEASE_NAME, LEASE_TARGET, RG, recordName, recordNames, setUpdaterEnv, TTL, ZONE_ID } from './fixtures/updater-env';
import { createUpdaterAws, errorName, GroupState, UpdaterAws } from '../../lambda/updater/aws';
import { CurrentRecord, planReconcile, RecordChange } from '../../lambda/updater/plan';
import { MAX_PLAN_ATTEMPTS, reconcile, ReconcileResult } from '../../lambda/updater/reconcile';
import { readSettings } from '../../lambda/updater/settings';

/*
 * Two reconciles at once (an SNS notification and the schedule, or two notifications of one failover),
 * and other writers. The interleavings are scripted call by call through gates, never left to timing,
 * against the fake group and the fake zone, which rejects batches the way Route 53 does.
 */

const elastiCache = mockClient(ElastiCacheClient);
const route53 = mockClient(Route53Client);

/** 001 primary, 002 and 003 replicas. */
const AS_CREATED: FakeNode[] = [
  { id: 'sessions-001', role: 'primary' },
  { id: 'sessions-002', role: 'replica' },
  { id: 'sessions-003', role: 'replica' },
];

/** 002 promoted, 001 back as a replica. */
const PROMOTED_002: FakeNode[] = [
  { id: 'sessions-001', role: 'replica' },
  { id: 'sessions-002', role: 'primary' },
  { id: 'sessions-003', role: 'replica' },
];

/** 003 promoted, 001 back as a replica. */
const PROMOTED_003: FakeNode[] = [
  { id: 'sessions-001', role: 'replica' },
  { id: 'sessions-002', role: 'replica' },
  { id: 'sessions-003', role: 'primary' },
];

/** Four nodes: 001 primary, 002 to 004 replicas. */
const FOUR_NODES: FakeNode[] = [...AS_CREATED, { id: 'sessions-004', role: 'replica' }];

/** Four nodes after 002 was promoted. */
const FOUR_NODES_PROMOTED_002: FakeNode[] = [...PROMOTED_002, { id: 'sessions-004', role: 'replica' }];

/** The read endpoint of node `sessions-<id>`. */
function address(id: string): string {
  return nodeAddress(`sessions-${id}`);
}

/** The records replica1..replicaN pointing at the given nodes, in order. */
function namesOn(...ids: string[]): FakeRecord[] {
  return ids.map((id, offset) => cname(recordName(offset + 1), address(id), TTL));
}

/** The zone's names as `name -> target`, for the given nodes in order. */
function targets(...ids: string[]): Record<string, string> {
  return Object.fromEntries(ids.map((id, offset) => [recordName(offset + 1), address(id)]));
}

/** The batch entries that move replica<index> from node `from` to node `to`. */
function moved(index: number, from: string, to: string): Change[] {
  return replace(recordName(index), { target: address(from), ttl: TTL }, address(to), TTL);
}

/** A change batch one reconcile sent, and how the zone answered it. */
interface Sent {
  readonly changes: Change[];
  readonly outcome: 'accepted' | string;
}

type Call = 'readGroup' | 'readRecords' | 'applyChanges';

/** A call waiting at the gate. */
interface HeldCall {
  readonly call: Call;
  /** Lets the call through to the fakes; resolves once they answered (or failed). */
  readonly release: () => Promise<void>;
}

/**
 * One run of the real `reconcile()`, over the real AWS layer (answered by the fakes), whose every AWS call
 * waits at a gate until the test lets it through with `step`, so the test writes out the interleaving.
 */
class ScriptedReconcile implements UpdaterAws {
  /** Every non-empty batch this reconcile sent, in order, with the zone's answer. */
  public readonly sent: Sent[] = [];
  private readonly aws = createUpdaterAws();
  private readonly held: HeldCall[] = [];
  private unscripted = false;
  private settled = false;
  private result?: Promise<ReconcileResult>;

  constructor(private readonly label: string) {}

  /** Starts the reconcile with the settings in the environment; it runs up to its first AWS call. */
  public start(): this {
    this.result = reconcile(this, readSettings(process.env));
    // Observed here so a failure is reported by `finish`, not as an unhandled rejection.
    this.result.then(() => this.settled = true, () => this.settled = true);
    return this;
  }

  /** Lets the next `call` this reconcile makes through, and waits until the fakes answered it. */
  public async step(call: Call): Promise<void> {
    // The mocked clients answer without timers, so once the queued promises have run this reconcile
    // is either waiting at a gate or finished: a wrong script fails here instead of hanging.
    await new Promise((resolve) => setImmediate(resolve));
    const index = this.held.findIndex((held) => held.call === call);
    if (index < 0) {
      const where = this.settled ? 'has finished' : `waits at ${this.held.map((held) => held.call).join(', ') || 'nothing'}`;
      throw new Error(`${this.label} is not about to ${call}: it ${where}`);
    }
    const [held] = this.held.splice(index, 1);
    await held.release();
  }

  /** Lets every call through from now on and returns the outcome. */
  public async finish(): Promise<ReconcileResult> {
    this.unscripted = true;
    for (const held of this.held.splice(0)) {
      void held.release();
    }
    return this.result!;
  }

  public readGroup(replicationGroupId: string): Promise<GroupState> {
    return this.gated('readGroup', () => this.aws.readGroup(replicationGroupId));
  }

  public readRecords(hostedZoneId: string, names: readonly string[]): Promise<CurrentRecord[]> {
    return this.gated('readRecords', () => this.aws.readRecords(hostedZoneId, names));
  }

  public async applyChanges(hostedZoneId: string, changes: readonly RecordChange[], comment: string): Promise<void> {
    if (changes.length === 0) {
      // An empty batch makes no AWS call, so there is nothing to hold.
      return this.aws.applyChanges(hostedZoneId, changes, comment);
    }
    return this.gated('applyChanges', async () => {
      // Every batch also renews the lease (asserted in updater.test.ts); left out so each script shows the names it moves.
      const sent = changes
        .filter((entry) => entry.name !== LEASE_NAME)
        .map((entry) => change(entry.action as 'CREATE' | 'DELETE', entry.name, entry.target, entry.ttl));
      try {
        await this.aws.applyChanges(hostedZoneId, changes, comment);
        this.sent.push({ changes: sent, outcome: 'accepted' });
      } catch (error) {
        this.sent.push({ changes: sent, outcome: errorName(error) ?? String(error) });
        throw error;
      }
    });
  }

  private async gated<T>(call: Call, run: () => Promise<T>): Promise<T> {
    if (this.unscripted) {
      return run();
    }
    let answered!: () => void;
    const done = new Promise<void>((resolve) => answered = resolve);
    await new Promise<void>((release) => this.held.push({ call, release: () => { release(); return done; } }));
    try {
      return await run();
    } finally {
      answered();
    }
  }
}

/** The group and zone the mocked clients answer from, and the names the updater owns. */
function given(nodes: FakeNode[], records: FakeRecord[], nameCount = 2): { group: FakeReplicationGroup; zone: FakeHostedZone } {
  setUpdaterEnv(recordNames(nameCount));
  const group = new FakeReplicationGroup(RG, nodes);
  group.install(elastiCache);
  // The lease, as the custom resource's Create left it: without it no reconcile writes.
  const zone = new FakeHostedZone(ZONE_ID, [cname(LEASE_NAME, LEASE_TARGET, TTL), ...records]);
  zone.install(route53);
  return { group, zone };
}

/** Whether a reconcile starting now would change anything: the zone obeys the rules for the live group. */
async function freshPlanChanges(): Promise<RecordChange[]> {
  const settings = readSettings(process.env);
  const aws = createUpdaterAws();
  const [group, current] = await Promise.all([aws.readGroup(RG), aws.readRecords(ZONE_ID, settings.recordNames)]);
  return planReconcile(group.members, current, settings).changes;
}

beforeEach(() => {
  elastiCache.reset();
  route53.reset();
});

afterAll(() => {
  elastiCache.restore();
  route53.restore();
});

describe('the fake zone rejects batches the way Route 53 does', () => {
  const LIVE = namesOn('002', '003');

  test.each<[string, Change[], string]>([
    ['CREATE over an existing name', [change('CREATE', recordName(1), address('001'), TTL)], 'but it already exists'],
    ['DELETE with a stale value', [change('DELETE', recordName(1), address('001'), TTL)], 'do not match the current values'],
    ['DELETE with a stale TTL', [change('DELETE', recordName(1), address('002'), 300)], 'do not match the current values'],
    ['DELETE of a missing name', [change('DELETE', recordName(3), address('002'), TTL)], 'but it was not found'],
    ['CREATE then DELETE of one name', [
      change('CREATE', recordName(3), address('002'), TTL), change('DELETE', recordName(3), address('002'), TTL),
    ], 'invalid set of changes'],
    ['DELETE twice', [
      change('DELETE', recordName(1), address('002'), TTL), change('DELETE', recordName(1), address('002'), TTL),
    ], 'invalid set of changes'],
    ['a valid replace beside a stale one', [...moved(1, '002', '001'), ...moved(2, '002', '001')], 'do not match the current values'],
  ])('%s: InvalidChangeBatch, and nothing of the batch applies', async (_, changes, message) => {
    // GIVEN
    const { zone } = given(AS_CREATED, LIVE);

    // WHEN / THEN
    await expect(new Route53Client({}).send(new ChangeResourceRecordSetsCommand({ HostedZoneId: ZONE_ID, ChangeBatch: { Changes: changes } })))
      .rejects.toThrow(expect.objectContaining({ name: 'InvalidChangeBatch', message: expect.stringContaining(message) }));
    expect(zone.cnames()).toEqual(targets('002', '003'));
  });

  test('DELETE then CREATE of one name is an atomic replace', async () => {
    // GIVEN
    const { zone } = given(AS_CREATED, LIVE);

    // WHEN
    await new Route53Client({}).send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: ZONE_ID, ChangeBatch: { Changes: [...moved(1, '002', '001'), change('CREATE', recordName(3), address('003'), TTL)] },
    }));

    // THEN
    expect(zone.cnames()).toEqual(targets('001', '003', '003'));
  });

  test('UPSERT is denied: the updater\'s IAM policy allows CREATE and DELETE only', async () => {
    // GIVEN
    const { zone } = given(AS_CREATED, LIVE);
    const upsert: Change = { ...change('CREATE', recordName(1), address('001'), TTL), Action: 'UPSERT' };

    // WHEN / THEN
    await expect(new Route53Client({}).send(new ChangeResourceRecordSetsCommand({ HostedZoneId: ZONE_ID, ChangeBatch: { Changes: [upsert] } })))
      .rejects.toThrow(expect.objectContaining({ name: 'AccessDenied' }));
    expect(zone.cnames()).toEqual(targets('002', '003'));
  });
});

describe('two reconciles with the same view', () => {
  test.each([
    { title: 'after a failover', nodes: PROMOTED_002, records: namesOn('002', '003'), batch: moved(1, '002', '001'), changes: 1, final: ['001', '003'] },
    {
      title: 'seeding an empty zone',
      nodes: AS_CREATED,
      records: [],
      batch: [change('CREATE', recordName(1), address('002'), TTL), change('CREATE', recordName(2), address('003'), TTL)],
      changes: 2,
      final: ['002', '003'],
    },
  ])('$title: both read before either writes; one batch lands, the other is rejected, re-reads and finds nothing to do', async ({
    nodes, records, batch, changes, final,
  }) => {
    // GIVEN two reconciles of the same event (SNS delivers at least once) read the same group and zone
    const { zone } = given(nodes, records);
    const first = new ScriptedReconcile('first').start();
    const second = new ScriptedReconcile('second').start();
    for (const reconcileRun of [first, second]) {
      await reconcileRun.step('readGroup');
      await reconcileRun.step('readRecords');
    }

    // WHEN both send the same batch, one after the other
    await first.step('applyChanges');
    await second.step('applyChanges');
    const firstResult = await first.finish();
    const secondResult = await second.finish();

    // THEN the second batch no longer matches the zone: a DELETE of a value that is gone, or a CREATE over a name that exists
    expect(first.sent).toEqual([{ changes: batch, outcome: 'accepted' }]);
    expect(second.sent).toEqual([{ changes: batch, outcome: 'InvalidChangeBatch' }]);
    expect(route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 2);
    expect(firstResult).toMatchObject({ attempts: 1, changes });
    expect(secondResult).toMatchObject({ attempts: 2, changes: 0 });
    expect(zone.cnames()).toEqual(targets(...final));
    expect(firstResult.records).toEqual(targets(...final));
    expect(secondResult.records).toEqual(targets(...final));
  });
});

describe('two reconciles with different views: A read the group before a failover, B after', () => {
  interface RaceCase {
    readonly title: string;
    readonly nameCount: number;
    /** The group A reads. */
    readonly before: FakeNode[];
    /** The group after the failover, which B and every later read see. */
    readonly after: FakeNode[];
    readonly records: FakeRecord[];
    /** The order in which the held batches reach the zone. */
    readonly writes: ReadonlyArray<'A' | 'B'>;
    readonly sentByA: Sent[];
    readonly sentByB: Sent[];
    readonly attempts: { readonly A: number; readonly B: number };
    /** The node each name ends on: the rules applied to the live group. */
    readonly final: string[];
  }

  const raceCases: RaceCase[] = [
    {
      // A moves replica2 off the over-loaded 002; B also moves replica1 off 002, now the primary.
      title: 'both move replica2, the stale batch lands first: B is rejected and re-plans on top of it',
      nameCount: 2,
      before: AS_CREATED,
      after: PROMOTED_002,
      records: namesOn('002', '002'),
      writes: ['A', 'B'],
      sentByA: [{ changes: moved(2, '002', '003'), outcome: 'accepted' }],
      sentByB: [
        { changes: [...moved(1, '002', '001'), ...moved(2, '002', '003')], outcome: 'InvalidChangeBatch' },
        { changes: moved(1, '002', '001'), outcome: 'accepted' },
      ],
      attempts: { A: 2, B: 2 },
      final: ['001', '003'],
    },
    {
      title: 'both move replica2, the fresh batch lands first: the stale batch is rejected, and A re-plans from fresh state',
      nameCount: 2,
      before: AS_CREATED,
      after: PROMOTED_002,
      records: namesOn('002', '002'),
      writes: ['B', 'A'],
      sentByA: [{ changes: moved(2, '002', '003'), outcome: 'InvalidChangeBatch' }],
      sentByB: [{ changes: [...moved(1, '002', '001'), ...moved(2, '002', '003')], outcome: 'accepted' }],
      attempts: { A: 2, B: 1 },
      final: ['001', '003'],
    },
    {
      // replica1 was left on the primary 001 while no replica could serve. Before the failover A moves it to 003;
      // after it, 001 is a replica, so B finds nothing to change and writes nothing: no batch of B can reject A's.
      title: 'B has nothing to write: A\'s stale batch lands, then A sees the group changed and re-plans',
      nameCount: 2,
      before: AS_CREATED,
      after: PROMOTED_003,
      records: namesOn('001', '002'),
      writes: ['A'],
      sentByA: [
        { changes: moved(1, '001', '003'), outcome: 'accepted' },
        { changes: moved(1, '003', '001'), outcome: 'accepted' },
      ],
      sentByB: [],
      attempts: { A: 2, B: 1 },
      final: ['001', '002'],
    },
    {
      // A moves replica1 off the primary 001 to 004; B moves replica2 off the new primary 002 to 004. The batches
      // touch different names, but each replaces the lease version both read, so only the first lands.
      title: 'A and B move different names, A lands first: B\'s batch is refused by the lease, and B re-plans on top of A\'s',
      nameCount: 3,
      before: FOUR_NODES,
      after: FOUR_NODES_PROMOTED_002,
      records: namesOn('001', '002', '003'),
      writes: ['A', 'B'],
      sentByA: [{ changes: moved(1, '001', '004'), outcome: 'accepted' }],
      sentByB: [
        { changes: moved(2, '002', '004'), outcome: 'InvalidChangeBatch' },
        { changes: moved(2, '002', '001'), outcome: 'accepted' },
      ],
      attempts: { A: 2, B: 2 },
      final: ['004', '001', '003'],
    },
    {
      title: 'A and B move different names, B lands first: A\'s stale batch is refused by the lease, and A finds nothing left to do',
      nameCount: 3,
      before: FOUR_NODES,
      after: FOUR_NODES_PROMOTED_002,
      records: namesOn('001', '002', '003'),
      writes: ['B', 'A'],
      sentByA: [{ changes: moved(1, '001', '004'), outcome: 'InvalidChangeBatch' }],
      sentByB: [{ changes: moved(2, '002', '004'), outcome: 'accepted' }],
      attempts: { A: 2, B: 1 },
      final: ['001', '004', '003'],
    },
  ];

  test.each(raceCases)('$title', async ({ nameCount, before, after, records, writes, sentByA, sentByB, attempts, final }) => {
    // GIVEN A reads the group and the zone before the failover, B reads both after it
    const { group, zone } = given(before, records, nameCount);
    const writers = { A: new ScriptedReconcile('A').start(), B: new ScriptedReconcile('B').start() };
    await writers.A.step('readGroup');
    await writers.A.step('readRecords');
    group.nodes = after;
    await writers.B.step('readGroup');
    await writers.B.step('readRecords');

    // WHEN their batches land in the given order, then both run to the end (B first, so the order is fixed)
    for (const writer of writes) {
      await writers[writer].step('applyChanges');
    }
    const resultB = await writers.B.finish();
    const resultA = await writers.A.finish();

    // THEN exactly these batches, and the zone obeys the rules for the live group: a reconcile now changes nothing
    expect(writers.A.sent).toEqual(sentByA);
    expect(writers.B.sent).toEqual(sentByB);
    expect({ A: resultA.attempts, B: resultB.attempts }).toEqual(attempts);
    expect(zone.cnames()).toEqual(targets(...final));
    expect(resultA.records).toEqual(targets(...final));
    expect(await freshPlanChanges()).toEqual([]);
  });
});

describe('a writer that keeps changing the record', () => {
  test('forces MAX_PLAN_ATTEMPTS rounds, each deleting the value it read, then the InvalidChangeBatch propagates', async () => {
    // GIVEN after a failover, another writer re-points replica1 between each of our reads and writes
    const { zone } = given(PROMOTED_002, namesOn('002', '003'));
    const otherWriter = (round: number) => `other-writer-${round}.example.com`;
    for (let round = 1; round <= MAX_PLAN_ATTEMPTS; round++) {
      zone.beforeNextChange(() => zone.put(cname(recordName(1), otherWriter(round), TTL)));
    }
    const run = new ScriptedReconcile('A').start();

    // WHEN / THEN bounded: the error surfaces after MAX_PLAN_ATTEMPTS rounds
    await expect(run.finish()).rejects.toThrow(expect.objectContaining({
      name: 'InvalidChangeBatch',
      message: expect.stringContaining('do not match the current values'),
    }));
    expect(run.sent).toEqual([
      { changes: moved(1, '002', '001'), outcome: 'InvalidChangeBatch' },
      ...Array.from({ length: MAX_PLAN_ATTEMPTS - 1 }, (_, round) => ({
        changes: replace(recordName(1), { target: otherWriter(round + 1), ttl: TTL }, address('001'), TTL),
        outcome: 'InvalidChangeBatch',
      })),
    ]);
    expect(route53).toHaveReceivedCommandTimes(ListResourceRecordSetsCommand, MAX_PLAN_ATTEMPTS);
    // Nothing of ours landed: the other writer's last value stands.
    expect(zone.cnames()).toEqual({ [recordName(1)]: otherWriter(MAX_PLAN_ATTEMPTS), [recordName(2)]: address('003') });
  });

  test('a writer that stops one round earlier lets the last attempt land', async () => {
    // GIVEN
    const { zone } = given(PROMOTED_002, namesOn('002', '003'));
    for (let round = 1; round < MAX_PLAN_ATTEMPTS; round++) {
      zone.beforeNextChange(() => zone.put(cname(recordName(1), `other-writer-${round}.example.com`, TTL)));
    }

    // WHEN
    const run = new ScriptedReconcile('A').start();
    const result = await run.finish();

    // THEN
    expect(run.sent.map((sent) => sent.outcome)).toEqual([...Array(MAX_PLAN_ATTEMPTS - 1).fill('InvalidChangeBatch'), 'accepted']);
    expect(result).toMatchObject({ attempts: MAX_PLAN_ATTEMPTS, changes: 1 });
    expect(zone.cnames()).toEqual(targets('001', '003'));
  });
});

describe('a group that changes while the batch is written', () => {
  test('a failover between the read and the write: the group is read again after the batch, and the names re-planned', async () => {
    // GIVEN an empty zone; 002 is promoted while the seeding batch is on its way
    const { group, zone } = given(AS_CREATED, []);
    zone.beforeNextChange(() => group.nodes = PROMOTED_002);

    // WHEN
    const run = new ScriptedReconcile('A').start();
    const result = await run.finish();

    // THEN the seeding lands on 002, now the primary; the read after it sees the failover and moves replica1 off
    expect(run.sent).toEqual([
      { changes: [change('CREATE', recordName(1), address('002'), TTL), change('CREATE', recordName(2), address('003'), TTL)], outcome: 'accepted' },
      { changes: moved(1, '002', '001'), outcome: 'accepted' },
    ]);
    expect(zone.cnames()).toEqual(targets('001', '003'));
    expect(result).toEqual({
      replicationGroupId: RG,
      records: targets('001', '003'),
      before: {},
      changes: 3,
      servingReplicas: 2,
      deleted: [],
      attempts: 2,
      retiring: [],
    });
    // Read, read after the seeding, read of round 2, read after its batch (which found the group unchanged).
    expect(elastiCache.commandCalls(DescribeReplicationGroupsCommand)).toHaveLength(4);
  });

  test('a group that changes under every batch: MAX_PLAN_ATTEMPTS rounds, then the last plan stands (bounded)', async () => {
    // GIVEN an empty zone, and a group that fails over and back while each batch is on its way
    const { group, zone } = given(AS_CREATED, []);
    for (let round = 1; round <= MAX_PLAN_ATTEMPTS; round++) {
      zone.beforeNextChange(() => group.nodes = round % 2 === 1 ? PROMOTED_002 : AS_CREATED);
    }

    // WHEN
    const run = new ScriptedReconcile('A').start();
    const result = await run.finish();

    // THEN replica1 follows every failover; the last round does not read the group again
    expect(run.sent).toEqual([
      { changes: [change('CREATE', recordName(1), address('002'), TTL), change('CREATE', recordName(2), address('003'), TTL)], outcome: 'accepted' },
      ...Array.from({ length: MAX_PLAN_ATTEMPTS - 1 }, (_, offset) => ({
        changes: offset % 2 === 0 ? moved(1, '002', '001') : moved(1, '001', '002'),
        outcome: 'accepted',
      })),
    ]);
    expect(result.attempts).toBe(MAX_PLAN_ATTEMPTS);
    expect(elastiCache.commandCalls(DescribeReplicationGroupsCommand)).toHaveLength(2 * MAX_PLAN_ATTEMPTS - 1);
    expect(zone.cnames()).toEqual(result.records);
  });
});
