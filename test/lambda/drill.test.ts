import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DrillAws, DrillOptions, DrillTarget, main, runDrill } from '../../lambda/drill/drill';
import type { GroupState } from '../../lambda/updater/aws';
import type { CurrentRecord, GroupMember } from '../../lambda/updater/plan';

const RG = 'sessions';
const ZONE_ID = 'Z0123456789ABCDEFGHIJ';
const NAMES = ['replica1.cache.internal', 'replica2.cache.internal'];
const TARGET: DrillTarget = { replicationGroupId: RG, hostedZoneId: ZONE_ID, names: NAMES };
/** Polls without waiting, and a timeout no scripted success comes near. */
const FAST: DrillOptions = { timeoutMs: 10_000, pollIntervalMs: 0, nodeGroupId: '0001' };

function address(id: string): string {
  return `${id}.x7k2pq.0001.use1.cache.amazonaws.com`;
}

function node(id: string, role: 'primary' | 'replica' | undefined, available = true): GroupMember {
  return { cacheClusterId: id, role, address: address(id), status: available ? 'available' : 'rebooting cache cluster nodes' };
}

/** What one read of the group and the zone returns: the members, and the node each name points at. */
interface Snapshot {
  readonly members: GroupMember[];
  readonly names: readonly string[];
}

function at(members: GroupMember[], ...targets: string[]): Snapshot {
  return { members, names: targets };
}

/**
 * Answers each read (group and zone together) from the next snapshot; the last one repeats. The first read is the
 * drill's check before it fails over.
 */
class FakeDrillAws implements DrillAws {
  public reads = 0;
  public readonly failovers: Array<[string, string]> = [];
  private current = 0;

  constructor(private readonly snapshots: readonly Snapshot[]) {}

  public async readGroup(replicationGroupId: string): Promise<GroupState> {
    expect(replicationGroupId).toBe(RG);
    return { status: 'available', members: this.snapshot().members };
  }

  // Called right after readGroup in the same Promise.all, so both see one snapshot; then the next read moves on.
  public async readRecords(hostedZoneId: string, names: readonly string[]): Promise<CurrentRecord[]> {
    expect(hostedZoneId).toBe(ZONE_ID);
    const snapshot = this.snapshot();
    this.reads += 1;
    this.current = Math.min(this.current + 1, this.snapshots.length - 1);
    return names.flatMap((name, index) => snapshot.names[index] === undefined
      ? []
      : [{ name: `${name}.`, target: `${address(snapshot.names[index])}.`, ttl: 30 }]);
  }

  public async testFailover(replicationGroupId: string, nodeGroupId: string): Promise<void> {
    this.failovers.push([replicationGroupId, nodeGroupId]);
  }

  private snapshot(): Snapshot {
    return this.snapshots[this.current];
  }
}

/** 001 primary, 002 and 003 replicas, the names on them. */
const SETTLED_TWO_REPLICAS = at([node('rg-001', 'primary'), node('rg-002', 'replica'), node('rg-003', 'replica')], 'rg-002', 'rg-003');

describe('runDrill', () => {
  test('success: the primary changes, the name on it moves once the old primary serves again, then every name is right', async () => {
    // GIVEN ElastiCache promotes 002, 001 comes back as a replica, and the updater moves replica1 to it
    const aws = new FakeDrillAws([
      SETTLED_TWO_REPLICAS,
      SETTLED_TWO_REPLICAS,
      at([node('rg-001', 'replica', false), node('rg-002', 'primary'), node('rg-003', 'replica')], 'rg-002', 'rg-003'),
      at([node('rg-001', 'replica'), node('rg-002', 'primary'), node('rg-003', 'replica')], 'rg-001', 'rg-003'),
    ]);

    // WHEN
    const result = await runDrill(aws, TARGET, FAST);

    // THEN
    expect(result.ok).toBe(true);
    expect(aws.failovers).toEqual([[RG, '0001']]);
    expect(result.timeline.map((step) => [step.event, step.detail])).toEqual([
      ['failover-requested', 'TestFailover sessions node group 0001 (primary rg-001)'],
      ['primary-changed', 'rg-001 -> rg-002'],
      ['name-repointed', 'replica1.cache.internal: rg-002 -> rg-001'],
      ['all-names-correct', '2 name(s) on 2 serving replica(s)'],
    ]);
    expect(aws.reads).toBe(4);
  });

  test('one replica: not done while no replica serves and the names sit on the new primary; done once they follow', async () => {
    // GIVEN 002 is the only replica; after the failover it is the primary and 001 takes a while to serve as a replica.
    // Meanwhile no replica is available, so the check accepts the names anywhere, even on the new primary.
    const aws = new FakeDrillAws([
      at([node('rg-001', 'primary'), node('rg-002', 'replica')], 'rg-002', 'rg-002'),
      at([node('rg-001', undefined, false), node('rg-002', 'primary')], 'rg-002', 'rg-002'),
      at([node('rg-001', 'replica', false), node('rg-002', 'primary')], 'rg-002', 'rg-002'),
      // 001 serves again, the updater has not moved the names yet
      at([node('rg-001', 'replica'), node('rg-002', 'primary')], 'rg-002', 'rg-002'),
      at([node('rg-001', 'replica'), node('rg-002', 'primary')], 'rg-001', 'rg-001'),
    ]);
    const progress: string[] = [];

    // WHEN
    const result = await runDrill(aws, TARGET, { ...FAST, onProgress: (status) => progress.push(status) });

    // THEN success only on the last read, with the names on 001
    expect(result.ok).toBe(true);
    expect(aws.reads).toBe(5);
    expect(result.finalCheck?.names.map((name) => name.cacheClusterId)).toEqual(['rg-001', 'rg-001']);
    expect(result.timeline.map((step) => step.event)).toEqual([
      'failover-requested', 'primary-changed', 'name-repointed', 'name-repointed', 'all-names-correct',
    ]);
    expect(progress[0]).toMatch(/primary rg-002, 2\/2 names correct, 0\/1 replicas serving$/);
  });

  test('timeout while the primary does not change', async () => {
    // GIVEN the failover never happens
    const aws = new FakeDrillAws([SETTLED_TWO_REPLICAS]);

    // WHEN
    const result = await runDrill(aws, TARGET, { ...FAST, timeoutMs: 50, pollIntervalMs: 5 });

    // THEN
    expect(result.ok).toBe(false);
    expect(result.message).toBe('Timed out after 0.05 s: the primary is still rg-001');
    expect(result.timeline.map((step) => step.event)).toEqual(['failover-requested']);
  });

  test('timeout while fewer replicas serve than before says so, even though the check passes', async () => {
    // GIVEN after the failover the old primary never serves again
    const aws = new FakeDrillAws([
      at([node('rg-001', 'primary'), node('rg-002', 'replica')], 'rg-002', 'rg-002'),
      at([node('rg-001', 'replica', false), node('rg-002', 'primary')], 'rg-002', 'rg-002'),
    ]);

    // WHEN
    const result = await runDrill(aws, TARGET, { ...FAST, timeoutMs: 50, pollIntervalMs: 5 });

    // THEN
    expect(result.ok).toBe(false);
    expect(result.finalCheck?.ok).toBe(true);
    expect(result.message).toBe('Timed out after 0.05 s: only 0 of 1 replica(s) serving again');
  });

  test('names wrong before the drill: no failover', async () => {
    // GIVEN replica2 is missing
    const aws = new FakeDrillAws([at(SETTLED_TWO_REPLICAS.members, 'rg-002')]);

    // WHEN
    const result = await runDrill(aws, TARGET, FAST);

    // THEN
    expect(result.ok).toBe(false);
    expect(result.message).toBe('Names are wrong before the drill, so it did not fail over: replica2.cache.internal does not exist');
    expect(aws.failovers).toEqual([]);
  });
});

describe('main', () => {
  const TARGET_FLAGS = ['--replication-group-id', RG, '--hosted-zone-id', ZONE_ID, '--names', NAMES.join(',')];
  let stdout: string;
  let stderr: string;
  let dir: string;

  beforeEach(() => {
    stdout = '';
    stderr = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drill-test-'));
  });

  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A failover that the names follow on the second poll. */
  function followingAws(): FakeDrillAws {
    return new FakeDrillAws([
      SETTLED_TWO_REPLICAS,
      at([node('rg-001', 'replica'), node('rg-002', 'primary'), node('rg-003', 'replica')], 'rg-001', 'rg-003'),
    ]);
  }

  test('exit 0 when every name followed, with the timeline as JSON', async () => {
    // GIVEN
    const aws = followingAws();

    // WHEN
    const code = await main(['drill', ...TARGET_FLAGS, '--poll-interval', '0.001', '--json'], aws);

    // THEN
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, replicationGroupId: RG, hostedZoneId: ZONE_ID, names: NAMES });
  });

  test('exit 0 with the target read from a cdk outputs file', async () => {
    // GIVEN
    const outputs = path.join(dir, 'outputs.json');
    fs.writeFileSync(outputs, JSON.stringify({
      Other: { Url: 'https://example.com' },
      App: { CacheReplicationGroupId: RG, CacheHostedZoneId: ZONE_ID, CacheReplicaHostnames: NAMES.join(',') },
    }));
    const aws = followingAws();

    // WHEN
    const code = await main(['drill', '--outputs', outputs, '--poll-interval', '0.001'], aws);

    // THEN
    expect(code).toBe(0);
    expect(stdout).toContain('OK: Every name followed the failover');
    expect(aws.failovers).toEqual([[RG, '0001']]);
  });

  test('exit 1 when the names are wrong before the drill', async () => {
    // GIVEN replica1 on the primary
    const aws = new FakeDrillAws([at(SETTLED_TWO_REPLICAS.members, 'rg-001', 'rg-003')]);

    // WHEN
    const code = await main(['drill', ...TARGET_FLAGS], aws);

    // THEN
    expect(code).toBe(1);
    expect(stdout).toContain('FAILED: Names are wrong before the drill, so it did not fail over: '
      + `replica1.cache.internal points at rg-001, which is the primary node (${address('rg-001')})`);
    expect(aws.failovers).toEqual([]);
  });

  test('exit 1 on timeout', async () => {
    // GIVEN the failover never happens
    const aws = new FakeDrillAws([SETTLED_TWO_REPLICAS]);

    // WHEN
    const code = await main(['drill', ...TARGET_FLAGS, '--timeout', '0.05', '--poll-interval', '0.005'], aws);

    // THEN
    expect(code).toBe(1);
    expect(stdout).toContain('FAILED: Timed out after 0.05 s: the primary is still rg-001');
    expect(stderr).toContain('waiting:');
  });

  test.each([
    ['a missing --outputs file', () => path.join(dir, 'missing.json'), /^cannot read the --outputs file .*missing\.json: ENOENT/],
    ['an --outputs file that is not JSON', () => write('broken.json', '{"App": '), /^the --outputs file .*broken\.json is not valid JSON: /],
    ['an --outputs file that is not an object', () => write('list.json', '[]'), /^the --outputs file .*list\.json is not a 'cdk deploy --outputs-file' JSON/],
    ['an --outputs file without the outputs', () => write('other.json', '{"App": {"Url": "x"}, "Odd": "x"}'), /other\.json has no stack with outputs ending in/],
  ])('exit 2 for %s, naming the file, before any AWS call', async (_, file, message) => {
    // GIVEN
    const aws = followingAws();

    // WHEN
    const code = await main(['drill', '--outputs', file()], aws);

    // THEN a usage error, not "AWS error"
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('Usage: cdk-redis-stable-readers drill');
    expect(stderr).not.toContain('AWS error:');
    expect(aws.reads).toBe(0);
  });

  test('--version prints the package version and exits 0, with or without the drill command', async () => {
    // GIVEN
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };

    // WHEN
    const codes = [await main(['--version'], followingAws()), await main(['drill', '--version'], followingAws())];

    // THEN
    expect(codes).toEqual([0, 0]);
    expect(stdout).toBe(`${version}\n${version}\n`);
    expect(stderr).toBe('');
  });

  test('the bundled command prints the version of the package.json it ships beside', () => {
    // GIVEN the bundle as the npm package lays it out: assets/drill/index.js under a package.json
    const bundle = path.join(__dirname, '..', '..', 'assets', 'drill', 'index.js');
    const pkg = path.join(dir, 'package');
    fs.mkdirSync(path.join(pkg, 'assets', 'drill'), { recursive: true });
    fs.copyFileSync(bundle, path.join(pkg, 'assets', 'drill', 'index.js'));
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'cdk-redis-stable-readers', version: '1.2.3' }));

    // WHEN
    const out = execFileSync(process.execPath, [path.join(pkg, 'assets', 'drill', 'index.js'), '--version'], { encoding: 'utf8' });

    // THEN
    expect(out).toBe('1.2.3\n');
  });

  test('exit 2 for missing flags', async () => {
    // WHEN
    const code = await main(['drill', '--names', 'x'], followingAws());

    // THEN
    expect(code).toBe(2);
    expect(stderr).toContain('missing --replication-group-id, --hosted-zone-id (or give --outputs)');
  });

  test('exit 2 for an AWS error, reported as one', async () => {
    // GIVEN
    const aws = followingAws();
    const denied = new Error('not authorized to perform elasticache:DescribeReplicationGroups');
    denied.name = 'AccessDenied';
    jest.spyOn(aws, 'readGroup').mockRejectedValue(denied);

    // WHEN
    const code = await main(['drill', ...TARGET_FLAGS], aws);

    // THEN
    expect(code).toBe(2);
    expect(stderr).toContain('AWS error: AccessDenied: not authorized to perform elasticache:DescribeReplicationGroups');
  });

  function write(name: string, content: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  }
});
